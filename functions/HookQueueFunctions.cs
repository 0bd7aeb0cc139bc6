using Microsoft.Azure.Functions.Worker;
using SynthflowConnector.Hooks;

namespace SynthflowConnector.Functions;

/// <summary>
/// The trigger's two queues on <c>AzureWebJobsStorage</c>. A handler that throws leaves the message to the Functions
/// host, which makes it visible again (host.json <c>extensions.queues</c>): at-least-once, nothing lost.
/// </summary>
public sealed class HookQueueFunctions(CallEventFanOut fanOut, CallbackDelivery delivery)
{
    public const string Connection = "AzureWebJobsStorage";

    /// <summary>One accepted event: one delivery per matching subscription (and forward) queued.</summary>
    [Function("FanOutCallEvent")]
    public Task FanOutCallEvent(
        [QueueTrigger(IHookQueues.EventsQueue, Connection = Connection)] CallEventMessage message,
        CancellationToken cancellationToken)
        => fanOut.HandleAsync(message, cancellationToken);

    /// <summary>One POST to one callback; a retry is a new, delayed message, so this never throws for a failed callback.</summary>
    [Function("DeliverCallEvent")]
    public Task DeliverCallEvent(
        [QueueTrigger(IHookQueues.DeliveriesQueue, Connection = Connection)] DeliveryMessage message,
        CancellationToken cancellationToken)
        => delivery.HandleAsync(message, cancellationToken);
}
