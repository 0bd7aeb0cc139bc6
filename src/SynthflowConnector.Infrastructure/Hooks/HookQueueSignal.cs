using System.Collections.Concurrent;

namespace SynthflowConnector.Hooks;

/// <summary>
/// In-process "a message was just queued" signal, per queue: <see cref="StorageHookQueues"/> raises it on every
/// immediately visible enqueue, and the Host's <see cref="HookQueueProcessor"/> wakes on it instead of waiting for its
/// next poll. A signal nobody waits for is dropped: the waiter arms (<see cref="NextAsync"/>) before it looks at the
/// queue, so a message queued after the look always wakes it and one queued before is found by the look.
/// </summary>
public sealed class HookQueueSignal
{
    private readonly ConcurrentDictionary<string, TaskCompletionSource> _next = new(StringComparer.Ordinal);

    /// <summary>Completes at the next <see cref="Raise"/> for <paramref name="queueName"/>.</summary>
    public Task NextAsync(string queueName) =>
        _next.GetOrAdd(queueName, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;

    public void Raise(string queueName)
    {
        if (_next.TryRemove(queueName, out var waiting))
        {
            waiting.TrySetResult();
        }
    }
}
