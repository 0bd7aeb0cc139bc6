using Azure.Storage.Queues.Models;
using SynthflowConnector.Storage;

namespace SynthflowConnector.Hooks;

/// <summary>
/// <see cref="IHookQueues"/> on Azure Queue storage (<c>AzureWebJobsStorage</c>): JSON messages
/// (<see cref="HookQueueMessages"/>), base64-encoded. A delay is the message's initial invisibility, capped at the
/// service's 7 days.
/// </summary>
internal sealed class StorageHookQueues(ConnectorQueues queues, HookQueueSignal signal) : IHookQueues
{
    /// <summary>The longest initial invisibility the queue service accepts.</summary>
    internal static readonly TimeSpan MaxDelay = TimeSpan.FromDays(7);

    /// <summary>Messages never expire on their own: a delivery retried for a day must not vanish (the default is 7 days).</summary>
    private static readonly TimeSpan NeverExpires = TimeSpan.FromSeconds(-1);

    public Task EnqueueEventAsync(CallEventMessage message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        return SendAsync(IHookQueues.EventsQueue, HookQueueMessages.Serialize(message), TimeSpan.Zero, cancellationToken);
    }

    public Task EnqueueDeliveryAsync(DeliveryMessage message, TimeSpan delay, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        return SendAsync(IHookQueues.DeliveriesQueue, HookQueueMessages.Serialize(message), delay, cancellationToken);
    }

    public Task EnqueuePoisonAsync(DeliveryMessage message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        return SendAsync(IHookQueues.DeliveriesPoisonQueue, HookQueueMessages.Serialize(message), TimeSpan.Zero, cancellationToken);
    }

    /// <summary>Sends and answers the service's receipt (tests read the next-visible time from it).</summary>
    internal Task<SendReceipt> SendAsync(string queueName, BinaryData body, TimeSpan delay, CancellationToken cancellationToken) =>
        StorageFaults.RunAsync(
            async () =>
            {
                var queue = await queues.GetAsync(queueName, cancellationToken).ConfigureAwait(false);
                var invisibleFor = delay <= TimeSpan.Zero ? (TimeSpan?)null : delay > MaxDelay ? MaxDelay : delay;
                SendReceipt receipt = await queue.SendMessageAsync(body, invisibleFor, NeverExpires, cancellationToken).ConfigureAwait(false);
                if (invisibleFor is null)
                {
                    signal.Raise(queueName);
                }

                return receipt;
            },
            StorageFaults.QueueService);
}
