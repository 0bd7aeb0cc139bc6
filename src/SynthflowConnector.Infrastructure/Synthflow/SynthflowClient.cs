using System.Diagnostics;
using System.Net;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Polly.Timeout;
using Refit;

namespace SynthflowConnector.Synthflow;

/// <summary>
/// The client of Synthflow's Platform API v2 over the Refit interface <see cref="ISynthflowApi"/>. Transport, retries,
/// timeouts and rate limiting are the HTTP client's registration (<see cref="SynthflowHttpPolicy"/>); this class
/// unwraps envelopes, pages lazily and maps every failure to a <see cref="SynthflowException"/>.
/// </summary>
public sealed partial class SynthflowClient : ISynthflowClient
{
    internal const int PageSize = 100;

    private readonly ISynthflowApi _api;
    private readonly ISynthflowEndpointProvider _endpointProvider;
    private readonly IOptions<SynthflowOptions> _options;
    private readonly ILogger<SynthflowClient> _logger;

    // Internal: the Refit interface is internal; AddSynthflowClient builds the client.
    internal SynthflowClient(ISynthflowApi api, ISynthflowEndpointProvider endpointProvider, IOptions<SynthflowOptions> options, ILogger<SynthflowClient> logger)
    {
        _api = api;
        _endpointProvider = endpointProvider;
        _options = options;
        _logger = logger;
    }

    public async Task<SynthflowAgent> GetAgentAsync(string modelId, CancellationToken cancellationToken = default)
    {
        var id = Segment(modelId, nameof(modelId));
        var envelope = await SendAsync(Operations.GetAgent, ct => _api.GetAssistantAsync(id, ct), cancellationToken).ConfigureAwait(false);
        return envelope.Response?.Assistants is [var agent, ..]
            ? agent
            : throw Malformed(Operations.GetAgent, "response.assistants is empty");
    }

    public IAsyncEnumerable<SynthflowAgent> ListAgentsAsync(CancellationToken cancellationToken = default) =>
        PagesAsync(
            Operations.ListAgents,
            (limit, offset, ct) => _api.ListAssistantsAsync(limit, offset, ct),
            envelope => (envelope.Response?.Assistants, envelope.Response?.Pagination),
            cancellationToken);

    public async Task AttachPhoneNumbersAsync(string modelId, AttachPhoneNumbers numbers, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(numbers);
        if (numbers.Values.Count == 0)
        {
            throw new ArgumentException("At least one number or slug is required.", nameof(numbers));
        }

        var id = Segment(modelId, nameof(modelId));
        Func<CancellationToken, Task<IApiResponse<StatusEnvelope>>> send = numbers switch
        {
            AttachByNumbers byNumbers => ct => _api.AttachByNumbersAsync(id, new AttachByNumbersBody(byNumbers.PhoneNumbers), ct),
            AttachBySlugs bySlugs => ct => _api.AttachBySlugsAsync(id, new AttachBySlugsBody(bySlugs.PhoneNumberSlugs), ct),
            _ => throw new UnreachableException(),
        };
        await SendAsync(Operations.AttachPhoneNumbers, send, cancellationToken).ConfigureAwait(false);
    }

    public async Task DetachPhoneNumberAsync(string modelId, string slug, CancellationToken cancellationToken = default)
    {
        var id = Segment(modelId, nameof(modelId));
        var segment = Segment(slug, nameof(slug));
        await SendAsync(Operations.DetachPhoneNumber, ct => _api.DetachPhoneNumberAsync(id, segment, ct), cancellationToken).ConfigureAwait(false);
    }

    public async IAsyncEnumerable<WorkspacePhoneNumber> ListPhoneNumbersAsync(bool? isAvailable = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var endpoint = await _endpointProvider.GetEndpointAsync(cancellationToken).ConfigureAwait(false);
        var workspace = string.IsNullOrWhiteSpace(_options.Value.Workspace) ? endpoint.Workspace : _options.Value.Workspace;
        if (string.IsNullOrWhiteSpace(workspace))
        {
            throw new SynthflowConfigurationException("Synthflow__Workspace is not set: listing the workspace's numbers needs the workspace id.");
        }

        var filter = isAvailable is { } available ? (available ? "true" : "false") : null;
        var pages = PagesAsync(
            Operations.ListPhoneNumbers,
            (limit, offset, ct) => _api.ListNumbersAsync(workspace, limit, offset, filter, ct),
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
        var envelope = await SendAsync(Operations.PlaceCall, ct => _api.PlaceCallAsync(request, ct), cancellationToken, idempotent: false).ConfigureAwait(false);
        var callId = envelope.Response?.CallId;
        return string.IsNullOrEmpty(callId)
            ? throw Malformed(Operations.PlaceCall, "response.call_id is missing")
            : new CallPlaced(callId, envelope.Eta);
    }

    public async Task<SynthflowCall> GetCallAsync(string callId, CancellationToken cancellationToken = default)
    {
        var id = Segment(callId, nameof(callId));
        var envelope = await SendAsync(Operations.GetCall, ct => _api.GetCallAsync(id, ct), cancellationToken).ConfigureAwait(false);
        return envelope.Response?.Calls is [var call, ..]
            ? call
            : throw Malformed(Operations.GetCall, "response.calls is empty");
    }

    public IAsyncEnumerable<SynthflowCall> ListCallsAsync(CallSearch search, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(search);
        var modelId = Segment(search.ModelId, nameof(search.ModelId));

        // Refit escapes query values with EscapeDataString: the lead's '+' goes out as %2B, as Synthflow asks.
        var lead = search.LeadPhoneNumber;
        var from = search.From?.ToUnixTimeMilliseconds();
        var to = search.To?.ToUnixTimeMilliseconds();
        return PagesAsync(
            Operations.ListCalls,
            (limit, offset, ct) => _api.ListCallsAsync(modelId, lead, from, to, limit, offset, ct),
            envelope => (envelope.Response?.Calls, envelope.Response?.Pagination),
            cancellationToken);
    }

    /// <summary>
    /// Offset paging, one page fetched only when the caller enumerates past the previous one. Stops at
    /// <c>total_records</c>, or on a short or empty page when Synthflow sends no total.
    /// </summary>
    private async IAsyncEnumerable<TItem> PagesAsync<TEnvelope, TItem>(
        string operation,
        Func<int, int, CancellationToken, Task<IApiResponse<TEnvelope>>> page,
        Func<TEnvelope, (IReadOnlyList<TItem>? Items, Pagination? Pagination)> read,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var offset = 0;
        while (true)
        {
            var at = offset;
            var envelope = await SendAsync(operation, ct => page(PageSize, at, ct), cancellationToken).ConfigureAwait(false);
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
            var done = pagination is { TotalRecords: > 0 } total
                ? offset >= total.TotalRecords
                : items.Count < PageSize;
            if (done)
            {
                yield break;
            }
        }
    }

    /// <summary>One request through the HTTP client's pipeline, its answer unwrapped or mapped to an exception.</summary>
    /// <param name="idempotent">False for <c>POST /calls</c>: no retries, and a lost answer means the outcome is unknown.</param>
    private async Task<TEnvelope> SendAsync<TEnvelope>(
        string operation,
        Func<CancellationToken, Task<IApiResponse<TEnvelope>>> send,
        CancellationToken cancellationToken,
        bool idempotent = true)
    {
        var started = Stopwatch.GetTimestamp();
        IApiResponse<TEnvelope> response;
        try
        {
            response = await send(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is HttpRequestException or IOException or TimeoutRejectedException)
        {
            throw NoAnswer(operation, exception, idempotent);
        }

        using (response)
        {
            var status = response.StatusCode ?? throw new UnreachableException("Refit rethrows transport failures (see TransportExceptionFactory).");
            var elapsed = Stopwatch.GetElapsedTime(started);
            LogAnswered(_logger, operation, (int)status, elapsed.TotalMilliseconds);

            if ((int)status is < 200 or > 299)
            {
                var body = (response.Error as ApiException)?.Content;
                throw SynthflowApiException.FromResponse(
                    operation,
                    status,
                    body is null ? [] : Encoding.UTF8.GetBytes(body),
                    response.Headers?.RetryAfter?.Delta);
            }

            if (response.Error is { } error)
            {
                throw Malformed(operation, error.InnerException is JsonException json ? $"unreadable JSON at {json.Path}" : "unreadable body");
            }

            return response.Content ?? throw Malformed(operation, "empty body");
        }
    }

    /// <summary>
    /// No answer: the transport failures the pipeline gave up on. They are all retried, so for an idempotent request
    /// every attempt the policy allows was used; <c>POST /calls</c> gets one.
    /// </summary>
    private SynthflowTransportException NoAnswer(string operation, Exception exception, bool idempotent)
    {
        var timeout = exception is TimeoutRejectedException;
        var attempts = idempotent ? _options.Value.MaxRetries + 1 : 1;
        LogNoAnswer(_logger, operation, attempts, timeout ? "timeout" : "connection failure");
        var outcome = idempotent ? string.Empty : " The outcome is unknown: the request may have been carried out.";
        return new SynthflowTransportException(
            (timeout
                ? $"Synthflow did not answer {operation} within {_options.Value.Timeout.TotalSeconds:0.#} s after {attempts} attempt(s)."
                : $"The connection to Synthflow failed during {operation} after {attempts} attempt(s).") + outcome,
            exception)
        {
            Operation = operation,
            IsTimeout = timeout,
        };
    }

    /// <summary>
    /// Refuses ids that would change the path (<c>.</c>, <c>..</c>, empty, control characters): an id must never
    /// address another resource. Refit escapes what passes into one path segment (or query value).
    /// </summary>
    internal static string Segment(string value, string name)
    {
        if (string.IsNullOrWhiteSpace(value) || value is "." or ".." || value.Any(char.IsControl))
        {
            throw new ArgumentException($"'{name}' is not a valid identifier.", name);
        }

        return value;
    }

    private static SynthflowApiException Malformed(string operation, string what) =>
        SynthflowApiException.FromResponse(operation, HttpStatusCode.BadGateway, Encoding.UTF8.GetBytes($"{{\"detail\":\"Synthflow's answer could not be read: {what}.\"}}"), retryAfter: null);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Synthflow {Operation} answered {StatusCode} in {ElapsedMs:F1} ms")]
    private static partial void LogAnswered(ILogger logger, string operation, int statusCode, double elapsedMs);

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
