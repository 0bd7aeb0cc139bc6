using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Logging;
using SynthflowConnector.Hooks;

namespace SynthflowConnector.Campaigns;

/// <summary>
/// A campaign's end: when no recipient is pending, calling or waiting any more, the running campaign becomes completed
/// (one ETag-guarded replace: of several dispatchers exactly one wins) and one <c>campaign-completed</c> delivery per
/// matching subscription is queued; then the campaign is marked <see cref="Campaign.CompletionQueued"/>. A crash in
/// between is repaired by the next dispatcher run (the deliveries are queued again: at least once).
/// </summary>
public sealed partial class CampaignCompletion(
    ICampaignStore campaigns,
    IHookSubscriptionStore subscriptions,
    IHookQueues queues,
    TimeProvider timeProvider,
    ILogger<CampaignCompletion> logger)
{
    /// <summary>The delivery's status word (DeliveryMessage needs one; the call-ended deliveries carry the call's).</summary>
    public const string DeliveryStatus = "completed";

    private const int MaxRaces = 5;

    /// <summary>Completes the campaign if it is running and nothing is left to do; true when this call completed it.</summary>
    public async Task<bool> TryCompleteAsync(string campaignId, CancellationToken cancellationToken)
    {
        for (var race = 0; race < MaxRaces; race++)
        {
            var campaign = await campaigns.GetAsync(campaignId, cancellationToken).ConfigureAwait(false);
            if (campaign is not { State: CampaignState.Running }
                || await campaigns.HasActiveRecipientsAsync(campaignId, cancellationToken).ConfigureAwait(false))
            {
                return false;
            }

            var completed = campaign with { State = CampaignState.Completed, CompletedAt = timeProvider.GetUtcNow() };
            if (await campaigns.TryUpdateAsync(completed, cancellationToken).ConfigureAwait(false))
            {
                LogCompleted(logger, campaignId, campaign.RecipientCount);
                await QueueDeliveriesAsync(campaignId, cancellationToken).ConfigureAwait(false);
                return true;
            }
        }

        return false;
    }

    /// <summary>Queues one delivery per <c>campaign-completed</c> subscription (of every agent, or this campaign's), then marks it done.</summary>
    public async Task QueueDeliveriesAsync(string campaignId, CancellationToken cancellationToken)
    {
        var campaign = await campaigns.GetAsync(campaignId, cancellationToken).ConfigureAwait(false);
        if (campaign is not { State: CampaignState.Completed, CompletionQueued: false })
        {
            return;
        }

        var now = timeProvider.GetUtcNow();
        var matching = (await subscriptions.ListAsync(HookEvents.CampaignCompleted, cancellationToken).ConfigureAwait(false))
            .Where(s => s.ModelId is null || string.Equals(s.ModelId, campaign.ModelId, StringComparison.Ordinal))
            .ToList();
        foreach (var subscription in matching)
        {
            var delivery = new DeliveryMessage
            {
                CallId = campaign.Id,
                Status = DeliveryStatus,
                CampaignId = campaign.Id,
                SubscriptionId = subscription.Id,
                FirstQueuedAt = now,
            };
            await queues.EnqueueDeliveryAsync(delivery, TimeSpan.Zero, cancellationToken).ConfigureAwait(false);
        }

        for (var race = 0; race < MaxRaces && campaign is { CompletionQueued: false }; race++)
        {
            if (await campaigns.TryUpdateAsync(campaign with { CompletionQueued = true }, cancellationToken).ConfigureAwait(false))
            {
                break;
            }

            campaign = await campaigns.GetAsync(campaignId, cancellationToken).ConfigureAwait(false);
        }

        LogQueued(logger, campaignId, matching.Count);
    }

    /// <summary>The delivery body of a <c>campaign-completed</c> event (UTF-8 JSON); null when the campaign is gone.</summary>
    public async Task<byte[]?> BuildEventAsync(string campaignId, CancellationToken cancellationToken)
    {
        var campaign = await campaigns.GetAsync(campaignId, cancellationToken).ConfigureAwait(false);
        if (campaign is null)
        {
            return null;
        }

        var counts = await campaigns.CountAsync(campaignId, cancellationToken).ConfigureAwait(false);
        var body = new CampaignCompletedEvent
        {
            CampaignId = campaign.Id,
            Name = campaign.Name,
            ModelId = campaign.ModelId,
            State = campaign.State.ToName(),
            CreatedAt = campaign.CreatedAt,
            StartAt = campaign.StartAt,
            CompletedAt = campaign.CompletedAt,
            Counts = CampaignCountsView.From(counts),
        };
        return JsonSerializer.SerializeToUtf8Bytes(body, CampaignJson.Context.CampaignCompletedEvent);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Campaign {CampaignId} completed ({Recipients} recipients)")]
    private static partial void LogCompleted(ILogger logger, string campaignId, int recipients);

    [LoggerMessage(Level = LogLevel.Information, Message = "Campaign {CampaignId}: {Deliveries} campaign-completed deliveries queued")]
    private static partial void LogQueued(ILogger logger, string campaignId, int deliveries);
}

/// <summary>What the "When a campaign completes" trigger delivers (camelCase; every state and outcome seen has a count).</summary>
public sealed record CampaignCompletedEvent
{
    public required string CampaignId { get; init; }
    public required string Name { get; init; }
    public required string ModelId { get; init; }

    /// <summary><c>completed</c>.</summary>
    public required string State { get; init; }

    public required DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset? StartAt { get; init; }
    public DateTimeOffset? CompletedAt { get; init; }
    public required CampaignCountsView Counts { get; init; }
}

/// <summary>Counts as the API writes them: by state name (every state, zeros included) and by the last call status.</summary>
public sealed record CampaignCountsView(int Total, IReadOnlyDictionary<string, int> ByState, IReadOnlyDictionary<string, int> ByOutcome)
{
    public static CampaignCountsView From(CampaignCounts counts)
    {
        ArgumentNullException.ThrowIfNull(counts);
        var byState = Enum.GetValues<RecipientState>().ToDictionary(s => s.ToName(), s => counts.ByState.GetValueOrDefault(s), StringComparer.Ordinal);
        return new CampaignCountsView(counts.Total, byState, new SortedDictionary<string, int>(counts.ByOutcome.ToDictionary(), StringComparer.Ordinal));
    }
}

/// <summary>The campaigns' JSON: camelCase, nulls written, relaxed escaping (as <see cref="HookJson"/>).</summary>
public static class CampaignJson
{
    public static CampaignJsonContext Context { get; } = new(new JsonSerializerOptions(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    });
}

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(CampaignCompletedEvent))]
[JsonSerializable(typeof(CampaignCountsView))]
public sealed partial class CampaignJsonContext : JsonSerializerContext;
