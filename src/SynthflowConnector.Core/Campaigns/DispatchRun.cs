namespace SynthflowConnector.Campaigns;

/// <summary>One run's shared state: its deadline, what it has handed out, the campaigns that stopped, the tally.</summary>
internal sealed class DispatchRun(DateTimeOffset deadline, TimeProvider timeProvider)
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, HashSet<int>> _handled = new(StringComparer.Ordinal);
    private readonly HashSet<string> _stopped = new(StringComparer.Ordinal);
    private int _unstarted;
    private int _outstanding;

    public DispatchTally Tally { get; } = new();

    /// <summary>New dials may start: the budget is not spent and the account did not push back.</summary>
    public bool IsOpen => !Tally.Throttled && timeProvider.GetUtcNow() < deadline;

    /// <summary>Recipients handed to the workers and not finished yet (buffered or being dialled).</summary>
    public int Outstanding => Volatile.Read(ref _outstanding);

    public void HandOut() => Interlocked.Increment(ref _outstanding);

    public void Done() => Interlocked.Decrement(ref _outstanding);

    /// <summary>Recipients handed out but given back unlooked-at (the run closed first).</summary>
    public int Unstarted => Volatile.Read(ref _unstarted);

    /// <summary>The recipients of <paramref name="due"/> not handed out before in this run (now marked handed out).</summary>
    public List<CampaignRecipient> TakeFresh(string campaignId, IReadOnlyList<CampaignRecipient> due)
    {
        lock (_gate)
        {
            if (!_handled.TryGetValue(campaignId, out var handled))
            {
                _handled[campaignId] = handled = [];
            }

            return due.Where(r => handled.Add(r.Index)).ToList();
        }
    }

    public void GiveBack(string campaignId, CampaignRecipient recipient)
    {
        lock (_gate)
        {
            _handled[campaignId].Remove(recipient.Index);
        }

        Interlocked.Increment(ref _unstarted);
    }

    public void Stop(string campaignId)
    {
        lock (_gate)
        {
            _stopped.Add(campaignId);
        }
    }

    public bool IsStopped(string campaignId)
    {
        lock (_gate)
        {
            return _stopped.Contains(campaignId);
        }
    }
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

    /// <summary>The pacer cannot give a slot within its wait (the account is full): stop this run.</summary>
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
