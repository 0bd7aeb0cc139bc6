using System.Collections.Concurrent;
using System.Net;
using System.Runtime.Serialization;
using Azure;
using Azure.Core;
using Azure.Core.Pipeline;
using SynthflowConnector.Storage;

namespace SynthflowConnector.Tests.Storage;

public enum CallState
{
    Idle = 0,
    Ringing = 1,
    InCall = 2,
}

/// <summary>Carries one property of every supported type (and its nullable form).</summary>
public sealed class AllTypesEntity : ITableEntity
{
    public string PartitionKey { get; set; } = string.Empty;
    public string RowKey { get; set; } = string.Empty;
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }

    public string? Text { get; set; }
    public int Small { get; set; }
    public long Big { get; set; }
    public double Ratio { get; set; }
    public bool Flag { get; set; }
    public DateTimeOffset When { get; set; }
    public DateTime WhenUtc { get; set; }
    public Guid Id { get; set; }
    public byte[]? Bytes { get; set; }
    public CallState State { get; set; }

    public int? MaybeSmall { get; set; }
    public long? MaybeBig { get; set; }
    public double? MaybeRatio { get; set; }
    public bool? MaybeFlag { get; set; }
    public DateTimeOffset? MaybeWhen { get; set; }
    public DateTime? MaybeWhenUtc { get; set; }
    public Guid? MaybeId { get; set; }
    public CallState? MaybeState { get; set; }

    /// <summary>Must never reach storage.</summary>
    [IgnoreDataMember]
    public string Computed { get; set; } = "not stored";

    /// <summary>Read-only: not mapped.</summary>
    public string Derived => $"{PartitionKey}/{RowKey}";
}

public sealed class SimpleEntity : ITableEntity
{
    public string PartitionKey { get; set; } = string.Empty;
    public string RowKey { get; set; } = string.Empty;
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }

    public string? Name { get; set; }
    public int Count { get; set; }
}

/// <summary>Counts (and records) the HTTP requests a client sends; add it with <c>options.AddPolicy</c>.</summary>
public sealed class RequestCountingPolicy : HttpPipelineSynchronousPolicy
{
    private readonly ConcurrentQueue<string> _requests = new();

    public int Count => _requests.Count;

    public IReadOnlyCollection<string> Requests => [.. _requests];

    public override void OnSendingRequest(HttpMessage message) =>
        _requests.Enqueue($"{message.Request.Method} {message.Request.Uri}");
}

/// <summary>
/// A real HttpClient handler that records requests and answers with a canned response: exercises the whole
/// Azure.Core pipeline (including auth policies) without a server.
/// </summary>
public sealed class CapturingHandler : HttpMessageHandler
{
    private readonly HttpStatusCode _status;
    private readonly string? _body;

    public CapturingHandler(HttpStatusCode status = HttpStatusCode.NoContent, string? body = null)
    {
        _status = status;
        _body = body;
    }

    public List<HttpRequestMessage> Requests { get; } = [];

    public List<string?> Bodies { get; } = [];

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        Requests.Add(request);
        Bodies.Add(request.Content is null ? null : await request.Content.ReadAsStringAsync(cancellationToken));
        var response = new HttpResponseMessage(_status) { RequestMessage = request };
        if (_body is not null)
        {
            response.Content = new StringContent(_body, System.Text.Encoding.UTF8, "application/json");
        }

        return response;
    }
}

internal static class StorageTestOptions
{
    /// <summary>Options whose transport is <paramref name="handler"/>, with retries off so one call is one request.</summary>
    public static TableClientOptions With(HttpMessageHandler handler)
    {
        var options = new TableClientOptions
        {
#pragma warning disable CA2000 // The transport owns the HttpClient for the test's lifetime.
            Transport = new HttpClientTransport(new HttpClient(handler)),
#pragma warning restore CA2000
        };
        options.Retry.MaxRetries = 0;
        return options;
    }

    public static TableClientOptions Counting(RequestCountingPolicy counter)
    {
        var options = new TableClientOptions();
        options.AddPolicy(counter, HttpPipelinePosition.PerCall);
        return options;
    }
}
