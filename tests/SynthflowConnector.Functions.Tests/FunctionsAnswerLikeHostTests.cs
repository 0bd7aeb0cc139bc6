using System.Text.Json;
using System.Text.Json.Nodes;
using SynthflowConnector.Functions.Tests.Infrastructure;
using SynthflowConnector.Sandbox;
using SynthflowConnector.Tests.Infrastructure;
using static SynthflowConnector.Sandbox.SandboxSeed;

namespace SynthflowConnector.Functions.Tests;

/// <summary>
/// Every HTTP function, invoked in-process in the worker's real composition, answers what the Host answers over HTTP
/// for the same request: status, the headers a flow reads, and the JSON body, on success and error paths.
/// </summary>
/// <remarks>
/// State: the Host and the worker each run in sandbox mode on Azurite with their own tables and their own freshly
/// seeded sandbox, so both start identical; <see cref="HostAndWorker"/> replays the whole table on both, in order, one
/// step at a time. Only what must differ between two separate stores is normalised: table ETags (write timestamps),
/// time stamps, the sandbox's call ids and request ids (GUIDs). Each side's own ETag and call id feed its later steps.
/// </remarks>
public sealed class FunctionsAnswerLikeHostTests(FunctionsAnswerLikeHostTests.HostAndWorker run) : IClassFixture<FunctionsAnswerLikeHostTests.HostAndWorker>
{
    private const string UnknownAgent = "6a1f3c52-0e4b-4d8a-9c11-5a0e7b2d0999";
    private const string ETag = "{etag}";
    private const string CallId = "{callId}";
    private const string SubscriptionId = "{subscriptionId}";
    private const string CampaignId = "{campaignId}";
    private const string Signature = "{signature}";

    /// <summary>Both sides sign and check webhooks with this (sandbox mode takes Synthflow__WebhookSecret when set).</summary>
    private const string WebhookSecret = "whsec-compare-4b1d";

    /// <summary>Sandbox mode allows http callbacks on loopback; port 9 (discard) so nothing is ever delivered anywhere.</summary>
    private const string LocalCallback = "http://127.0.0.1:9/flows/call-ended";

    /// <summary>The requests, in the order they run; names are unique. Placeholders: <c>{etag}</c>, <c>{callId}</c> (each side's own).</summary>
    public static IReadOnlyList<Row> Steps { get; } =
    [
        new("health", Get("/api/health"), 200),
        new("list agents", Get("/api/agents"), 200),
        new("list outbound agents", Get("/api/agents?type=outbound"), 200),
        new("list agents of a bad type", Get("/api/agents?type=bogus"), 400),
        new("list an agent's numbers", Get($"/api/agents/{SalesEastModelId}/phone-numbers"), 200),
        new("list an unknown agent's numbers", Get($"/api/agents/{UnknownAgent}/phone-numbers"), 404),
        new("list numbers of a malformed agent id", Get("/api/agents/bad!id/phone-numbers"), 400),
        new("attach a number", Send("PUT", $"/api/agents/{SalesEastModelId}/phone-numbers", $$"""{"phoneNumbers":["{{LosAngeles1}}"]}"""), 200),
        new("attach by slug", Send("PUT", $"/api/agents/{SalesEastModelId}/phone-numbers", """{"phoneNumberSlugs":["13125550109"]}"""), 200),
        new("attach with a body that is not JSON", Send("PUT", $"/api/agents/{SalesEastModelId}/phone-numbers", "{"), 400),
        new("attach a number that is not E.164", Send("PUT", $"/api/agents/{SalesEastModelId}/phone-numbers", """{"phoneNumbers":["555-0101"]}"""), 400),
        new("attach to an unknown agent", Send("PUT", $"/api/agents/{UnknownAgent}/phone-numbers", $$"""{"phoneNumbers":["{{Austin1}}"]}"""), 404),
        new("detach a number", Send("DELETE", $"/api/agents/{SalesEastModelId}/phone-numbers/12135550107"), 200),
        new("detach a number that is not attached", Send("DELETE", $"/api/agents/{SalesEastModelId}/phone-numbers/15125550110"), 200),
        new("detach with a malformed slug", Send("DELETE", $"/api/agents/{SalesEastModelId}/phone-numbers/12ab"), 400),
        new("list workspace numbers", Get("/api/phone-numbers"), 200),
        new("make a call", Send("POST", "/api/calls", Call("Ada"), ("Idempotency-Key", "run-1")), 200, CapturesCallId: true),
        new("replay the call with the same key", Send("POST", "/api/calls", Call("Ada"), ("Idempotency-Key", "run-1")), 200),
        new("reuse the key with another body", Send("POST", "/api/calls", Call("Grace"), ("Idempotency-Key", "run-1")), 422),
        new("make a call with header and body keys that differ", Send("POST", "/api/calls", Call("Ada", idempotencyKey: "run-2"), ("Idempotency-Key", "run-3")), 400),
        new("make a call with an invalid body", Send("POST", "/api/calls", """{"modelId":"x","phone":"12","name":""}"""), 400),
        new("make a call with a caller id not attached", Send("POST", "/api/calls", Call("Ada", from: Berlin1)), 422),
        new("make a call for an unknown agent", Send("POST", "/api/calls", Call("Ada", modelId: UnknownAgent)), 404),
        new(
            "make a call while Synthflow throttles",
            Send("POST", "/api/calls", Call("Ada")),
            429,
            Arrange: sandbox => sandbox.Faults.FailNext(1, 429, "POST", "/v2/calls", TimeSpan.FromSeconds(7))),
        new("get the call", Get($"/api/calls/{CallId}"), 200),
        new("get a call with a malformed id", Get("/api/calls/bad%20id"), 400),
        new("get an unknown call", Get("/api/calls/00000000-0000-0000-0000-000000000000"), 404),
        new("list pools before any", Get("/api/pools"), 200),
        new("get a pool that does not exist", Get($"/api/pools/{SalesWestModelId}"), 404),
        new("create a pool", Send("PUT", $"/api/pools/{SalesWestModelId}", Pool(SanFrancisco1, SanFrancisco3, LosAngeles1), ("If-None-Match", "*")), 200, CapturesETag: true),
        new("create the pool again", Send("PUT", $"/api/pools/{SalesWestModelId}", Pool(SanFrancisco1), ("If-None-Match", "*")), 412),
        new("replace the pool with a stale etag", Send("PUT", $"/api/pools/{SalesWestModelId}", Pool(SanFrancisco1), ("If-Match", "W/\"datetime'2020-01-01T00%3A00%3A00.0000000Z'\"")), 412),
        new("replace the pool with its etag", Send("PUT", $"/api/pools/{SalesWestModelId}", Pool(SanFrancisco1, LosAngeles1), ("If-Match", ETag)), 200, CapturesETag: true),
        new("set a pool with a bad mode", Send("PUT", $"/api/pools/{SalesWestModelId}", """{"phoneNumbers":[],"mode":"sometimes"}"""), 400),
        new("set a pool with an If-None-Match etag", Send("PUT", $"/api/pools/{SalesWestModelId}", Pool(), ("If-None-Match", "\"x\"")), 400),
        new("set a pool for an unknown agent", Send("PUT", $"/api/pools/{UnknownAgent}", Pool()), 404),
        new("set a pool for an inbound agent", Send("PUT", $"/api/pools/{FrontDeskModelId}", Pool()), 422),
        new("get the pool", Get($"/api/pools/{SalesWestModelId}"), 200),
        new("list pools", Get("/api/pools"), 200),
        new("plan the pool", Get($"/api/pools/{SalesWestModelId}/plan"), 200),
        new("plan with a bad force flag", Get($"/api/pools/{SalesWestModelId}/plan?force=maybe"), 400),
        new("plan a pool that does not exist", Get($"/api/pools/{CollectionsModelId}/plan"), 404),
        new("reconcile the pool", Send("POST", $"/api/pools/{SalesWestModelId}/reconcile"), 200),
        new("reconcile the pool again", Send("POST", $"/api/pools/{SalesWestModelId}/reconcile?force=true"), 200),
        new("reconcile a pool that does not exist", Send("POST", $"/api/pools/{CollectionsModelId}/reconcile"), 404),
        new("get the reconciled pool", Get($"/api/pools/{SalesWestModelId}"), 200, CapturesETag: true),
        new("delete the pool with a stale etag", Send("DELETE", $"/api/pools/{SalesWestModelId}", Headers: ("If-Match", "W/\"datetime'2020-01-01T00%3A00%3A00.0000000Z'\"")), 412),
        new("delete the pool with its etag", Send("DELETE", $"/api/pools/{SalesWestModelId}", Headers: ("If-Match", ETag)), 200),
        new("delete the pool again", Send("DELETE", $"/api/pools/{SalesWestModelId}"), 200),
        new("subscribe to calls ending", Send("POST", "/api/hooks/call-ended", $$"""{"callbackUrl":"{{LocalCallback}}","statuses":["completed","NO-ANSWER"]}"""), 201, CapturesSubscriptionId: true),
        new("subscribe with a callback that is not a URL", Send("POST", "/api/hooks/call-ended", """{"callbackUrl":"not a url"}"""), 400),
        new("subscribe with a status that is not final", Send("POST", "/api/hooks/call-ended", $$"""{"callbackUrl":"{{LocalCallback}}","statuses":["in-progress"]}"""), 400),
        new("list call-ended subscriptions", Get("/api/hooks/call-ended"), 200),
        new("list failed call-ended deliveries", Get("/api/hooks/call-ended/failures"), 200),
        new("unsubscribe", Send("DELETE", $"/api/hooks/call-ended/{SubscriptionId}"), 200),
        new("unsubscribe again", Send("DELETE", $"/api/hooks/call-ended/{SubscriptionId}"), 200),
        new("unsubscribe with a malformed id", Send("DELETE", "/api/hooks/call-ended/bad!id"), 400),
        new("receive a signed webhook", Send("POST", "/api/webhooks/synthflow", Webhook("completed"), (WebhookSignature, Signature)), 200),
        new("receive the same webhook again", Send("POST", "/api/webhooks/synthflow", Webhook("completed"), (WebhookSignature, Signature)), 200),
        new("receive a webhook of a call still in progress", Send("POST", "/api/webhooks/synthflow", Webhook("in-progress"), (WebhookSignature, Signature)), 200),
        new("receive an unsigned webhook", Send("POST", "/api/webhooks/synthflow", Webhook("no-answer")), 401),
        new("receive a webhook with a wrong signature", Send("POST", "/api/webhooks/synthflow", Webhook("no-answer"), (WebhookSignature, "d3Jvbmc=")), 401),
        new("receive a webhook that is not JSON", Send("POST", "/api/webhooks/synthflow", "{", (WebhookSignature, Signature)), 400),
        new("create a campaign", Send("POST", "/api/campaigns", Campaign("Spring renewals"), ("Idempotency-Key", "campaign-run-1")), 201, CapturesCampaignId: true),
        new("replay the campaign with the same key", Send("POST", "/api/campaigns", Campaign("Spring renewals"), ("Idempotency-Key", "campaign-run-1")), 201),
        new("create a campaign without recipients", Send("POST", "/api/campaigns", $$"""{"modelId":"{{SalesEastModelId}}","name":"Empty","recipients":[]}"""), 400),
        new("list campaigns", Get("/api/campaigns"), 200),
        new("get the campaign", Get($"/api/campaigns/{CampaignId}"), 200),
        new("get an unknown campaign", Get("/api/campaigns/no-such-campaign-0000000000"), 404),
        new("get a campaign with a malformed id", Get("/api/campaigns/bad!id"), 400),
        new("list the campaign's recipients", Get($"/api/campaigns/{CampaignId}/recipients?state=pending"), 200),
        new("list recipients in a state that does not exist", Get($"/api/campaigns/{CampaignId}/recipients?state=sleeping"), 400),
        new("pause the campaign", Send("POST", $"/api/campaigns/{CampaignId}/pause"), 200),
        new("pause an unknown campaign", Send("POST", "/api/campaigns/no-such-campaign-0000000000/pause"), 404),
        new("resume the campaign", Send("POST", $"/api/campaigns/{CampaignId}/resume"), 200),
        new("resume an unknown campaign", Send("POST", "/api/campaigns/no-such-campaign-0000000000/resume"), 404),
        new("cancel the campaign", Send("POST", $"/api/campaigns/{CampaignId}/cancel"), 200),
        new("cancel an unknown campaign", Send("POST", "/api/campaigns/no-such-campaign-0000000000/cancel"), 404),
        new("suppress a number", Send("PUT", "/api/suppressions/%2B447911123456", """{"reason":"asked not to be called"}"""), 200),
        new("suppress a malformed number", Send("PUT", "/api/suppressions/12", """{"reason":"x"}"""), 400),
        new("suppress numbers in bulk", Send("POST", "/api/suppressions", """{"numbers":[{"phone":"+447911123457","reason":"complaint"},{"phone":"+447911123458"}]}"""), 200),
        new("suppress an empty list", Send("POST", "/api/suppressions", """{"numbers":[]}"""), 400),
        new("get a suppressed number", Get("/api/suppressions/447911123456"), 200),
        new("get a number that is not suppressed", Get("/api/suppressions/447911999999"), 404),
        new("list suppressions", Get("/api/suppressions"), 200),
        new("remove a suppression", Send("DELETE", "/api/suppressions/%2B447911123456"), 200),
        new("remove a suppression of a malformed number", Send("DELETE", "/api/suppressions/not-a-number"), 400),
        new("subscribe to campaigns completing", Send("POST", "/api/hooks/campaign-completed", $$"""{"callbackUrl":"{{LocalCallback}}","modelId":"{{SalesEastModelId}}"}"""), 201, CapturesSubscriptionId: true),
        new("subscribe to campaigns with a callback that is not a URL", Send("POST", "/api/hooks/campaign-completed", """{"callbackUrl":"not a url"}"""), 400),
        new("unsubscribe from campaigns completing", Send("DELETE", $"/api/hooks/campaign-completed/{SubscriptionId}"), 200),
        new("unsubscribe from campaigns with a malformed id", Send("DELETE", "/api/hooks/campaign-completed/bad!id"), 400),
    ];

    private const string WebhookSignature = "Synthflow-Signature";

    public static TheoryData<string> StepNames => [.. Steps.Select(step => step.Name)];

    [Theory]
    [MemberData(nameof(StepNames))]
    public void Function_answers_like_the_host(string step)
    {
        var (expectedStatus, host, worker) = run.Results[step];

        Assert.Equal(expectedStatus, host.Status);
        Assert.Equal(host.ToString(), worker.ToString());
    }

    [Fact]
    public void Every_http_function_is_compared_on_a_success_and_an_error()
    {
        var statuses = run.Functions.GroupBy(pair => pair.Value, pair => run.Results[pair.Key].Host.Status).ToDictionary(group => group.Key, group => group.ToList());

        Assert.All(WorkerFunctions.Http, function =>
        {
            Assert.True(statuses.TryGetValue(function.Name, out var seen), $"{function.Name} is not in the table.");
            Assert.Contains(seen!, status => status is >= 200 and < 300);
            if (function.Name is not ("Health" or "ListPhoneNumbers" or "ListPools" or "ListCallEndedSubscriptions" or "ListCallEndedFailures" or "ListCampaigns" or "ListSuppressions"))
            {
                // The seven without input have no bad-input path.
                Assert.Contains(seen!, status => status >= 400);
            }
        });
        Assert.Equal(Steps.Count, Steps.Select(step => step.Name).Distinct(StringComparer.Ordinal).Count());
    }

    [Fact]
    public void The_headers_that_matter_are_compared_where_they_occur()
    {
        var headers = run.Results.Values.SelectMany(result => result.Host.Headers.Keys).ToHashSet(StringComparer.OrdinalIgnoreCase);

        Assert.Contains("ETag", headers);
        Assert.Contains("Retry-After", headers);
        Assert.Contains("Content-Type", headers);
    }

    private static ExchangeRequest Get(string path) => new("GET", path);

    private static ExchangeRequest Send(string method, string path, string? body = null, params (string Name, string Value)[] Headers) =>
        new(method, path, body, Headers.ToDictionary(header => header.Name, header => header.Value, StringComparer.OrdinalIgnoreCase));

    private static string Call(string name, string modelId = SalesEastModelId, string? from = null, string? idempotencyKey = null) =>
        JsonSerializer.Serialize(new Dictionary<string, string?>
        {
            ["modelId"] = modelId,
            ["phone"] = "+12125550199",
            ["name"] = name,
            ["fromPhoneNumber"] = from,
            ["idempotencyKey"] = idempotencyKey,
        }.Where(pair => pair.Value is not null).ToDictionary());

    /// <summary>Synthflow's post-call webhook for each side's own call (the sandbox's, placed by "make a call").</summary>
    private static string Webhook(string status) =>
        $$$"""{"status":"{{{status}}}","lead":{"name":"Ada","phone_number":"+12125550199"},"call":{"call_id":"{{{CallId}}}","status":"{{{status}}}","model_id":"{{{SalesEastModelId}}}","duration":42,"end_call_reason":"human_ended_call","transcript":"Hello."}}""";

    /// <summary>A campaign that starts long after the table has run: nothing is dialled on either side.</summary>
    private static string Campaign(string name) =>
        $$$"""{"modelId":"{{{SalesEastModelId}}}","name":"{{{name}}}","recipients":[{"phone":"+12125550142","name":"Ada","customVariables":{"order":"A-17"}},{"phone":"+13105550143","name":"Grace","leadTimezone":"America/Los_Angeles"}],"callingHours":{"start":"09:00","end":"20:00","days":["mon","tue","wed","thu","fri"]},"retry":{"maxAttempts":2,"minSpacing":"PT30M","on":["no-answer","busy"]},"startAt":"2099-01-05T14:00:00Z"}""";

    private static string Pool(params string[] numbers) => JsonSerializer.Serialize(new { phoneNumbers = numbers, mode = "exact" });

    /// <summary>One request of the table and the status the Host must answer (so the table cannot drift into comparing two failures).</summary>
    public sealed record Row(string Name, ExchangeRequest Request, int Status, bool CapturesETag = false, bool CapturesCallId = false, Action<SynthflowSandbox>? Arrange = null, bool CapturesSubscriptionId = false, bool CapturesCampaignId = false);

    /// <summary>Runs <see cref="Steps"/> on the Host and on the worker, in order, and keeps both answers normalised.</summary>
    public sealed class HostAndWorker : IAsyncLifetime, IDisposable
    {
        // JSON properties whose values come from the clock, the table's write timestamps, GUIDs or random ids: present on both sides, never equal.
        private static readonly HashSet<string> Volatile = new(StringComparer.Ordinal) { "etag", "updatedAt", "at", "startTime", "synthflowRequestId", "createdAt", "subscriptionId", "addedAt", "nextDispatchAt" };

        // Failure messages show the JSON as sent (no \u0027 escapes); both sides are re-serialised the same way.
        private static readonly JsonSerializerOptions Readable = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

        private readonly AzuriteFixture _azurite = new();

        // The worker's own storage: the campaign and suppression tables have fixed names, and each side must start empty.
        private readonly AzuriteFixture _workerAzurite = new();
        private ConnectorHostHarness? _host;
        private WorkerApp? _worker;

        public Dictionary<string, (int Expected, ExchangeResponse Host, ExchangeResponse Worker)> Results { get; } = new(StringComparer.Ordinal);

        /// <summary>Row name → the function the worker routed it to.</summary>
        public Dictionary<string, string> Functions { get; } = new(StringComparer.Ordinal);

        public async Task InitializeAsync()
        {
            await _azurite.InitializeAsync();
            await _workerAzurite.InitializeAsync();

            // Sandbox mode on both sides (no Synthflow API key): the Host's harness otherwise runs "live" against its sandbox.
            // Calls last an hour, so "get the call" sees the same state on both sides however long the table takes,
            // and no sandbox webhook races the table's own. One webhook secret, so a signature differs only by call id.
            var shared = new Dictionary<string, string?>
            {
                ["Synthflow:WebhookSecret"] = WebhookSecret,
                ["Sandbox:CallDuration"] = "01:00:00",
                ["Campaigns:DispatchEnabled"] = "false",
            };
            _host = await ConnectorHostHarness.StartAsync(
                _azurite,
                new SynthflowSandbox { CallDuration = TimeSpan.FromHours(1) },
                settings: new Dictionary<string, string?>(shared) { ["Synthflow:ApiKey"] = string.Empty });

            // WEBSITE_HOSTNAME as `func start` sets it: the worker's receiver address (the Host knows its own).
            _worker = await WorkerApp.StartAsync(_workerAzurite, new Dictionary<string, string?>(shared) { ["Reconcile:Enabled"] = "false", ["WEBSITE_HOSTNAME"] = "localhost:7071" });
            var hostState = new Dictionary<string, string>(StringComparer.Ordinal);
            var workerState = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var step in Steps)
            {
                step.Arrange?.Invoke(_host.Sandbox);
                var host = await Exchange.SendAsync(_host.Client, Bind(step.Request, hostState));
                step.Arrange?.Invoke(_worker.Sandbox);
                var (function, worker) = await Exchange.InvokeAsync(_worker.Services, Bind(step.Request, workerState));
                Capture(step, host, hostState);
                Capture(step, worker, workerState);
                Functions[step.Name] = function.Name;
                Results[step.Name] = (step.Status, Normalize(host, hostState), Normalize(worker, workerState));
            }
        }

        public async Task DisposeAsync()
        {
            if (_worker is not null)
            {
                await _worker.DisposeAsync();
            }

            if (_host is not null)
            {
                await _host.DisposeAsync();
            }

            Dispose();
        }

        public void Dispose()
        {
            _workerAzurite.Dispose();
            _azurite.Dispose();
        }

        private static ExchangeRequest Bind(ExchangeRequest request, Dictionary<string, string> state)
        {
            string Fill(string text) => state.Aggregate(text, (current, pair) => current.Replace(pair.Key, pair.Value, StringComparison.Ordinal));
            return request with
            {
                PathAndQuery = Fill(request.PathAndQuery),
                Body = request.Body is null ? null : Fill(request.Body),
                Headers = request.Headers?.ToDictionary(pair => pair.Key, pair => Fill(pair.Value), StringComparer.OrdinalIgnoreCase),
            };
        }

        private static void Capture(Row step, ExchangeResponse response, Dictionary<string, string> state)
        {
            if (step.CapturesETag && response.Header("ETag") is { } etag)
            {
                state[ETag] = etag;
            }

            if (step.CapturesCallId && response.Json()?["callId"]?.GetValue<string>() is { } callId)
            {
                state[CallId] = callId;
                state[Signature] = SandboxWebhooks.Sign(WebhookSecret, callId);
            }

            if (step.CapturesSubscriptionId && response.Json()?["subscriptionId"]?.GetValue<string>() is { } subscriptionId)
            {
                state[SubscriptionId] = subscriptionId;
            }

            if (step.CapturesCampaignId && response.Json()?["campaignId"]?.GetValue<string>() is { } campaignId)
            {
                state[CampaignId] = campaignId;
            }
        }

        private static ExchangeResponse Normalize(ExchangeResponse response, Dictionary<string, string> state)
        {
            var body = response.Body;
            foreach (var placeholder in new[] { CallId, SubscriptionId, CampaignId })
            {
                if (state.TryGetValue(placeholder, out var value))
                {
                    body = body.Replace(value, placeholder, StringComparison.Ordinal);
                }
            }

            var json = body.Length == 0 ? null : JsonNode.Parse(body);
            Blank(json);
            var headers = response.Headers.ToDictionary(
                pair => pair.Key,
                pair => pair.Key.ToUpperInvariant() switch
                {
                    "ETAG" => "<etag>",

                    // Absolute on both sides, each at its own address (the Host's port, the Functions host's name).
                    "LOCATION" when Uri.TryCreate(pair.Value, UriKind.Absolute, out var location) =>
                        "<origin>" + new[] { SubscriptionId, CampaignId }.Aggregate(
                            location.AbsolutePath,
                            (path, placeholder) => state.TryGetValue(placeholder, out var id) ? path.Replace(id, placeholder, StringComparison.Ordinal) : path),
                    _ => pair.Value,
                },
                StringComparer.OrdinalIgnoreCase);
            return response with { Headers = headers, Body = json?.ToJsonString(Readable) ?? string.Empty };
        }

        private static void Blank(JsonNode? node)
        {
            switch (node)
            {
                case JsonObject obj:
                    foreach (var (name, value) in obj.ToList())
                    {
                        if (Volatile.Contains(name) && value is not null)
                        {
                            obj[name] = $"<{name}>";
                        }
                        else
                        {
                            Blank(value);
                        }
                    }

                    break;
                case JsonArray array:
                    foreach (var item in array)
                    {
                        Blank(item);
                    }

                    break;
            }
        }
    }
}
