using SynthflowConnector.Hooks;

namespace SynthflowConnector.Tests.Hooks.Core;

public sealed class WebhookSignatureTests
{
    // Vectors from openssl:
    //   printf '%s' "1711646262471x768387119913843100" | openssl dgst -sha256 -hmac "sandbox-secret" -binary | base64
    //   printf '%s' "call-é" | openssl dgst -sha256 -hmac "clé" -binary | base64
    [Theory]
    [InlineData("sandbox-secret", "1711646262471x768387119913843100", "gp+N/4L3bROOJIIHDYt+zTyCCv+Uv7wE7CXAhg1Siq4=")]
    [InlineData("clé", "call-é", "P8rGx452bQFoMVIpMgnu1yBcDnrS5VxpJeCxovxd6I8=")]
    public void Compute_matches_openssl_and_verify_accepts_it(string secret, string callId, string expected)
    {
        Assert.Equal(expected, WebhookSignature.Compute(secret, callId));
        Assert.True(WebhookSignature.Verify(secret, callId, expected));
        Assert.True(WebhookSignature.Verify(secret, callId, $"  {expected} "));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("not base64!")]
    [InlineData("gp+N/4L3bROOJIIHDYt+zTyCCv+Uv7wE7CXAhg1Siq8=")] // last byte changed
    [InlineData("gp+N/4L3bROOJIIHDYt+zTyCCv+Uv7wE7CXAhg==")] // truncated
    [InlineData("gp+N/4L3bROOJIIHDYt+zTyCCv+Uv7wE7CXAhg1Siq4gp+N/4L3bROOJIIHDYt+zTyCCv+Uv7wE7CXAhg1Siq4=")] // too long
    public void Verify_refuses_missing_malformed_and_wrong_signatures(string? signature) =>
        Assert.False(WebhookSignature.Verify("sandbox-secret", "1711646262471x768387119913843100", signature));

    [Fact]
    public void A_signature_is_bound_to_its_secret_and_call_id()
    {
        var signature = WebhookSignature.Compute("sandbox-secret", "call-1");

        Assert.False(WebhookSignature.Verify("other-secret", "call-1", signature));
        Assert.False(WebhookSignature.Verify("sandbox-secret", "call-2", signature));
    }
}
