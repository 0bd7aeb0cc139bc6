using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using SynthflowConnector.Hooks;
using SynthflowConnector.Http;
using SynthflowConnector.Tests.Http;
using SynthflowConnector.Tests.Infrastructure;

namespace SynthflowConnector.Tests.Hooks.Api;

/// <summary>
/// <c>POST /api/webhooks/synthflow</c> on the real Host over HTTP: anonymous at the platform level, authenticated by the
/// signature; 401 for unsigned or forged webhooks, 413 above 4 MiB, 503 in live mode without the secret.
/// </summary>
[Collection("Azurite")]
public sealed class WebhookReceiverTests(AzuriteFixture azurite)
{
    private static readonly Uri Receiver = new("/api/webhooks/synthflow", UriKind.Relative);

    /// <summary>Synthflow's documented post-call payload, with this call id and status.</summary>
    public static string Payload(string callId, string status = "completed") => """
        {"status":"STATUS","lead":{"name":"David","phone_number":"+14155550123"},
         "call":{"status":"STATUS","end_call_reason":"human_goodbye","model_id":"sales-east","call_id":"CALL_ID","duration":32,
                 "start_time":"2024-03-28T18:17:46.205134+01:00","transcript":"bot: Hello\nhuman: Hi"},
         "executed_actions":{"extract_info_1":{"name":"extract_info_1","return_value":{"purchase":"car"}}}}
        """.Replace("STATUS", status, StringComparison.Ordinal).Replace("CALL_ID", callId, StringComparison.Ordinal);

    /// <summary>base64(HMAC-SHA256(secret, call_id)), as Synthflow signs.</summary>
    public static string Sign(string callId, string secret = HookSettings.WebhookSecret) =>
        Convert.ToBase64String(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(callId)));

    public static HttpRequestMessage Webhook(string body, string? signature)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, Receiver) { Content = HttpAssert.Raw(body) };
        if (signature is not null)
        {
            request.Headers.TryAddWithoutValidation("Synthflow-Signature", signature);
        }

        return request;
    }

    [Fact]
    public async Task A_signed_webhook_is_accepted_without_a_function_key_and_a_repeat_is_acknowledged_too()
    {
        await using var host = await ConnectorHostHarness.StartAsync(azurite, settings: HookSettings.Unique());
        var callId = "call-" + Guid.NewGuid().ToString("N");

        using var first = await host.Anonymous.SendAsync(Webhook(Payload(callId), Sign(callId)));
        using var second = await host.Anonymous.SendAsync(Webhook(Payload(callId), Sign(callId)));

        var receipt = await HttpAssert.OkAsync<WebhookReceipt>(first);
        Assert.True(receipt.Received);
        Assert.Null(receipt.Duplicate);
        // The repeat is queued too, and dropped by the fan-out (WebhookTrustEndToEndTests): not known yet here.
        Assert.True((await HttpAssert.OkAsync<WebhookReceipt>(second)).Received);
    }

    [Fact]
    public async Task A_repeat_of_a_webhook_too_large_for_the_queue_is_answered_as_a_duplicate()
    {
        await using var host = await ConnectorHostHarness.StartAsync(azurite, settings: HookSettings.Unique());
        var callId = "call-" + Guid.NewGuid().ToString("N");
        var large = Payload(callId).Replace("bot: Hello", "bot: " + new string('x', CallEventIntake.MaxQueuedBodyBytes), StringComparison.Ordinal);

        using var first = await host.Anonymous.SendAsync(Webhook(large, Sign(callId)));
        using var second = await host.Anonymous.SendAsync(Webhook(large, Sign(callId)));

        Assert.Null((await HttpAssert.OkAsync<WebhookReceipt>(first)).Duplicate);
        Assert.True((await HttpAssert.OkAsync<WebhookReceipt>(second)).Duplicate);
    }

    [Fact]
    public async Task A_webhook_for_a_call_still_in_progress_is_acknowledged_and_ignored()
    {
        await using var host = await ConnectorHostHarness.StartAsync(azurite, settings: HookSettings.Unique());
        var callId = "call-" + Guid.NewGuid().ToString("N");

        var receipt = await HttpAssert.OkAsync<WebhookReceipt>(await host.Anonymous.SendAsync(Webhook(Payload(callId, "in-progress"), Sign(callId))));

        Assert.True(receipt.Ignored);
    }

    [Fact]
    public async Task Unsigned_and_forged_webhooks_are_401_and_nothing_is_stored()
    {
        await using var host = await ConnectorHostHarness.StartAsync(azurite, settings: HookSettings.Unique());
        var callId = "call-" + Guid.NewGuid().ToString("N");

        await HttpAssert.ProblemAsync(await host.Anonymous.SendAsync(Webhook(Payload(callId), signature: null)), HttpStatusCode.Unauthorized);
        await HttpAssert.ProblemAsync(await host.Anonymous.SendAsync(Webhook(Payload(callId), Sign(callId, "a-guessed-secret"))), HttpStatusCode.Unauthorized);
        await HttpAssert.ProblemAsync(await host.Anonymous.SendAsync(Webhook(Payload(callId), Sign("another-call"))), HttpStatusCode.Unauthorized);
        var problem = await HttpAssert.ProblemAsync(await host.Anonymous.SendAsync(Webhook(Payload(callId), "not base64 at all")), HttpStatusCode.Unauthorized);
        Assert.DoesNotContain(HookSettings.WebhookSecret, problem.GetRawText(), StringComparison.Ordinal);

        // Nothing was stored: the same call, now correctly signed, is new (not a duplicate).
        var receipt = await HttpAssert.OkAsync<WebhookReceipt>(await host.Anonymous.SendAsync(Webhook(Payload(callId), Sign(callId))));
        Assert.Null(receipt.Duplicate);
    }

    [Fact]
    public async Task A_body_over_4_MiB_is_413_whether_its_length_is_declared_or_streamed()
    {
        await using var host = await ConnectorHostHarness.StartAsync(azurite, settings: HookSettings.Unique());
        var callId = "call-" + Guid.NewGuid().ToString("N");
        var huge = Payload(callId).Replace("bot: Hello", "bot: " + new string('a', (4 * 1024 * 1024) + 1), StringComparison.Ordinal);

        await HttpAssert.ProblemAsync(await host.Anonymous.SendAsync(Webhook(huge, Sign(callId))), HttpStatusCode.RequestEntityTooLarge);

        // Chunked, without Content-Length: the limit holds while reading.
        using var streamed = new HttpRequestMessage(HttpMethod.Post, Receiver) { Content = new StreamContent(new MemoryStream(Encoding.UTF8.GetBytes(huge))) };
        streamed.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        streamed.Headers.TransferEncodingChunked = true;
        streamed.Headers.TryAddWithoutValidation("Synthflow-Signature", Sign(callId));
        await HttpAssert.ProblemAsync(await host.Anonymous.SendAsync(streamed), HttpStatusCode.RequestEntityTooLarge);

        // Neither was stored.
        Assert.Null((await HttpAssert.OkAsync<WebhookReceipt>(await host.Anonymous.SendAsync(Webhook(Payload(callId), Sign(callId))))).Duplicate);
    }

    [Fact]
    public async Task A_signed_body_that_is_not_a_post_call_webhook_is_400_naming_the_field()
    {
        await using var host = await ConnectorHostHarness.StartAsync(azurite, settings: HookSettings.Unique());

        var problem = await HttpAssert.ProblemAsync(await host.Anonymous.SendAsync(Webhook("""{"call":{"status":"completed"}}""", Sign(""))), HttpStatusCode.BadRequest);

        Assert.True(problem.TryGetProperty("errors", out var errors) && errors.EnumerateObject().Any(), problem.GetRawText());
    }

    [Fact]
    public async Task Live_mode_without_the_secret_refuses_webhooks_with_503_and_health_says_why()
    {
        await using var host = await ConnectorHostHarness.StartAsync(azurite, settings: HookSettings.Unique(new Dictionary<string, string?> { ["Synthflow:WebhookSecret"] = null }));
        var callId = "call-" + Guid.NewGuid().ToString("N");

        await HttpAssert.ProblemAsync(await host.Anonymous.SendAsync(Webhook(Payload(callId), Sign(callId))), HttpStatusCode.ServiceUnavailable);

        var health = await HttpAssert.OkAsync<JsonElement>(await host.Anonymous.GetAsync(new Uri("/api/health", UriKind.Relative)));
        var trigger = health.GetProperty("trigger");
        Assert.Equal("not-ready", trigger.GetProperty("status").GetString());
        Assert.Contains("Synthflow__WebhookSecret", trigger.GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.Contains(host.Logs.Lines, line => line.Contains("Synthflow__WebhookSecret is set", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Live_mode_without_a_public_address_says_so_at_start_and_in_health_never_the_secret()
    {
        await using var host = await ConnectorHostHarness.StartAsync(azurite, settings: HookSettings.Unique(new Dictionary<string, string?> { ["Connector:PublicBaseUrl"] = null, ["WEBSITE_HOSTNAME"] = null }));

        var text = await (await host.Anonymous.GetAsync(new Uri("/api/health", UriKind.Relative))).Content.ReadAsStringAsync();

        var trigger = JsonDocument.Parse(text).RootElement.GetProperty("trigger");
        Assert.Equal("not-ready", trigger.GetProperty("status").GetString());
        Assert.Contains("Connector__PublicBaseUrl", trigger.GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.DoesNotContain(HookSettings.WebhookSecret, text, StringComparison.Ordinal);
        Assert.Contains(host.Logs.Lines, line => line.Contains("cannot work until Connector__PublicBaseUrl is set", StringComparison.Ordinal));
    }

    [Fact]
    public async Task With_a_public_base_URL_the_trigger_is_ready()
    {
        await using var host = await ConnectorHostHarness.StartAsync(azurite, settings: HookSettings.Unique(new Dictionary<string, string?> { ["Connector:PublicBaseUrl"] = "https://calls.example.com/synthflow/" }));

        var health = await HttpAssert.OkAsync<JsonElement>(await host.Anonymous.GetAsync(new Uri("/api/health", UriKind.Relative)));

        Assert.Equal("ready", health.GetProperty("trigger").GetProperty("status").GetString());
        Assert.Equal(new Uri("https://calls.example.com/synthflow/api/webhooks/synthflow"), host.Services.GetRequiredService<SynthflowConnector.Hooks.IWebhookReceiverAddress>().ReceiverUrl);
    }
}
