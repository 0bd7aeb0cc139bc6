using System.Text.Json;
using Azure;
using Azure.Storage.Queues;
using Azure.Storage.Queues.Models;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SynthflowConnector.Storage;

namespace SynthflowConnector.Hooks;

/// <summary>
/// The Host's queue trigger (the Functions app uses QueueTriggers instead): for each <see cref="HookQueueBinding"/>,
/// receives up to <see cref="HookQueueProcessorOptions.BatchSize"/> messages at a time, handles each in its own DI scope
/// with bounded concurrency, deletes it on success, leaves it on failure (it reappears after the visibility timeout) and
/// moves it to <c>{queue}-poison</c> after <see cref="HookQueueProcessorOptions.MaxDequeueCount"/> tries. An empty queue is
/// polled with a doubling delay, and after a receive that got fewer messages than it asked for the next one waits for
/// the shortest delay; a local enqueue (<see cref="HookQueueSignal"/>) wakes it at once.
/// </summary>
public sealed partial class HookQueueProcessor(
    ConnectorQueues queues,
    IServiceScopeFactory scopes,
    HookQueueSignal signal,
    IEnumerable<HookQueueBinding> bindings,
    IOptions<HookQueueProcessorOptions> options,
    TimeProvider timeProvider,
    ILogger<HookQueueProcessor> logger) : BackgroundService
{
    private readonly HookQueueProcessorOptions _options = options.Value;
    private readonly IReadOnlyList<HookQueueBinding> _bindings = [.. bindings];

    /// <summary>One receive and the handling of what it got, awaited (tests drive the processor with it, no clock involved).</summary>
    /// <returns>How many messages were received.</returns>
    public async Task<int> ProcessOnceAsync(string queueName, CancellationToken cancellationToken)
    {
        var binding = _bindings.FirstOrDefault(b => b.QueueName == queueName)
            ?? throw new ArgumentException($"No binding for queue '{queueName}'.", nameof(queueName));
        var queue = await queues.GetAsync(binding.QueueName, cancellationToken).ConfigureAwait(false);
        var messages = await ReceiveAsync(queue, _options.BatchSize, cancellationToken).ConfigureAwait(false);
        await Parallel.ForEachAsync(
            messages,
            new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, _options.MaxConcurrency), CancellationToken = cancellationToken },
            async (message, ct) => await ProcessAsync(binding, queue, message, ct).ConfigureAwait(false)).ConfigureAwait(false);
        return messages.Length;
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(_bindings.Select(binding => Task.Run(() => RunAsync(binding, stoppingToken), CancellationToken.None)));

    private async Task RunAsync(HookQueueBinding binding, CancellationToken stoppingToken)
    {
        var concurrency = Math.Max(1, _options.MaxConcurrency);
        using var slots = new SemaphoreSlim(concurrency, concurrency);
        var delay = _options.MinPollDelay;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                QueueClient queue;
                try
                {
                    queue = await queues.GetAsync(binding.QueueName, stoppingToken).ConfigureAwait(false);
                }
                catch (InvalidOperationException exception)
                {
                    // The connection settings are missing or malformed (the message names the setting, never its value):
                    // they do not change while the process runs, so say it once instead of a stack trace every second.
                    LogNotConfigured(logger, binding.QueueName, exception.Message);
                    break;
                }

                await slots.WaitAsync(stoppingToken).ConfigureAwait(false);
                var take = 1;
                while (take < Math.Clamp(_options.BatchSize, 1, 32) && slots.Wait(0, CancellationToken.None))
                {
                    take++;
                }

                // Armed before the receive: a message queued after it always wakes us, one queued before is received.
                var woken = signal.NextAsync(binding.QueueName);
                QueueMessage[] messages;
                try
                {
                    messages = await ReceiveAsync(queue, take, stoppingToken).ConfigureAwait(false);
                }
                finally
                {
                    // The slots only sized the receive; each message takes one back below (only this loop takes slots).
                    slots.Release(take);
                }

                foreach (var message in messages)
                {
                    await slots.WaitAsync(stoppingToken).ConfigureAwait(false);
                    _ = HandleInBackgroundAsync(binding, queue, message, slots, stoppingToken);
                }

                if (messages.Length > 0)
                {
                    delay = _options.MinPollDelay;
                    if (messages.Length < take)
                    {
                        // Fewer than asked for: the queue was empty behind them. Receiving again at once would almost
                        // always come back empty (one more request per message at low rates); a local enqueue still wakes
                        // us at once, anything else is found after the shortest poll delay.
                        await WaitAsync(woken, delay, stoppingToken).ConfigureAwait(false);
                    }

                    continue;
                }

                await WaitAsync(woken, delay, stoppingToken).ConfigureAwait(false);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, _options.MaxPollDelay.Ticks));
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception exception) when (exception is StoreUnavailableException or RequestFailedException or InvalidOperationException)
            {
                LogReceiveFailed(logger, binding.QueueName, exception);
                await WaitAsync(signal.NextAsync(binding.QueueName), _options.MaxPollDelay, stoppingToken).ConfigureAwait(false);
            }
        }

        // Stop cleanly: wait for the handlers in flight (they see the stopping token; their messages stay queued).
        for (var i = 0; i < concurrency; i++)
        {
            await slots.WaitAsync(CancellationToken.None).ConfigureAwait(false);
        }
    }

    private async Task HandleInBackgroundAsync(HookQueueBinding binding, QueueClient queue, QueueMessage message, SemaphoreSlim slots, CancellationToken stoppingToken)
    {
        try
        {
            await Task.Yield();
            await ProcessAsync(binding, queue, message, stoppingToken).ConfigureAwait(false);
        }
        finally
        {
            slots.Release();
        }
    }

    private async Task<QueueMessage[]> ReceiveAsync(QueueClient queue, int maxMessages, CancellationToken cancellationToken)
    {
        var received = await StorageFaults.RunAsync(
            async () => await queue.ReceiveMessagesAsync(Math.Clamp(maxMessages, 1, 32), _options.VisibilityTimeout, cancellationToken).ConfigureAwait(false),
            StorageFaults.QueueService).ConfigureAwait(false);
        return received.Value;
    }

    /// <summary>Handles one message; never throws except for cancellation by <paramref name="cancellationToken"/>.</summary>
    private async Task ProcessAsync(HookQueueBinding binding, QueueClient queue, QueueMessage message, CancellationToken cancellationToken)
    {
        try
        {
            if (message.DequeueCount > _options.MaxDequeueCount)
            {
                await MoveToPoisonAsync(binding, queue, message, "tried too often", cancellationToken).ConfigureAwait(false);
                return;
            }

            try
            {
                var scope = scopes.CreateAsyncScope();
                await using (scope.ConfigureAwait(false))
                {
                    await binding.HandleAsync(scope.ServiceProvider, message.Body, cancellationToken).ConfigureAwait(false);
                }
            }
            catch (JsonException exception)
            {
                LogUnreadable(logger, binding.QueueName, message.MessageId, exception);
                await MoveToPoisonAsync(binding, queue, message, "unreadable", cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (Exception exception) when (!(exception is OperationCanceledException && cancellationToken.IsCancellationRequested))
            {
                LogHandlerFailed(logger, binding.QueueName, message.MessageId, message.DequeueCount, exception);
                if (message.DequeueCount >= _options.MaxDequeueCount)
                {
                    await MoveToPoisonAsync(binding, queue, message, $"failed {message.DequeueCount} times", cancellationToken).ConfigureAwait(false);
                }
                else if (_options.FailedMessageDelay is { } retryIn)
                {
                    await queue.UpdateMessageAsync(message.MessageId, message.PopReceipt, visibilityTimeout: retryIn, cancellationToken: cancellationToken)
                        .ConfigureAwait(false);
                }

                return;
            }

            // Handled: settled even while stopping (not with the stopping token), or a graceful stop would hand the
            // message to the next start and deliver it twice. Stopping waits for handlers in flight, this included.
            await queue.DeleteMessageAsync(message.MessageId, message.PopReceipt, CancellationToken.None).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopping: the message reappears after its visibility timeout.
        }
        catch (RequestFailedException exception)
        {
            // The delete or move failed (say, the pop receipt expired because handling outlived the visibility timeout):
            // the message comes back and is handled again, which the handlers tolerate (at-least-once).
            LogSettleFailed(logger, binding.QueueName, message.MessageId, exception.Status, exception.ErrorCode);
        }
    }

    private async Task MoveToPoisonAsync(HookQueueBinding binding, QueueClient queue, QueueMessage message, string why, CancellationToken cancellationToken)
    {
        var poison = await queues.GetAsync(binding.PoisonQueueName, cancellationToken).ConfigureAwait(false);
        await poison.SendMessageAsync(message.Body, timeToLive: TimeSpan.FromSeconds(-1), cancellationToken: cancellationToken).ConfigureAwait(false);
        await queue.DeleteMessageAsync(message.MessageId, message.PopReceipt, cancellationToken).ConfigureAwait(false);
        LogPoisoned(logger, binding.QueueName, message.MessageId, binding.PoisonQueueName, why);
    }

    /// <summary>
    /// Until a local enqueue or <paramref name="delay"/>. Woken by an enqueue, it waits <see cref="HookQueueProcessorOptions.WakeDelay"/>
    /// more, so the messages queued meanwhile come in the same receive (at 200 webhooks/s, about one receive per four
    /// messages instead of one per one or two: each receive is a storage request).
    /// </summary>
    private async Task WaitAsync(Task woken, TimeSpan delay, CancellationToken stoppingToken)
    {
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        var sleep = Task.Delay(delay, timeProvider, cancel.Token);
        var first = await Task.WhenAny(woken, sleep).ConfigureAwait(false);
        await cancel.CancelAsync().ConfigureAwait(false);
        if (first == woken && _options.WakeDelay > TimeSpan.Zero && !stoppingToken.IsCancellationRequested)
        {
            await Task.Delay(_options.WakeDelay, timeProvider, stoppingToken).ConfigureAwait(false);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Queue {Queue} is not processed: {Reason}")]
    private static partial void LogNotConfigured(ILogger logger, string queue, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Receiving from queue {Queue} failed; trying again shortly")]
    private static partial void LogReceiveFailed(ILogger logger, string queue, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Queue {Queue} message {MessageId} failed (try {DequeueCount}); it will be tried again")]
    private static partial void LogHandlerFailed(ILogger logger, string queue, string messageId, long dequeueCount, Exception exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "Queue {Queue} message {MessageId} is unreadable")]
    private static partial void LogUnreadable(ILogger logger, string queue, string messageId, Exception exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "Queue {Queue} message {MessageId} moved to {PoisonQueue}: {Why}")]
    private static partial void LogPoisoned(ILogger logger, string queue, string messageId, string poisonQueue, string why);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Queue {Queue} message {MessageId} could not be settled ({Status} {ErrorCode}); it will come back")]
    private static partial void LogSettleFailed(ILogger logger, string queue, string messageId, int status, string? errorCode);
}
