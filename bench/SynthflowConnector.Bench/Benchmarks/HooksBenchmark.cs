using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using SynthflowConnector.Bench.Infrastructure;
using SynthflowConnector.Bench.Load;
using SynthflowConnector.Bench.Reporting;
using SynthflowConnector.Hosting;
using SynthflowConnector.Sandbox;

namespace SynthflowConnector.Bench.Benchmarks;

/// <summary>
/// Issue 11: the "When a call ends" trigger under load. The real Host (sandbox mode, Azurite tables and queues, its own
/// queue processors) receives signed post-call webhooks at a fixed rate (open loop: 200/s) while 3 subscriptions point at
/// a local receiver. Measured: the receiver's acknowledgement latency, the time from sending a webhook to each
/// subscriber getting it, and, with 10% of first tries answered 500 and the shortest retry delay, that every
/// (subscription, event) still arrives (duplicates counted).
/// </summary>
internal static class HooksBenchmark
{
    public const double DefaultRate = 200;
    public const int Subscriptions = 3;
    public const double FailureRate = 0.10;
    public const string WebhookSecret = "bench-webhook-secret-6c0f2a91d4e8b7";

    public static async Task RunAsync(BenchContext context)
    {
        var rate = context.Rate ?? DefaultRate;
        BenchContext.Heading($"hooks: signed webhooks at {rate:0}/s to the Host, {Subscriptions} subscriptions on a loopback receiver");
        var ct = context.CancellationToken;
        // Ten seconds at the full rate: the JIT's tier-1 recompiles (measured: up to 0.5 core) end before the measured phases.
        var warmupCount = (int)(rate * (context.Quick ? 0.25 : 10));
        var latencyCount = (int)(rate * (context.SecondsPerCase ?? (context.Quick ? 1 : 30)));
        var lossCount = (int)(rate * (context.SecondsPerCase ?? (context.Quick ? 0.5 : 20)));
        var isolatedCount = context.Quick ? 5 : 50;
        var drainTimeout = TimeSpan.FromSeconds(context.Quick ? 30 : 120);
        // Its own Azurite, stopped at the end: its ~20,000 queue messages leave as many in-memory extents, which Azurite's
        // GC deletes ten minutes later in one sweeps that block the queue service for about a minute each (tools/azurite-extent-gc-fix.cjs),
        // which would land in whatever benchmark of `all` runs then.
        await using var azurite = await Azurite.StartAsync();

        await using var receiver = await CallbackReceiver.StartAsync();
        await using var host = await InProcessHost.StartSandboxModeAsync(azurite.ConnectionString, new Dictionary<string, string?>
        {
            ["Synthflow:WebhookSecret"] = WebhookSecret,

            // The fan-out looks each call up at Synthflow (the documented webhook has no recording URL); the default 10
            // requests/s would make the limiter, not the trigger, what is measured at 200 events/s (see RESULTS.md).
            ["Synthflow:MaxRequestsPerSecond"] = "10000",

            // The shortest retry delay the validator allows (HooksOptions: 1 s … 1 h).
            ["Hooks:RetryBaseDelay"] = "00:00:01",

            // One warning per retried delivery (60/s in the loss phase) would measure the console.
            ["Logging:LogLevel:SynthflowConnector.Hooks.CallbackDelivery"] = "Error",
        });
        using var toHost = BenchHttp.Create(host.BaseAddress, 256);
        toHost.DefaultRequestHeaders.Add("x-functions-key", InProcessHost.FunctionKey);
        for (var n = 0; n < Subscriptions; n++)
        {
            using var subscribe = await toHost.PostAsync("api/hooks/call-ended", Json($$"""{"callbackUrl":"{{receiver.Url(n)}}"}"""), ct);
            if (subscribe.StatusCode != HttpStatusCode.Created)
            {
                throw new InvalidOperationException($"hooks: subscribing answered {(int)subscribe.StatusCode}: {await subscribe.Content.ReadAsStringAsync(ct)}");
            }
        }

        // The calls exist at (simulated) Synthflow, so the fan-out's look-up finds them, as it would in production.
        var clock = Stopwatch.StartNew();
        var callIds = await PlaceCallsAsync(host, warmupCount + isolatedCount + latencyCount + lossCount, ct);
        Console.WriteLine($"  {callIds.Length} calls placed at the Host's simulator in {clock.Elapsed.TotalSeconds:0.0} s; {Subscriptions} subscriptions on {receiver.BaseAddress}");

        using var meter = new HttpClientMeter();
        var ports = new Ports(azurite.TablePort, azurite.QueuePort, receiver.BaseAddress.Port, (await host.Services.GetRequiredService<SandboxHost>().GetEndpointAsync(ct)).BaseAddress.Port);
        var phases = new List<Phase>();
        var offset = 0;
        async Task<Phase> RunPhase(string name, int count, double failures, TimeSpan settle, double? phaseRate = null)
        {
            receiver.FirstTryFailureRate = failures;
            meter.Reset();
            var phase = await RunPhaseAsync(name, phaseRate ?? rate, toHost, receiver, azurite, meter, ports, callIds.AsMemory(offset, count), drainTimeout, settle, ct);
            offset += count;
            phase.FailureRate = failures;
            Console.WriteLine($"  {phase.Describe()}");
            return phase;
        }

        await RunPhase("warm-up", warmupCount, 0, TimeSpan.Zero);

        // The floor: one webhook every 200 ms, so nothing queues behind another (what the path costs, not the load).
        var isolated = await RunPhase("isolated (5 webhooks/s)", isolatedCount, 0, TimeSpan.Zero, phaseRate: 5);
        phases.Add(await RunPhase("latency (callbacks all answer 200)", latencyCount, 0, TimeSpan.Zero));

        // Late duplicates (a redelivered queue message) would come after the last first delivery: wait a little more.
        phases.Add(await RunPhase($"loss ({FailureRate:P0} of first tries answer 500)", lossCount, FailureRate, TimeSpan.FromSeconds(context.Quick ? 2 : 5)));

        using var failuresAnswer = await toHost.GetAsync("api/hooks/call-ended/failures", ct);
        var failuresText = await failuresAnswer.Content.ReadAsStringAsync(ct);
        var giveUps = failuresAnswer.IsSuccessStatusCode ? JsonDocument.Parse(failuresText).RootElement.EnumerateObject().Where(p => p.Value.ValueKind == JsonValueKind.Array).Sum(p => p.Value.GetArrayLength()) : -1;

        phases.Insert(0, isolated);
        var table = new TextTable("phase", "webhooks", "sent/s", "ack p50 ms", "ack p95 ms", "ack p99 ms", "ack max ms", "callback p50 ms", "callback p95 ms", "callback p99 ms", "callback max ms", "deliveries", "lost", "answered 500", "duplicates", "drain s", "Host+bench cores", "Azurite table cores", "Azurite queue cores", "table ops/webhook", "table op ms", "queue ops/webhook", "queue op ms", "CPU ms/webhook here", "Azurite CPU ms/webhook");
        foreach (var p in phases)
        {
            table.Row(p.Name, p.Webhooks, p.Schedule.AchievedRate, p.Ack.P50, p.Ack.P95, p.Ack.P99, p.Ack.Max, p.Callback.P50, p.Callback.P95, p.Callback.P99, p.Callback.Max, p.Expected, p.Lost, p.Refused, p.Duplicates, p.DrainSeconds, p.ProcessCores, p.TableCores, p.QueueCores, p.TableOpsPerWebhook, p.TableOpMs, p.QueueOpsPerWebhook, p.QueueOpMs, p.HostCpuMicrosecondsPerWebhook / 1000, p.AzuriteCpuMicrosecondsPerWebhook / 1000);
        }

        Console.WriteLine();
        context.Report.Show($"Hooks: webhooks at {rate:0}/s, {Subscriptions} subscriptions", table);
        Console.WriteLine($"  Failure records after the run (GET /api/hooks/call-ended/failures): {(giveUps < 0 ? "n/a" : giveUps.ToString(CultureInfo.InvariantCulture))}");

        var latency = phases[1];
        var loss = phases[2];
        context.Report.Results["hooks"] = new
        {
            rate,
            subscriptions = Subscriptions,
            retryBaseDelaySeconds = 1,
            failureRate = FailureRate,
            failureRecords = giveUps,
            phases,
        };
        context.Report.Check("hooks", $"ack p99 at {rate:0} webhooks/s", Ms(latency.Ack.P99), "≤ 20 ms", latency.Ack.P99 <= 20);
        context.Report.Check("hooks", $"webhook → callback p99, {Subscriptions} subscriptions, {rate:0}/s", Ms(latency.Callback.P99), "≤ 1000 ms", latency.Lost == 0 && latency.Callback.P99 <= 1000);
        context.Report.Check("hooks", $"lost with 10% callback failures, {rate:0}/s", $"{loss.Lost} of {loss.Expected} ({loss.Duplicates} duplicates)", "0", loss.Lost == 0);
    }

    private static async Task<Phase> RunPhaseAsync(
        string name, double rate, HttpClient toHost, CallbackReceiver receiver, Azurite azurite, HttpClientMeter meter, Ports ports, ReadOnlyMemory<string> callIds, TimeSpan drainTimeout, TimeSpan settle, CancellationToken ct)
    {
        var count = callIds.Length;
        var bodies = new byte[count][];
        var signatures = new string[count];
        for (var i = 0; i < count; i++)
        {
            bodies[i] = Encoding.UTF8.GetBytes(Payload(callIds.Span[i], i));
            signatures[i] = Sign(callIds.Span[i]);
        }

        var sentAt = new long[count];
        var ack = new long[count];
        var errors = 0;
        string? firstError = null;
        using var self = Process.GetCurrentProcess();
        var cpu = self.TotalProcessorTime;
        var gcPause = GC.GetTotalPauseDuration();
        var gen2 = GC.CollectionCount(2);
        var tableCpu = azurite.CpuTime();
        var queueCpu = azurite.QueueCpuTime();
        var baseline = receiver.DistinctDelivered;
        var ids = callIds.ToArray();

        async Task Send(int i)
        {
            await Task.Yield();
            using var request = new HttpRequestMessage(HttpMethod.Post, "api/webhooks/synthflow") { Content = new ByteArrayContent(bodies[i]) };
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            request.Headers.TryAddWithoutValidation("Synthflow-Signature", signatures[i]);
            sentAt[i] = Stopwatch.GetTimestamp();
            try
            {
                using var response = await toHost.SendAsync(request, HttpCompletionOption.ResponseContentRead, ct);
                ack[i] = Stopwatch.GetTimestamp() - sentAt[i];
                var text = await response.Content.ReadAsStringAsync(ct);
                if (response.StatusCode != HttpStatusCode.OK || text.Contains("\"duplicate\":true", StringComparison.Ordinal))
                {
                    Interlocked.Increment(ref errors);
                    firstError ??= $"{(int)response.StatusCode}: {text}";
                }
            }
            catch (HttpRequestException exception)
            {
                Interlocked.Increment(ref errors);
                firstError ??= exception.Message;
            }
        }

        var schedule = await OpenLoop.RunAsync(count, rate, Send, ct);
        if (errors > 0)
        {
            throw new InvalidOperationException($"hooks: {errors} of {count} webhooks were not accepted; first: {firstError}");
        }

        var expected = count * Subscriptions;
        await CallbackReceiver.WaitUntilAsync(() => receiver.DistinctDelivered - baseline >= expected, drainTimeout, ct);
        var drained = Stopwatch.GetTimestamp();
        if (settle > TimeSpan.Zero)
        {
            await Task.Delay(settle, ct);
        }

        self.Refresh();
        var elapsed = Stopwatch.GetElapsedTime(schedule.Start);
        var callback = new List<long>(expected);
        int lost = 0, duplicates = 0, refused = 0;
        long lastDelivery = 0;
        for (var i = 0; i < count; i++)
        {
            for (var n = 0; n < Subscriptions; n++)
            {
                var arrivals = receiver.Get(n, ids[i]);
                refused += arrivals?.Refused ?? 0;
                if (arrivals is null || arrivals.Delivered == 0)
                {
                    lost++;
                    continue;
                }

                duplicates += arrivals.Delivered - 1;
                callback.Add(arrivals.FirstDeliveredAt - sentAt[i]);
                lastDelivery = Math.Max(lastDelivery, arrivals.FirstDeliveredAt);
            }
        }

        var window = TimeSpan.FromTicks((schedule.LastStarted - schedule.Start) * TimeSpan.TicksPerSecond / Stopwatch.Frequency);
        var (tableOps, tableMs) = meter.To(ports.Table);
        var (queueOps, queueMs) = meter.To(ports.Queue);
        var (callbackPosts, callbackPostMs) = meter.To(ports.Receiver);
        var (lookups, lookupMs) = meter.To(ports.Synthflow);
        var byMethod = new Dictionary<string, object>();
        foreach (var (label, port) in new[] { ("table", ports.Table), ("queue", ports.Queue) })
        {
            foreach (var method in new[] { "GET", "PUT", "POST", "PATCH", "MERGE", "DELETE" })
            {
                var (ops, ms) = meter.To(port, method);
                if (ops > 0)
                {
                    byMethod[$"{label} {method}"] = new { perWebhook = ops / (double)count, meanMs = ms, p99Ms = meter.P99Ms(port, method) };
                }
            }
        }

        return new Phase
        {
            Name = name,
            Webhooks = count,
            Schedule = schedule,
            Ack = LoadResult.From(name, ack, 0, window, null),
            Callback = LoadResult.From(name, [.. callback], lost, window, null),
            Expected = expected,
            Lost = lost,
            Refused = refused,
            Duplicates = duplicates,
            DrainSeconds = lastDelivery == 0 ? double.NaN : (lastDelivery - schedule.LastStarted) / (double)Stopwatch.Frequency,
            ProcessCores = (self.TotalProcessorTime - cpu) / elapsed,
            TableCores = (azurite.CpuTime() - tableCpu) / elapsed,
            QueueCores = (azurite.QueueCpuTime() - queueCpu) / elapsed,
            TableOpsPerWebhook = tableOps / (double)count,
            TableOpMs = tableMs,
            QueueOpsPerWebhook = queueOps / (double)count,
            QueueOpMs = queueMs,
            CallbackPostsPerWebhook = callbackPosts / (double)count,
            CallbackPostMs = callbackPostMs,
            LookupsPerWebhook = lookups / (double)count,
            LookupMs = lookupMs,
            WaitedSeconds = Stopwatch.GetElapsedTime(schedule.LastStarted, drained).TotalSeconds,
            StorageByMethod = byMethod,
            HostCpuMicrosecondsPerWebhook = (self.TotalProcessorTime - cpu).TotalMicroseconds / count,
            GcPauseMs = (GC.GetTotalPauseDuration() - gcPause).TotalMilliseconds,
            Gen2Collections = GC.CollectionCount(2) - gen2,
            AzuriteCpuMicrosecondsPerWebhook = (azurite.CpuTime() - tableCpu + (azurite.QueueCpuTime() - queueCpu)).TotalMicroseconds / count,
        };
    }

    /// <summary>Places <paramref name="count"/> calls at the Host's built-in simulator (straight, not through the Host), 16 at a time.</summary>
    private static async Task<string[]> PlaceCallsAsync(InProcessHost host, int count, CancellationToken ct)
    {
        var endpoint = await host.Services.GetRequiredService<SandboxHost>().GetEndpointAsync(ct);
        using var toSandbox = BenchHttp.Create(endpoint.BaseAddress, 16);
        toSandbox.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", endpoint.ApiKey);
        var ids = new string[count];
        var next = -1;
        await Task.WhenAll(Enumerable.Range(0, 16).Select(async _ =>
        {
            for (var i = Interlocked.Increment(ref next); i < count; i = Interlocked.Increment(ref next))
            {
                var body = $$"""{"model_id":"{{SandboxSeed.SalesEastModelId}}","phone":"+1415{{i % 10_000_000:0000000}}","name":"Bench Lead {{i}}"}""";
                using var response = await toSandbox.PostAsync("calls", Json(body), ct);
                var text = await response.Content.ReadAsStringAsync(ct);
                if (!response.IsSuccessStatusCode)
                {
                    throw new InvalidOperationException($"hooks: placing a call at the simulator answered {(int)response.StatusCode}: {text}");
                }

                ids[i] = JsonDocument.Parse(text).RootElement.GetProperty("response").GetProperty("call_id").GetString()!;
            }
        }));
        return ids;
    }

    /// <summary>A post-call webhook shaped like Synthflow's documented example (webhooks.md), about 2 KB; no recording URL.</summary>
    internal static string Payload(string callId, int i)
    {
        (string Status, string Reason)[] outcomes =
        [
            ("completed", "human_goodbye"), ("completed", "agent_goodbye"), ("completed", "human_goodbye"), ("completed", "max_duration"),
            ("no-answer", "undefined"), ("busy", "undefined"), ("left_voicemail", "voicemail_message_left"), ("completed", "agent_goodbye"),
            ("hangup_on_voicemail", "voicemail"), ("failed", "undefined"),
        ];
        var (status, reason) = outcomes[i % outcomes.Length];
        var payload = new Dictionary<string, object?>
        {
            ["status"] = status,
            ["error_message"] = reason,
            ["lead"] = new { name = $"Lead {i}", phone_number = $"+1415{i % 10_000_000:0000000}" },
            ["call"] = new Dictionary<string, object?>
            {
                ["status"] = status, ["end_call_reason"] = reason, ["model_id"] = SandboxSeed.SalesEastModelId, ["timezone"] = "America/New_York",
                ["call_id"] = callId, ["duration"] = 30 + (i % 240), ["start_time"] = "2026-03-02T10:17:46.205134-05:00",
                ["transcript"] = Transcript, ["diversion"] = null, ["external_id"] = $"crm-{i}",
            },
            ["executed_actions"] = new { extract_info_1 = new { name = "extract_info_1", action_type = "extract_info_action_type", return_value = new { purchase = "car", budget = "30k" } } },
            ["analysis"] = new { call_completion = true, call_completion_feedback = "The caller confirmed the appointment.", user_sentiment = "partial", user_sentiment_feedback = "Neutral, slightly hurried.", answered_by_human = true, answered_by_human_feedback = "A person answered." },
            ["collected_variables"] = new { preferred_day = "Thursday", email = "lead@example.com" },
        };
        return JsonSerializer.Serialize(payload);
    }

    private const string Transcript =
        "\nbot: Hello, this is Ava from Contoso Motors. Am I speaking with the right person?\nhuman: Yes, speaking.\n" +
        "bot: Great. You asked about a test drive last week; would you like to book one?\nhuman: Sure, what do you have on Thursday?\n" +
        "bot: Thursday at ten or at two in the afternoon. Which suits you better?\nhuman: Two works.\n" +
        "bot: Booked for Thursday at two. Can I send the confirmation to the email on file?\nhuman: Yes please.\n" +
        "bot: Done. Is there anything else I can help with today?\nhuman: No, that's all, thanks.\nbot: Thank you, goodbye!";

    /// <summary>base64(HMAC-SHA256(secret, call_id)), as Synthflow signs.</summary>
    internal static string Sign(string callId) =>
        Convert.ToBase64String(HMACSHA256.HashData(Encoding.UTF8.GetBytes(WebhookSecret), Encoding.UTF8.GetBytes(callId)));

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");

    private static string Ms(double value) => value.ToString("0.0", CultureInfo.InvariantCulture) + " ms";

    private sealed record Ports(int Table, int Queue, int Receiver, int Synthflow);

    /// <summary>One phase's figures (ms unless named otherwise).</summary>
    internal sealed class Phase
    {
        public required string Name { get; init; }
        public required int Webhooks { get; init; }
        [System.Text.Json.Serialization.JsonIgnore]
        public OpenLoopRun Schedule { get; init; } = null!;
        public required LoadResult Ack { get; init; }
        public required LoadResult Callback { get; init; }
        public double FailureRate { get; set; }
        public int Expected { get; init; }
        public int Lost { get; init; }
        public int Refused { get; init; }
        public int Duplicates { get; init; }
        public double DrainSeconds { get; init; }
        public double WaitedSeconds { get; init; }
        public double ProcessCores { get; init; }
        public double TableCores { get; init; }
        public double QueueCores { get; init; }
        public double TableOpsPerWebhook { get; init; }
        public double TableOpMs { get; init; }
        public double QueueOpsPerWebhook { get; init; }
        public double QueueOpMs { get; init; }
        public double CallbackPostsPerWebhook { get; init; }
        public double CallbackPostMs { get; init; }
        public double LookupsPerWebhook { get; init; }
        public double LookupMs { get; init; }

        /// <summary>Storage requests the whole process sent per webhook, by service and method, with their mean duration.</summary>
        public Dictionary<string, object> StorageByMethod { get; init; } = [];

        /// <summary>CPU of this process (bench, Host, receiver, simulator) per webhook: robust to other load, unlike latency.</summary>
        public double HostCpuMicrosecondsPerWebhook { get; init; }

        public double AzuriteCpuMicrosecondsPerWebhook { get; init; }

        /// <summary>This process's GC pauses during the phase (every thread stopped: the Host, the load generator, the receiver).</summary>
        public double GcPauseMs { get; init; }

        public int Gen2Collections { get; init; }

        public double SentPerSecond => Schedule.AchievedRate;
        public double ScheduleLatenessP99Ms => Schedule.LatenessP99Ms;

        public string Describe() => string.Create(CultureInfo.InvariantCulture,
            $"{Name}: {Webhooks} webhooks at {Schedule.AchievedRate:0}/s (start lateness p99 {Schedule.LatenessP99Ms:0.0} ms); ack p50 {Ack.P50:0.0} / p99 {Ack.P99:0.0} ms; callback p50 {Callback.P50:0} / p99 {Callback.P99:0} / max {Callback.Max:0} ms; {Expected - Lost}/{Expected} delivered, {Refused} answered 500, {Duplicates} duplicates; last delivery {DrainSeconds:0.0} s after the last send; Host+bench {ProcessCores:0.00} cores, Azurite table {TableCores:0.00} / queue {QueueCores:0.00} cores; per webhook {TableOpsPerWebhook:0.0} table ops ({TableOpMs:0.0} ms), {QueueOpsPerWebhook:0.0} queue ops ({QueueOpMs:0.0} ms), {CallbackPostsPerWebhook:0.0} callback POSTs ({CallbackPostMs:0.0} ms), {LookupsPerWebhook:0.0} look-ups ({LookupMs:0.0} ms); CPU per webhook {HostCpuMicrosecondsPerWebhook:0} µs here, {AzuriteCpuMicrosecondsPerWebhook:0} µs Azurite; GC pauses {GcPauseMs:0} ms in all, {Gen2Collections} gen2")
            + Environment.NewLine + "      storage per webhook: " + string.Join(", ", StorageByMethod.Select(m => $"{m.Key} {m.Value}"));
    }
}
