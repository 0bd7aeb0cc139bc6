using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace SynthflowConnector.Campaigns;

/// <summary>
/// Places the due attempts of running campaigns at the account's pace. Safe to run on several instances at once: each
/// attempt is claimed on its recipient (ETag) and placed through make-a-call's idempotency ledger with the key
/// <c>campaign-{id}-{index}-{attempt}</c>, so a dispatcher killed at any point and run again never dials anyone twice.
/// One run: start scheduled campaigns whose time has come; then one producer reads the due recipients of every running
/// campaign a batch at a time (each campaign in turn) and hands them through a small buffer to
/// <c>Campaigns__MaxParallelDials</c> workers, until nothing is due, the budget is spent, or the pacer says the account
/// is full; then complete the campaigns with nothing left to do. The pacer spaces the workers' starts.
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

    /// <summary>
    /// Dispatches until nothing is due or <paramref name="budget"/> has passed (no new dial starts after it). With
    /// <paramref name="relistEvery"/>, a long run (the Host's) looks for newly started, resumed and finished campaigns that
    /// often, so it can go on for as long as there is work without a pause between runs.
    /// </summary>
    public async Task<DispatchSummary> RunAsync(TimeSpan budget, CancellationToken cancellationToken, TimeSpan? relistEvery = null)
    {
        var deadline = _timeProvider.GetUtcNow() + budget;
        var run = new DispatchRun(deadline, _timeProvider);
        var running = await StartAndListAsync(cancellationToken).ConfigureAwait(false);
        var seen = new HashSet<string>(running, StringComparer.Ordinal);
        var active = running.ToList();
        var idle = new HashSet<string>(StringComparer.Ordinal);
        var nextList = relistEvery is { } every ? _timeProvider.GetUtcNow() + every : DateTimeOffset.MaxValue;

        // One producer reads due recipients a batch at a time and hands them to MaxParallelDials workers through a small
        // buffer: the workers never wait for a batch to finish, so starts keep the pacer's rhythm across batches.
        var parallel = _options.Value.MaxParallelDials;
        var channel = Channel.CreateBounded<(string CampaignId, CampaignRecipient Recipient)>(
            new BoundedChannelOptions(parallel) { SingleWriter = true, FullMode = BoundedChannelFullMode.Wait });
        var workers = Enumerable.Range(0, parallel).Select(_ => WorkAsync(channel, run, cancellationToken)).ToList();
        try
        {
            while (run.IsOpen && (active.Count > 0 || _timeProvider.GetUtcNow() >= nextList))
            {
                if (_timeProvider.GetUtcNow() >= nextList)
                {
                    nextList = _timeProvider.GetUtcNow() + relistEvery!.Value;
                    foreach (var campaignId in await StartAndListAsync(cancellationToken).ConfigureAwait(false))
                    {
                        if (seen.Add(campaignId) || idle.Remove(campaignId))
                        {
                            active.Add(campaignId);
                        }
                    }

                    await CompleteAsync(idle, cancellationToken).ConfigureAwait(false);
                    if (active.Count == 0)
                    {
                        break;
                    }
                }

                foreach (var campaignId in active.ToList())
                {
                    if (!run.IsOpen)
                    {
                        break;
                    }

                    if (!await ProduceAsync(campaignId, run, channel.Writer, cancellationToken).ConfigureAwait(false))
                    {
                        active.Remove(campaignId);
                        idle.Add(campaignId);
                    }
                }
            }
        }
        finally
        {
            channel.Writer.TryComplete();
            await Task.WhenAll(workers).ConfigureAwait(false);
        }

        // Still due work when the budget ran out (not throttled): the Host starts the next run at once.
        var moreDue = (active.Count > 0 || run.Unstarted > 0) && !run.Tally.Throttled;
        await CompleteAsync(idle, cancellationToken).ConfigureAwait(false);

        var tally = run.Tally;
        var summary = new DispatchSummary(seen.Count, tally.Placed, tally.Skipped, tally.Throttled ? 1 : 0, moreDue);
        LogRun(_logger, summary.CampaignsSeen, summary.CallsPlaced, summary.Skipped, tally.Throttled);
        return summary;
    }

    /// <summary>Completes the campaigns that had nothing left to dial (those with calls still live stay running).</summary>
    private async Task CompleteAsync(HashSet<string> idle, CancellationToken cancellationToken)
    {
        foreach (var campaignId in idle)
        {
            await _completion.TryCompleteAsync(campaignId, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Hands one batch of a campaign's due recipients to the workers; false when it had none new (or stopped being running).</summary>
    private async Task<bool> ProduceAsync(string campaignId, DispatchRun run, ChannelWriter<(string, CampaignRecipient)> writer, CancellationToken cancellationToken)
    {
        if (run.IsStopped(campaignId))
        {
            return false;
        }

        // Recipients handed out but not dialled yet are still due: read past them, so the batch holds new ones.
        var due = await _campaigns.ListDueAsync(campaignId, _timeProvider.GetUtcNow(), _options.Value.DispatchBatchSize + run.Outstanding, cancellationToken).ConfigureAwait(false);
        var fresh = run.TakeFresh(campaignId, due);
        if (fresh.Count == 0)
        {
            return false;
        }

        foreach (var recipient in fresh)
        {
            if (!run.IsOpen || run.IsStopped(campaignId))
            {
                run.GiveBack(campaignId, recipient);
                continue;
            }

            run.HandOut();
            await writer.WriteAsync((campaignId, recipient), cancellationToken).ConfigureAwait(false);
        }

        return !run.IsStopped(campaignId);
    }

    /// <summary>One worker: dials what the producer hands over while the run is open; gives back what it did not look at.</summary>
    private async Task WorkAsync(Channel<(string CampaignId, CampaignRecipient Recipient)> channel, DispatchRun run, CancellationToken cancellationToken)
    {
        try
        {
            await WorkOnAsync(channel.Reader, run, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            // A failed dial (storage down, say) fails the run, as before: the producer stops at its next hand-over, the
            // other workers give back what is left, and the run's caller sees this exception.
            channel.Writer.TryComplete();
            throw;
        }
    }

    private async Task WorkOnAsync(ChannelReader<(string CampaignId, CampaignRecipient Recipient)> reader, DispatchRun run, CancellationToken cancellationToken)
    {
        await foreach (var (campaignId, recipient) in reader.ReadAllAsync(CancellationToken.None).ConfigureAwait(false))
        {
            try
            {
                if (!run.IsOpen || run.IsStopped(campaignId) || cancellationToken.IsCancellationRequested)
                {
                    run.GiveBack(campaignId, recipient); // Not looked at: still due next time.
                    continue;
                }

                var step = await _dialer.HandleAsync(campaignId, recipient, cancellationToken).ConfigureAwait(false);
                if (step == DialStep.Stopped)
                {
                    run.Stop(campaignId);
                }

                run.Tally.Count(step);
            }
            finally
            {
                run.Done();
            }
        }
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

    [LoggerMessage(Level = LogLevel.Information, Message = "Campaign {CampaignId} started")]
    private static partial void LogStarted(ILogger logger, string campaignId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Dispatch run: {Campaigns} running campaigns, {Placed} calls placed, {Skipped} recipients skipped, throttled: {Throttled}")]
    private static partial void LogRun(ILogger logger, int campaigns, int placed, int skipped, bool throttled);
}
