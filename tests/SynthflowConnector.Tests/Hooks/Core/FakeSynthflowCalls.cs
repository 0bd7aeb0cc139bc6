using System.Collections.Concurrent;
using System.Net;
using System.Runtime.CompilerServices;
using SynthflowConnector.Synthflow;

namespace SynthflowConnector.Tests.Hooks.Core;

/// <summary>
/// A tiny Synthflow for the trigger's tests: calls by id (for <c>GET /calls/{id}</c> and <c>GET /calls</c>), placed
/// calls' requests, and every agent outbound with no attached numbers. Operations the trigger does not use throw.
/// </summary>
internal sealed class FakeSynthflowCalls : ISynthflowClient
{
    private int _placed;

    public ConcurrentDictionary<string, SynthflowCall> Calls { get; } = new();

    public ConcurrentQueue<PlaceCallRequest> PlaceRequests { get; } = new();

    public ConcurrentQueue<CallSearch> Searches { get; } = new();

    public ConcurrentQueue<string> Lookups { get; } = new();

    /// <summary>When set, <c>GET /calls/{id}</c> and <c>GET /calls</c> fail with it.</summary>
    public Exception? Fault { get; set; }

    public Task<SynthflowAgent> GetAgentAsync(string modelId, CancellationToken cancellationToken = default) =>
        Task.FromResult(new SynthflowAgent { ModelId = modelId, Type = AgentTypes.Outbound, AttachedPhoneNumbers = [] });

    public Task<CallPlaced> PlaceCallAsync(PlaceCallRequest request, CancellationToken cancellationToken = default)
    {
        PlaceRequests.Enqueue(request);
        return Task.FromResult(new CallPlaced($"call-{Interlocked.Increment(ref _placed)}", 5));
    }

    public Task<SynthflowCall> GetCallAsync(string callId, CancellationToken cancellationToken = default)
    {
        Lookups.Enqueue(callId);
        if (Fault is { } fault)
        {
            throw fault;
        }

        return Calls.TryGetValue(callId, out var call)
            ? Task.FromResult(call)
            : throw SynthflowApiException.FromResponse("get-call", HttpStatusCode.NotFound, "{}"u8, null);
    }

    public async IAsyncEnumerable<SynthflowCall> ListCallsAsync(CallSearch search, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        Searches.Enqueue(search);
        await Task.Yield();
        if (Fault is { } fault)
        {
            throw fault;
        }

        foreach (var call in Calls.Values.Where(c => c.ModelId == search.ModelId && (search.From is null || c.StartTime is null || c.StartTime >= search.From)))
        {
            // GET /calls items carry the status under call_status, not status.
            yield return call with { CallStatus = call.Status, Status = null };
        }
    }

    public IAsyncEnumerable<SynthflowAgent> ListAgentsAsync(CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public Task AttachPhoneNumbersAsync(string modelId, AttachPhoneNumbers numbers, CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public Task DetachPhoneNumberAsync(string modelId, string slug, CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public IAsyncEnumerable<WorkspacePhoneNumber> ListPhoneNumbersAsync(bool? isAvailable = null, CancellationToken cancellationToken = default) => throw new NotSupportedException();
}
