using Microsoft.Azure.Functions.Worker;
using SynthflowConnector.Hooks;

namespace SynthflowConnector.Functions;

/// <summary>
/// The trigger's two queues on <c>AzureWebJobsStorage</c>. Each message is bound as its text and read with
/// <see cref="HookQueueMessages"/>, the codec that wrote it (and that the Host's processor reads with). A handler that
/// throws leaves the message to the Functions host, which makes it visible again and, after
/// <c>extensions.queues.maxDequeueCount</c> tries (host.json), moves it to <c>{queue}-poison</c>: at-least-once,
/// nothing lost, and an unreadable message (it throws every time) ends there instead of looping.
/// </summary>
public sealed class HookQueueFunctions(CallEventFanOut fanOut, CallbackDelivery delivery)
{
    public const string Connection = "AzureWebJobsStorage";

    /// <summary>One accepted event: one delivery per matching subscription (and forward) queued.</summary>
    [Function("FanOutCallEvent")]
    public Task FanOutCallEvent(
        [QueueTrigger(IHookQueues.EventsQueue, Connection = Connection)] string message,
        CancellationToken cancellationToken)
        => fanOut.HandleAsync(HookQueueMessages.ReadCallEvent(message), cancellationToken);

    /// <summary>One POST to one callback; a retry is a new, delayed message, so this never throws for a failed callback.</summary>
    [Function("DeliverCallEvent")]
    public Task DeliverCallEvent(
        [QueueTrigger(IHookQueues.DeliveriesQueue, Connection = Connection)] string message,
        CancellationToken cancellationToken)
        => delivery.HandleAsync(HookQueueMessages.ReadDelivery(message), cancellationToken);
}
