using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Polly.Timeout;

namespace SynthflowConnector.Synthflow;

/// <summary>The typed <see cref="HttpClient"/> client of Synthflow's Platform API v2.</summary>
public sealed partial class SynthflowClient(
    HttpClient httpClient,
    ISynthflowEndpointProvider endpointProvider,
    SynthflowRateLimiter rateLimiter,
    SynthflowResilience resilience,
    IOptions<SynthflowOptions> options,
    ILogger<SynthflowClient> logger) : ISynthflowClient
{
    internal const int PageSize = 100;

    public async Task<SynthflowAgent> GetAgentAsync(string modelId, CancellationToken cancellationToken = default)
    {
        var path = $"assistants/{Segment(modelId, nameof(modelId))}";
        var envelope = await SendAsync(Operations.GetAgent, HttpMethod.Get, path, content: null, SynthflowJson.Context.AssistantsEnvelope, cancellationToken).ConfigureAwait(false);
        return envelope.Response?.Assistants is [var agent, ..]
            ? agent
            : throw Malformed(Operations.GetAgent, "response.assistants is empty");
    }

    public IAsyncEnumerable<SynthflowAgent> ListAgentsAsync(CancellationToken cancellationToken = default) =>
        PagesAsync(
            Operations.ListAgents,
            (limit, offset) => $"assistants/?limit={limit}&offset={offset}",
            SynthflowJson.Context.AssistantsEnvelope,
            envelope => (envelope.Response?.Assistants, envelope.Response?.Pagination),
            cancellationToken);

    public async Task AttachPhoneNumbersAsync(string modelId, AttachPhoneNumbers numbers, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(numbers);
        if (numbers.Values.Count == 0)
        {
            throw new ArgumentException("At least one number or slug is required.", nameof(numbers));
        }

        var path = $"assistants/{Segment(modelId, nameof(modelId))}/phone_numbers";
        HttpContent content = numbers switch
        {
            AttachByNumbers byNumbers => JsonContent.Create(new AttachByNumbersBody(byNumbers.PhoneNumbers), SynthflowJson.Context.AttachByNumbersBody),
            AttachBySlugs bySlugs => JsonContent.Create(new AttachBySlugsBody(bySlugs.PhoneNumberSlugs), SynthflowJson.Context.AttachBySlugsBody),
            _ => throw new UnreachableException(),
        };
        await SendAsync(Operations.AttachPhoneNumbers, HttpMethod.Put, path, content, SynthflowJson.Context.StatusEnvelope, cancellationToken).ConfigureAwait(false);
    }

    public async Task DetachPhoneNumberAsync(string modelId, string slug, CancellationToken cancellationToken = default)
    {
        var path = $"assistants/{Segment(modelId, nameof(modelId))}/phone_numbers/{Segment(slug, nameof(slug))}";
        await SendAsync(Operations.DetachPhoneNumber, HttpMethod.Delete, path, content: null, SynthflowJson.Context.StatusEnvelope, cancellationToken).ConfigureAwait(false);
    }

    public async IAsyncEnumerable<WorkspacePhoneNumber> ListPhoneNumbersAsync(bool? isAvailable = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var endpoint = await endpointProvider.GetEndpointAsync(cancellationToken).ConfigureAwait(false);
        var workspace = string.IsNullOrWhiteSpace(options.Value.Workspace) ? endpoint.Workspace : options.Value.Workspace;
        if (string.IsNullOrWhiteSpace(workspace))
        {
            throw new SynthflowConfigurationException("Synthflow__Workspace is not set: listing the workspace's numbers needs the workspace id.");
        }

        var filter = isAvailable is { } available ? $"&is_available={(available ? "true" : "false")}" : string.Empty;
        var pages = PagesAsync(
            Operations.ListPhoneNumbers,
            (limit, offset) => $"numbers?workspace={Uri.EscapeDataString(workspace)}&limit={limit}&offset={offset}{filter}",
            SynthflowJson.Context.NumbersEnvelope,
            envelope => (envelope.Response?.PhoneNumbers, envelope.Response?.Pagination),
            cancellationToken);
        await foreach (var number in pages.ConfigureAwait(false))
        {
            yield return number;
        }
    }

    public async Task<CallPlaced> PlaceCallAsync(PlaceCallRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var content = JsonContent.Create(request, SynthflowJson.Context.PlaceCallRequest);
        var envelope = await SendAsync(Operations.PlaceCall, HttpMethod.Post, "calls", content, SynthflowJson.Context.CallCreatedEnvelope, cancellationToken).ConfigureAwait(false);
        var callId = envelope.Response?.CallId;
        return string.IsNullOrEmpty(callId)
            ? throw Malformed(Operations.PlaceCall, "response.call_id is missing")
            : new CallPlaced(callId, envelope.Eta);
    }

    public async Task<SynthflowCall> GetCallAsync(string callId, CancellationToken cancellationToken = default)
    {
        var path = $"calls/{Segment(callId, nameof(callId))}";
        var envelope = await SendAsync(Operations.GetCall, HttpMethod.Get, path, content: null, SynthflowJson.Context.CallsEnvelope, cancellationToken).ConfigureAwait(false);
        return envelope.Response?.Calls is [var call, ..]
            ? call
            : throw Malformed(Operations.GetCall, "response.calls is empty");
    }

    public IAsyncEnumerable<SynthflowCall> ListCallsAsync(CallSearch search, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(search);
        var query = new System.Text.StringBuilder("calls?model_id=").Append(Uri.EscapeDataString(Segment(search.ModelId, nameof(search.ModelId))));
        if (search.LeadPhoneNumber is { } lead)
        {
            // Synthflow asks for the leading '+' URL-encoded (%2B): EscapeDataString does exactly that.
            query.Append("&lead_phone_number=").Append(Uri.EscapeDataString(lead));
        }

        if (search.From is { } from)
        {
            query.Append("&from_date=").Append(from.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture));
        }

        if (search.To is { } to)
        {
            query.Append("&to_date=").Append(to.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture));
        }

        var prefix = query.ToString();
        return PagesAsync(
            Operations.ListCalls,
            (limit, offset) => $"{prefix}&limit={limit}&offset={offset}",
            SynthflowJson.Context.CallsEnvelope,
            envelope => (envelope.Response?.Calls, envelope.Response?.Pagination),
            cancellationToken);
    }

    /// <summary>
    /// Offset paging, one page fetched only when the caller enumerates past the previous one. Stops at
    /// <c>total_records</c>, or on a short or empty page when Synthflow sends no total.
    /// </summary>
    private async IAsyncEnumerable<TItem> PagesAsync<TEnvelope, TItem>(
        string operation,
        Func<int, int, string> pathFor,
        JsonTypeInfo<TEnvelope> typeInfo,
        Func<TEnvelope, (IReadOnlyList<TItem>? Items, Pagination? Pagination)> read,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var offset = 0;
        while (true)
        {
            var envelope = await SendAsync(operation, HttpMethod.Get, pathFor(PageSize, offset), content: null, typeInfo, cancellationToken).ConfigureAwait(false);
            var (items, pagination) = read(envelope);
            if (items is null || items.Count == 0)
            {
                yield break;
            }

            foreach (var item in items)
            {
                yield return item;
            }

            offset += items.Count;
            var done = pagination is { TotalRecords: > 0 } page
                ? offset >= page.TotalRecords
                : items.Count < PageSize;
            if (done)
            {
                yield break;
            }
        }
    }

    private async Task<TEnvelope> SendAsync<TEnvelope>(
        string operation,
        HttpMethod method,
        string relativePath,
        HttpContent? content,
        JsonTypeInfo<TEnvelope> typeInfo,
        CancellationToken cancellationToken)
    {
        var endpoint = await endpointProvider.GetEndpointAsync(cancellationToken).ConfigureAwait(false);
        var uri = new Uri(endpoint.BaseAddress, relativePath);
        var body = content is null ? null : await content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        var mediaType = content?.Headers.ContentType;
        var attempts = 0;

        // Only idempotent requests get the retry pipeline; POST /calls gets one attempt, always.
        var idempotent = method != HttpMethod.Post;
        var started = Stopwatch.GetTimestamp();
        HttpResponseMessage response;
        try
        {
            response = idempotent
                ? await resilience.Retry.ExecuteAsync(ct => AttemptAsync(ct), cancellationToken).ConfigureAwait(false)
                : await AttemptAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is HttpRequestException or IOException or TimeoutRejectedException)
        {
            var timeout = exception is TimeoutRejectedException;
            LogNoAnswer(logger, operation, attempts, timeout ? "timeout" : "connection failure");
            var outcome = idempotent ? string.Empty : " The outcome is unknown: the request may have been carried out.";
            throw new SynthflowTransportException(
                (timeout
                    ? $"Synthflow did not answer {operation} within {options.Value.Timeout.TotalSeconds:0.#} s after {attempts} attempt(s)."
                    : $"The connection to Synthflow failed during {operation} after {attempts} attempt(s).") + outcome,
                exception)
            {
                Operation = operation,
                IsTimeout = timeout,
            };
        }

        using (response)
        {
            var bytes = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
            var elapsed = Stopwatch.GetElapsedTime(started);
            LogAnswered(logger, operation, (int)response.StatusCode, attempts, elapsed.TotalMilliseconds);
            if (!response.IsSuccessStatusCode)
            {
                throw SynthflowApiException.FromResponse(operation, response.StatusCode, bytes, response.Headers.RetryAfter?.Delta);
            }

            try
            {
                return JsonSerializer.Deserialize(bytes, typeInfo) ?? throw Malformed(operation, "empty body");
            }
            catch (JsonException exception)
            {
                throw Malformed(operation, $"unreadable JSON at {exception.Path}");
            }
        }

        async ValueTask<HttpResponseMessage> AttemptAsync(CancellationToken token)
        {
            // The wait for a rate-limit slot is outside the attempt's timeout: queueing is not slowness upstream.
            using var lease = await rateLimiter.AcquireAsync(token).ConfigureAwait(false);
            Interlocked.Increment(ref attempts);
            return await resilience.Timeout.ExecuteAsync(
                async attemptToken =>
                {
                    using var request = new HttpRequestMessage(method, uri);
                    request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", endpoint.ApiKey);
                    request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
                    if (body is not null)
                    {
                        request.Content = new ByteArrayContent(body);
                        request.Content.Headers.ContentType = mediaType;
                    }

                    var answer = await httpClient.SendAsync(request, HttpCompletionOption.ResponseContentRead, attemptToken).ConfigureAwait(false);
                    return answer;
                },
                token).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Escapes one path segment and refuses the ones that would change the path (<c>.</c>, <c>..</c>, empty,
    /// control characters): an id must never address another resource.
    /// </summary>
    internal static string Segment(string value, string name)
    {
        if (string.IsNullOrWhiteSpace(value) || value is "." or ".." || value.Any(char.IsControl))
        {
            throw new ArgumentException($"'{name}' is not a valid identifier.", name);
        }

        return Uri.EscapeDataString(value);
    }

    private static SynthflowApiException Malformed(string operation, string what) =>
        SynthflowApiException.FromResponse(operation, System.Net.HttpStatusCode.BadGateway, System.Text.Encoding.UTF8.GetBytes($"{{\"detail\":\"Synthflow's answer could not be read: {what}.\"}}"), retryAfter: null);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Synthflow {Operation} answered {StatusCode} after {Attempts} attempt(s) in {ElapsedMs:F1} ms")]
    private static partial void LogAnswered(ILogger logger, string operation, int statusCode, int attempts, double elapsedMs);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Synthflow {Operation} got no answer after {Attempts} attempt(s): {Reason}")]
    private static partial void LogNoAnswer(ILogger logger, string operation, int attempts, string reason);

    /// <summary>Operation names used in logs and errors (the OpenAPI operation ids).</summary>
    internal static class Operations
    {
        public const string GetAgent = "get-assistant";
        public const string ListAgents = "list-assistant";
        public const string AttachPhoneNumbers = "attach-phone-numbers-to-assistant";
        public const string DetachPhoneNumber = "detach-phone-number-from-assistant";
        public const string ListPhoneNumbers = "get-numbers";
        public const string PlaceCall = "voice-call";
        public const string GetCall = "get-phone-call";
        public const string ListCalls = "list-calls";
    }
}
