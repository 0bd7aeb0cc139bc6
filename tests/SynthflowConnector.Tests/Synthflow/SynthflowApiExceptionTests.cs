using System.Net;
using System.Text;
using SynthflowConnector.Synthflow;

namespace SynthflowConnector.Tests.Synthflow;

public sealed class SynthflowApiExceptionTests
{
    [Fact]
    public void The_detail_object_shape_yields_category_description_and_request_id()
    {
        var body = """{"detail":{"status":"error","description":"Agent not found","request_id":"req-1","category":"not_found"}}""";

        var error = SynthflowApiException.FromResponse("get-assistant", HttpStatusCode.NotFound, Encoding.UTF8.GetBytes(body), null);

        Assert.Equal("not_found", error.Category);
        Assert.Equal("Agent not found", error.Description);
        Assert.Equal("req-1", error.RequestId);
        Assert.Equal("Synthflow answered 404 to get-assistant: Agent not found (request id req-1)", error.Message);
    }

    [Fact]
    public void The_detail_string_shape_yields_a_description()
    {
        var error = SynthflowApiException.FromResponse("get-call", HttpStatusCode.NotFound, """{"detail":"Not Found"}"""u8, null);

        Assert.Equal("Not Found", error.Description);
        Assert.Null(error.Category);
        Assert.Null(error.RequestId);
    }

    [Fact]
    public void The_gateway_shape_yields_category_and_description()
    {
        var error = SynthflowApiException.FromResponse("list-calls", HttpStatusCode.TooManyRequests, """{"error":"Too Many Requests","message":"Slow down"}"""u8, TimeSpan.FromSeconds(3));

        Assert.Equal("Too Many Requests", error.Category);
        Assert.Equal("Slow down", error.Description);
        Assert.Equal(TimeSpan.FromSeconds(3), error.RetryAfter);
    }

    [Theory]
    [InlineData("")]
    [InlineData("<html>Bad gateway</html>")]
    [InlineData("[1,2,3]")]
    [InlineData("{\"detail\":[{\"loc\":[\"body\",\"phone\"],\"msg\":\"field required\"}]}")]
    public void Unexpected_bodies_never_throw(string body)
    {
        var error = SynthflowApiException.FromResponse("voice-call", HttpStatusCode.BadGateway, Encoding.UTF8.GetBytes(body), null);

        Assert.Equal(HttpStatusCode.BadGateway, error.StatusCode);
        Assert.StartsWith("Synthflow answered 502 to voice-call", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_401_says_key_rejected_or_wrong_region()
    {
        var error = SynthflowApiException.FromResponse("get-assistant", HttpStatusCode.Unauthorized, """{"error":"Unauthorized","message":"Invalid API key"}"""u8, null);

        Assert.Contains("API key rejected or wrong region", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Long_bodies_are_cut_short()
    {
        var error = SynthflowApiException.FromResponse("voice-call", HttpStatusCode.InternalServerError, Encoding.UTF8.GetBytes(new string('x', 5000)), null);

        Assert.True(error.Description!.Length <= 301);
    }
}
