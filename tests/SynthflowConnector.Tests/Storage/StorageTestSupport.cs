using System.Collections.Concurrent;
using Azure;
using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Data.Tables;

namespace SynthflowConnector.Tests.Storage;

public sealed class SimpleEntity : ITableEntity
{
    public string PartitionKey { get; set; } = string.Empty;
    public string RowKey { get; set; } = string.Empty;
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }

    public string? Name { get; set; }
    public int Count { get; set; }
}

/// <summary>Counts (and records) the HTTP requests a client sends, retries included; add it with <see cref="StorageTestOptions.Counting"/>.</summary>
public sealed class RequestCountingPolicy : HttpPipelineSynchronousPolicy
{
    private readonly ConcurrentQueue<string> _requests = new();
    private int _count;

    public int Count => Volatile.Read(ref _count);

    public IReadOnlyCollection<string> Requests => [.. _requests];

    public void Reset()
    {
        Interlocked.Exchange(ref _count, 0);
        _requests.Clear();
    }

    public override void OnSendingRequest(HttpMessage message)
    {
        _requests.Enqueue($"{message.Request.Method} {message.Request.Uri}");
        Interlocked.Increment(ref _count);
    }
}

/// <summary>
/// Sends the requests <paramref name="when"/> picks to a closed loopback port: a real connection failure, wherever in an
/// operation it happens (say, in the middle of a paged read, after the table was created and the first pages came back).
/// </summary>
public sealed class ClosedPortPolicy(Func<HttpMessage, bool> when) : HttpPipelineSynchronousPolicy
{
    /// <summary>A loopback port nothing listens on (the first privileged port; tests never run a server there).</summary>
    private const int ClosedPort = 1;

    public static ClosedPortPolicy Always() => new(_ => true);

    /// <summary>Table queries (GETs) fail after the first <paramref name="queriesThatPass"/>.</summary>
    public static ClosedPortPolicy QueriesAfter(int queriesThatPass)
    {
        var queries = 0;
        return new(message => message.Request.Method == RequestMethod.Get && Interlocked.Increment(ref queries) > queriesThatPass);
    }

    public override void OnSendingRequest(HttpMessage message)
    {
        if (when(message))
        {
            message.Request.Uri.Port = ClosedPort;
        }
    }
}

internal static class StorageTestOptions
{
    /// <summary>Options with <paramref name="policy"/> on every attempt; retries off so one operation is one request.</summary>
    public static TableClientOptions With(HttpPipelinePolicy policy, int maxRetries = 0)
    {
        var options = new TableClientOptions();
        options.Retry.MaxRetries = maxRetries;
        options.AddPolicy(policy, HttpPipelinePosition.PerRetry);
        return options;
    }

    /// <summary>Options that count requests, with the SDK's default retries (as the app runs).</summary>
    public static TableClientOptions Counting(RequestCountingPolicy counter)
    {
        var options = new TableClientOptions();
        options.AddPolicy(counter, HttpPipelinePosition.PerRetry);
        return options;
    }
}
