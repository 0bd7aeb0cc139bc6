namespace SynthflowConnector.Hooks;

/// <summary>A queue the <see cref="HookQueueProcessor"/> serves and what handles its messages (in a fresh DI scope).</summary>
/// <param name="HandleAsync">
/// Handles one message's body; returning is success (the message is deleted), throwing leaves it for another try.
/// A <see cref="System.Text.Json.JsonException"/> means the message can never be handled: it goes to the poison queue at once.
/// </param>
public sealed record HookQueueBinding(string QueueName, Func<IServiceProvider, BinaryData, CancellationToken, Task> HandleAsync)
{
    /// <summary>Where messages go after the last try: the Functions host's name for the queue's poison queue.</summary>
    public string PoisonQueueName => QueueName + "-poison";
}

/// <summary>How the Host's <see cref="HookQueueProcessor"/> polls and retries (the Functions app's QueueTrigger has its own host.json settings).</summary>
public sealed class HookQueueProcessorOptions
{
    /// <summary>Messages asked for per receive (the service's maximum is 32).</summary>
    public int BatchSize { get; set; } = 32;

    /// <summary>Messages handled at once, per queue.</summary>
    public int MaxConcurrency { get; set; } = 16;

    /// <summary>How long a received message stays hidden from other receivers: a crashed handler's message reappears after it.</summary>
    public TimeSpan VisibilityTimeout { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>Tries before a message goes to the poison queue (the Functions default, maxDequeueCount).</summary>
    public int MaxDequeueCount { get; set; } = 5;

    /// <summary>The first wait after an empty receive; it doubles up to <see cref="MaxPollDelay"/>, and resets when messages come.</summary>
    public TimeSpan MinPollDelay { get; set; } = TimeSpan.FromMilliseconds(50);

    public TimeSpan MaxPollDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// After a local enqueue wakes the processor, how long it waits before it receives, so what is queued meanwhile comes
    /// in the same receive (fewer storage requests under load; this much more latency for a lone message). Zero: at once.
    /// </summary>
    public TimeSpan WakeDelay { get; set; } = TimeSpan.FromMilliseconds(20);

    /// <summary>
    /// When set, a failed message is made visible again after this (zero: at once) instead of after the rest of its
    /// <see cref="VisibilityTimeout"/>. Null by default: a failure waits out the visibility timeout, a natural backoff.
    /// </summary>
    public TimeSpan? FailedMessageDelay { get; set; }
}
