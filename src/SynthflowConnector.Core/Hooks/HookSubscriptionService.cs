using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SynthflowConnector.Synthflow;

namespace SynthflowConnector.Hooks;

/// <summary>
/// Subscribe, unsubscribe and list (always from the store); the failures list for operators. Every subscribe and
/// unsubscribe clears the process's <see cref="HookSubscriptionCache"/> of that event.
/// </summary>
public sealed partial class HookSubscriptionService(
    IHookSubscriptionStore subscriptions,
    IDeliveryFailureStore failures,
    IOptions<SynthflowOptions> synthflowOptions,
    TimeProvider timeProvider,
    ILogger<HookSubscriptionService> logger,
    HookSubscriptionCache? subscriptionCache = null)
{
    /// <summary>Random bytes in an id: 128 bits, written as 32 lower-case hex digits (URL- and table-key-safe).</summary>
    internal const int IdBytes = 16;

    /// <summary>The most failures one list returns.</summary>
    public const int MaxFailures = 1000;

    /// <exception cref="ArgumentException">The callback URL breaks <see cref="CallbackUrlPolicy"/> (the API checks it first).</exception>
    public async Task<HookSubscription> SubscribeAsync(string hookEvent, SubscribeCommand command, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(hookEvent);
        ArgumentNullException.ThrowIfNull(command);
        if (CallbackUrlPolicy.Check(command.CallbackUrl, synthflowOptions.Value.IsSandbox) is { } refused)
        {
            throw new ArgumentException(refused, nameof(command));
        }

        var statuses = (command.Statuses ?? [])
            .Where(status => !string.IsNullOrWhiteSpace(status))
            .Select(CallStatuses.Normalize)
            .Distinct(StringComparer.Ordinal)
            .ToList();
        var subscription = new HookSubscription
        {
            Id = NewId(),
            Event = hookEvent,
            CallbackUrl = command.CallbackUrl,
            ModelId = string.IsNullOrWhiteSpace(command.ModelId) ? null : command.ModelId.Trim(),
            Statuses = statuses.Count == 0 ? null : statuses,
            CreatedAt = timeProvider.GetUtcNow(),
        };
        try
        {
            await subscriptions.AddAsync(subscription, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            // Even after a fault: the write may have reached the store.
            subscriptionCache?.Invalidate(hookEvent);
        }

        LogSubscribed(logger, subscription.Id, hookEvent, subscription.CallbackUrl.IdnHost);
        return subscription;
    }

    /// <returns>False when the id was unknown (the API still answers 200).</returns>
    public async Task<bool> UnsubscribeAsync(string hookEvent, string id, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(hookEvent);
        ArgumentNullException.ThrowIfNull(id);
        bool deleted;
        try
        {
            deleted = await subscriptions.DeleteAsync(hookEvent, id, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            subscriptionCache?.Invalidate(hookEvent);
        }

        LogUnsubscribed(logger, id, hookEvent, deleted);
        return deleted;
    }

    public Task<IReadOnlyList<HookSubscription>> ListAsync(string hookEvent, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(hookEvent);
        return subscriptions.ListAsync(hookEvent, cancellationToken);
    }

    /// <param name="max">1 to <see cref="MaxFailures"/>.</param>
    public Task<IReadOnlyList<DeliveryFailure>> ListFailuresAsync(int max, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(max, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(max, MaxFailures);
        return failures.ListAsync(max, cancellationToken);
    }

    internal static string NewId() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(IdBytes));

    [LoggerMessage(Level = LogLevel.Information, Message = "Subscription {SubscriptionId} to {Event} created, delivering to {Host}")]
    private static partial void LogSubscribed(ILogger logger, string subscriptionId, string @event, string host);

    [LoggerMessage(Level = LogLevel.Information, Message = "Unsubscribe {SubscriptionId} from {Event}: removed {Removed}")]
    private static partial void LogUnsubscribed(ILogger logger, string subscriptionId, string @event, bool removed);
}
