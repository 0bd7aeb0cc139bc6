using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using SynthflowConnector.Hooks;
using SynthflowConnector.Storage;
using SynthflowConnector.Tests.Infrastructure;
using SynthflowConnector.Tests.Storage;

namespace SynthflowConnector.Tests.Hooks.Storage;

/// <summary>The Host's queue processor on real Azurite, driven one receive at a time (no clock, no sleeps).</summary>
[Collection("Azurite")]
public sealed class HookQueueProcessorTests(AzuriteFixture azurite) : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    private readonly ServiceProvider _services = new ServiceCollection().BuildServiceProvider();
    private readonly ConnectorQueues _queues = azurite.CreateConnectorQueues();
    private readonly ConcurrentQueue<string> _handled = new();

    public void Dispose() => _services.Dispose();

    private HookQueueProcessor Processor(HookQueueBinding binding, TimeProvider? time = null, HookQueueSignal? signal = null) => new(
        _queues,
        _services.GetRequiredService<IServiceScopeFactory>(),
        signal ?? new HookQueueSignal(),
        [binding],
        // No wake delay: these tests hold the clock still (the delay has its own test).
        Options.Create(new HookQueueProcessorOptions { FailedMessageDelay = TimeSpan.Zero, WakeDelay = TimeSpan.Zero }),
        time ?? TimeProvider.System,
        NullLogger<HookQueueProcessor>.Instance);

    /// <summary>Queues whose message receives are counted (a GET with <c>numofmessages</c>).</summary>
    private (ConnectorQueues Queues, Func<int> Receives) CountingReceives()
    {
        var requests = new RequestCountingPolicy();
        var options = new Azure.Storage.Queues.QueueClientOptions();
        options.AddPolicy(requests, Azure.Core.HttpPipelinePosition.PerRetry);
        return (azurite.CreateConnectorQueues(options), () => requests.Requests.Count(request =>
            request.StartsWith("GET ", StringComparison.Ordinal) && request.Contains("numofmessages", StringComparison.OrdinalIgnoreCase)));
    }

    private HookQueueBinding Recording(string queueName, Func<CallEventMessage, bool>? fails = null) => new(queueName, (provider, body, _) =>
    {
        Assert.NotNull(provider.GetService<IServiceScopeFactory>());
        var message = HookQueueMessages.ReadCallEvent(body);
        _handled.Enqueue(message.CallId);
        return fails?.Invoke(message) == true ? throw new InvalidOperationException("handler failed") : Task.CompletedTask;
    });

    private async Task SendAsync(string queueName, params string[] callIds)
    {
        var queue = await _queues.GetAsync(queueName, CancellationToken.None);
        foreach (var callId in callIds)
        {
            await queue.SendMessageAsync(HookQueueMessages.Serialize(new CallEventMessage(callId, "completed")));
        }
    }

    private async Task<int> CountAsync(string queueName) =>
        (await (await _queues.GetAsync(queueName, CancellationToken.None)).GetPropertiesAsync()).Value.ApproximateMessagesCount;

    [Fact]
    public async Task Handled_messages_are_deleted()
    {
        var queueName = AzuriteFixture.UniqueQueueName();
        var processor = Processor(Recording(queueName));
        await SendAsync(queueName, "c1", "c2", "c3");

        Assert.Equal(3, await processor.ProcessOnceAsync(queueName, CancellationToken.None));

        Assert.Equal(["c1", "c2", "c3"], _handled.Order(StringComparer.Ordinal));
        Assert.Equal(0, await CountAsync(queueName));
        Assert.Equal(0, await processor.ProcessOnceAsync(queueName, CancellationToken.None));
    }

    [Fact]
    public async Task A_message_that_keeps_failing_goes_to_the_poison_queue_after_five_tries()
    {
        var queueName = AzuriteFixture.UniqueQueueName();
        var binding = Recording(queueName, fails: message => message.CallId == "bad");
        var processor = Processor(binding);
        await SendAsync(queueName, "bad", "good");

        Assert.Equal(2, await processor.ProcessOnceAsync(queueName, CancellationToken.None));
        for (var attempt = 2; attempt <= 5; attempt++)
        {
            Assert.Equal(1, await processor.ProcessOnceAsync(queueName, CancellationToken.None));
            Assert.Equal(attempt == 5 ? 1 : 0, await CountAsync(binding.PoisonQueueName));
        }

        Assert.Equal(0, await processor.ProcessOnceAsync(queueName, CancellationToken.None));
        Assert.Equal(5, _handled.Count(id => id == "bad"));
        Assert.Equal(1, _handled.Count(id => id == "good"));
        var poisoned = Assert.Single((await (await _queues.GetAsync(binding.PoisonQueueName, CancellationToken.None)).ReceiveMessagesAsync(32)).Value);
        Assert.Equal(new CallEventMessage("bad", "completed"), HookQueueMessages.ReadCallEvent(poisoned.Body));
    }

    [Fact]
    public async Task An_unreadable_message_goes_to_the_poison_queue_at_once()
    {
        var queueName = AzuriteFixture.UniqueQueueName();
        var binding = Recording(queueName);
        var processor = Processor(binding);
        var queue = await _queues.GetAsync(queueName, CancellationToken.None);
        await queue.SendMessageAsync(BinaryData.FromString("{not json"));

        Assert.Equal(1, await processor.ProcessOnceAsync(queueName, CancellationToken.None));

        Assert.Empty(_handled);
        Assert.Equal(0, await CountAsync(queueName));
        Assert.Equal(1, await CountAsync(binding.PoisonQueueName));
    }

    [Fact]
    public async Task The_running_processor_handles_a_local_enqueue_at_once_without_its_poll_clock_moving_and_stops_cleanly()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UnixEpoch);
        var signal = new HookQueueSignal();
        var seen = new ConcurrentDictionary<string, TaskCompletionSource>();
        TaskCompletionSource Seen(string callId) => seen.GetOrAdd(callId, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        var binding = new HookQueueBinding(IHookQueues.EventsQueue, (_, body, _) =>
        {
            Seen(HookQueueMessages.ReadCallEvent(body).CallId).TrySetResult();
            return Task.CompletedTask;
        });
        await (await _queues.GetAsync(IHookQueues.EventsQueue, CancellationToken.None)).ClearMessagesAsync();
        var hookQueues = new StorageHookQueues(_queues, signal);
        using var processor = Processor(binding, time, signal);

        await processor.StartAsync(CancellationToken.None);
        await hookQueues.EnqueueEventAsync(new CallEventMessage("first", "completed"), CancellationToken.None);
        await Seen("first").Task.WaitAsync(Patience);
        await hookQueues.EnqueueEventAsync(new CallEventMessage("second", "completed"), CancellationToken.None);
        await Seen("second").Task.WaitAsync(Patience);
        await processor.StopAsync(CancellationToken.None).WaitAsync(Patience);

        Assert.Equal(DateTimeOffset.UnixEpoch, time.GetUtcNow());
        Assert.Equal(0, await CountAsync(IHookQueues.EventsQueue));
    }

    [Fact]
    public async Task A_receive_that_got_fewer_than_it_asked_for_is_not_followed_by_another_until_woken()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UnixEpoch);
        var signal = new HookQueueSignal();
        var queueName = AzuriteFixture.UniqueQueueName();
        var (counted, receives) = CountingReceives();
        var seen = new ConcurrentDictionary<string, TaskCompletionSource>();
        TaskCompletionSource Seen(string callId) => seen.GetOrAdd(callId, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        var binding = new HookQueueBinding(queueName, (_, body, _) =>
        {
            Seen(HookQueueMessages.ReadCallEvent(body).CallId).TrySetResult();
            return Task.CompletedTask;
        });
        var hookQueues = new StorageHookQueues(_queues, signal);
        using var processor = new HookQueueProcessor(
            counted, _services.GetRequiredService<IServiceScopeFactory>(), signal, [binding], Options.Create(new HookQueueProcessorOptions { WakeDelay = TimeSpan.Zero }), time, NullLogger<HookQueueProcessor>.Instance);

        await hookQueues.SendAsync(queueName, HookQueueMessages.Serialize(new CallEventMessage("first", "completed")), TimeSpan.Zero, CancellationToken.None);
        await processor.StartAsync(CancellationToken.None);
        await Seen("first").Task.WaitAsync(Patience);
        await hookQueues.SendAsync(queueName, HookQueueMessages.Serialize(new CallEventMessage("second", "completed")), TimeSpan.Zero, CancellationToken.None);
        await Seen("second").Task.WaitAsync(Patience);
        await processor.StopAsync(CancellationToken.None).WaitAsync(Patience);

        // One receive at start, one for the wake-up: none straight after a receive that got 1 message of the 16 it asked for.
        Assert.Equal(2, receives());
        Assert.Equal(DateTimeOffset.UnixEpoch, time.GetUtcNow());
        Assert.Equal(0, await CountAsync(queueName));
    }

    [Fact]
    public async Task A_wake_up_waits_the_wake_delay_so_what_is_queued_meanwhile_comes_in_the_same_receive()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UnixEpoch);
        var signal = new HookQueueSignal();
        var queueName = AzuriteFixture.UniqueQueueName();
        var (counted, receives) = CountingReceives();
        var handled = new ConcurrentQueue<string>();
        var seen = new ConcurrentDictionary<string, TaskCompletionSource>();
        TaskCompletionSource Seen(string callId) => seen.GetOrAdd(callId, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        var binding = new HookQueueBinding(queueName, (_, body, _) =>
        {
            var callId = HookQueueMessages.ReadCallEvent(body).CallId;
            handled.Enqueue(callId);
            Seen(callId).TrySetResult();
            return Task.CompletedTask;
        });
        var hookQueues = new StorageHookQueues(_queues, signal);
        var wakeDelay = TimeSpan.FromMinutes(5);
        using var processor = new HookQueueProcessor(
            counted, _services.GetRequiredService<IServiceScopeFactory>(), signal, [binding],
            Options.Create(new HookQueueProcessorOptions { WakeDelay = wakeDelay, MinPollDelay = TimeSpan.FromHours(1), MaxPollDelay = TimeSpan.FromHours(1) }),
            time, NullLogger<HookQueueProcessor>.Instance);

        // The processor's first receive gets "zero" (fewer than it asked for): then it waits for a wake-up or an hour.
        await hookQueues.SendAsync(queueName, HookQueueMessages.Serialize(new CallEventMessage("zero", "completed")), TimeSpan.Zero, CancellationToken.None);
        await processor.StartAsync(CancellationToken.None);
        await Seen("zero").Task.WaitAsync(Patience);

        // The first enqueue wakes it; the second comes while it waits out the wake delay (the clock stands still).
        await hookQueues.SendAsync(queueName, HookQueueMessages.Serialize(new CallEventMessage("first", "completed")), TimeSpan.Zero, CancellationToken.None);
        await hookQueues.SendAsync(queueName, HookQueueMessages.Serialize(new CallEventMessage("second", "completed")), TimeSpan.Zero, CancellationToken.None);
        Assert.Equal(["zero"], handled);

        // Only the wake delay's end lets it receive (the poll delay is an hour): step the clock until both are handled
        // (the processor may not have started the delay's timer when the clock first moves).
        var both = Task.WhenAll(Seen("first").Task, Seen("second").Task);
        using var patience = new CancellationTokenSource(Patience);
        while (!both.IsCompleted)
        {
            time.Advance(wakeDelay);
            await Task.WhenAny(both, Task.Delay(TimeSpan.FromMilliseconds(20), patience.Token));
            patience.Token.ThrowIfCancellationRequested();
        }

        await processor.StopAsync(CancellationToken.None).WaitAsync(Patience);

        // One receive at start, one after the wake delay with both messages.
        Assert.Equal(2, receives());
        Assert.Equal(["first", "second", "zero"], handled.Order(StringComparer.Ordinal));
    }
}
