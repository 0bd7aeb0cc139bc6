using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace SynthflowConnector.Campaigns;

/// <summary>
/// Places the due attempts of running campaigns at the account's pace. Safe to run on several instances at once: each
/// attempt is claimed on its recipient (ETag) and placed through make-a-call's idempotency ledger with the key
/// <c>campaign-{id}-{index}-{attempt}</c>, so a dispatcher killed at any point and run again never dials anyone twice.
/// One run: start scheduled campaigns whose time has come, then take the due recipients of every running campaign in
/// rounds (a batch of each in turn, <c>Campaigns__MaxParallelDials</c> dials at once) until nothing is due, the budget
/// is spent, or the pacer says the account is full; then complete the campaigns with nothing left to do.
/// </summary>
public sealed partial class CampaignDispatcher
{
    /// <summary>How long after a completion its deliveries must have been queued before another run queues them (the completing run may still be at it).</summary>
    private static readonly TimeSpan CompletionRepairAfter = TimeSpan.FromMinutes(1);

    private readonly ICampaignStore _campaigns;
    private readonly CampaignCompletion _completion;
    private readonly CampaignDialer _dialer;
    private readonly IOptions<CampaignsOptions> _options;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger<CampaignDispatcher> _logger;

    public CampaignDispatcher(
        ICampaignStore campaigns,
        ISuppressionStore suppressions,
        Calls.CallService calls,
        CampaignCompletion completion,
        IOptions<CampaignsOptions> options,
        TimeProvider timeProvider,
        ILogger<CampaignDispatcher> logger,
        Hooks.IPlacedCallStore? placedCalls = null)
    {
        _campaigns = campaigns;
        _completion = completion;
        _options = options;
        _timeProvider = timeProvider;
        _logger = logger;
        _dialer = new CampaignDialer(campaigns, suppressions, calls, options, timeProvider, logger, placedCalls);
    }

    /// <summary>Dispatches until nothing is due or <paramref name="budget"/> has passed (no new dial starts after it).</summary>
    public async Task<DispatchSummary> RunAsync(TimeSpan budget, CancellationToken cancellationToken)
    {
        var deadline = _timeProvider.GetUtcNow() + budget;
        var tally = new DispatchTally();
        var running = await StartAndListAsync(cancellationToken).ConfigureAwait(false);
        var handled = running.ToDictionary(id => id, _ => new HashSet<int>(), StringComparer.Ordinal);
        var idle = new HashSet<string>(StringComparer.Ordinal);
        var active = running.ToList();
        while (active.Count > 0 && !tally.Throttled && _timeProvider.GetUtcNow() < deadline)
        {
            foreach (var campaignId in active.ToList())
            {
                if (tally.Throttled || _timeProvider.GetUtcNow() >= deadline)
                {
                    break;
                }

                var worked = await DispatchBatchAsync(campaignId, handled[campaignId], deadline, tally, cancellationToken).ConfigureAwait(false);
                if (!worked)
                {
                    active.Remove(campaignId);
                    idle.Add(campaignId);
                }
            }
        }

        foreach (var campaignId in idle)
        {
            await _completion.TryCompleteAsync(campaignId, cancellationToken).ConfigureAwait(false);
        }

        var summary = new DispatchSummary(running.Count, tally.Placed, tally.Skipped, tally.Throttled ? 1 : 0);
        LogRun(_logger, summary.CampaignsSeen, summary.CallsPlaced, summary.Skipped, tally.Throttled);
        return summary;
    }

    /// <summary>Starts the scheduled campaigns whose time has come, repairs lost completion deliveries; the running campaigns' ids.</summary>
    private async Task<List<string>> StartAndListAsync(CancellationToken cancellationToken)
    {
        var now = _timeProvider.GetUtcNow();
        var running = new List<string>();
        foreach (var campaign in await _campaigns.ListAsync(cancellationToken).ConfigureAwait(false))
        {
            switch (campaign)
            {
                case { State: CampaignState.Completed, CompletionQueued: false } when campaign.CompletedAt < now - CompletionRepairAfter:
                    await _completion.QueueDeliveriesAsync(campaign.Id, cancellationToken).ConfigureAwait(false);
                    break;
                case { State: CampaignState.Scheduled } when campaign.StartAt is null || campaign.StartAt <= now:
                    if (await _campaigns.TryUpdateAsync(campaign with { State = CampaignState.Running }, cancellationToken).ConfigureAwait(false))
                    {
                        LogStarted(_logger, campaign.Id);
                    }

                    // Lost the race to another dispatcher (or a pause): the next run sees what won.
                    running.Add(campaign.Id);
                    break;
                case { State: CampaignState.Running }:
                    running.Add(campaign.Id);
                    break;
            }
        }

        return running;
    }

    /// <summary>One batch of a campaign's due recipients; false when it had none new (or stopped being running).</summary>
    private async Task<bool> DispatchBatchAsync(string campaignId, HashSet<int> handled, DateTimeOffset deadline, DispatchTally tally, CancellationToken cancellationToken)
    {
        var options = _options.Value;
        var due = await _campaigns.ListDueAsync(campaignId, _timeProvider.GetUtcNow(), options.DispatchBatchSize, cancellationToken).ConfigureAwait(false);
        List<CampaignRecipient> fresh;
        lock (handled)
        {
            fresh = due.Where(r => handled.Add(r.Index)).ToList();
        }

        if (fresh.Count == 0)
        {
            return false;
        }

        var stopped = false;
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = options.MaxParallelDials, CancellationToken = cancellationToken };
        await Parallel.ForEachAsync(fresh, parallel, async (recipient, token) =>
        {
            if (stopped || tally.Throttled || _timeProvider.GetUtcNow() >= deadline)
            {
                lock (handled)
                {
                    handled.Remove(recipient.Index); // Not looked at: still due next time.
                }

                return;
            }

            var step = await _dialer.HandleAsync(campaignId, recipient, token).ConfigureAwait(false);
            stopped |= step == DialStep.Stopped;
            tally.Count(step);
        }).ConfigureAwait(false);
        return !stopped;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Campaign {CampaignId} started")]
    private static partial void LogStarted(ILogger logger, string campaignId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Dispatch run: {Campaigns} running campaigns, {Placed} calls placed, {Skipped} recipients skipped, throttled: {Throttled}")]
    private static partial void LogRun(ILogger logger, int campaigns, int placed, int skipped, bool throttled);
}

/// <summary>What one recipient's turn came to.</summary>
internal enum DialStep
{
    /// <summary>Nothing to do (another dispatcher took it, or it was not due any more).</summary>
    None,
    Placed,
    Skipped,

    /// <summary>Not now: outside its hours, an attempt in flight elsewhere, or Synthflow refused for a while.</summary>
    Deferred,

    /// <summary>The account is full (pacer or Synthflow 429): stop this run.</summary>
    Throttled,

    /// <summary>The campaign is not running any more: stop dispatching it.</summary>
    Stopped,
}

internal sealed class DispatchTally
{
    private int _placed;
    private int _skipped;
    private volatile bool _throttled;

    public int Placed => _placed;

    public int Skipped => _skipped;

    public bool Throttled => _throttled;

    public void Count(DialStep step)
    {
        switch (step)
        {
            case DialStep.Placed:
                Interlocked.Increment(ref _placed);
                break;
            case DialStep.Skipped:
                Interlocked.Increment(ref _skipped);
                break;
            case DialStep.Throttled:
                _throttled = true;
                break;
        }
    }
}
