namespace SynthflowConnector.Calls;

/// <summary>Chooses the caller ID from the agent's attached numbers; cursor and sticky state live in <see cref="ICallerIdStore"/>.</summary>
public sealed class CallerIdService(ICallerIdStore store)
{

    public async Task<CallerIdChoice> ChooseAsync(
        string modelId,
        IReadOnlyList<string> attached,
        string recipient,
        string? explicitFrom,
        CallerIdStrategy strategy,
        CancellationToken cancellationToken)
    {
        var pool = CallerIdSelector.Order(attached);
        if (explicitFrom is not null)
        {
            return pool.Contains(explicitFrom, StringComparer.Ordinal)
                ? new CallerIdChoice(explicitFrom, strategy, "The requested fromPhoneNumber is attached to the agent.")
                : throw new CallerIdException(CallFailureKind.FromNumberNotAttached, "fromPhoneNumber", $"fromPhoneNumber {explicitFrom} is not attached to agent {modelId}; attach it first or leave fromPhoneNumber empty.");
        }

        if (strategy == CallerIdStrategy.SynthflowDefault)
        {
            return new CallerIdChoice(null, strategy, "Synthflow chose the caller ID by its own default.");
        }

        if (pool.Count == 0)
        {
            throw new CallerIdException(CallFailureKind.NoNumbersAttached, "callerIdStrategy", $"Agent {modelId} has no attached phone numbers, so '{strategy.ToName()}' has nothing to choose from. Attach numbers first, or use 'synthflow-default'.");
        }

        switch (strategy)
        {
            case CallerIdStrategy.RoundRobin:
                return CallerIdSelector.RoundRobin(pool, await store.TakeNextPositionAsync(modelId, cancellationToken).ConfigureAwait(false), strategy);
            case CallerIdStrategy.LocalPresence:
                var needsCursor = pool.Count > 1;
                var cursor = needsCursor ? await store.TakeNextPositionAsync(modelId, cancellationToken).ConfigureAwait(false) : 0;
                return CallerIdSelector.LocalPresence(pool, recipient, cursor)
                    ?? CallerIdSelector.RoundRobin(pool, cursor, strategy, "Local presence: no attached number shares the recipient's area or country code. ");
            case CallerIdStrategy.Sticky:
                return await StickyAsync(modelId, pool, recipient, cancellationToken).ConfigureAwait(false);
            default:
                throw new ArgumentOutOfRangeException(nameof(strategy));
        }
    }

    private async Task<CallerIdChoice> StickyAsync(string modelId, IReadOnlyList<string> pool, string recipient, CancellationToken cancellationToken)
    {
        var remembered = await store.GetStickyAsync(modelId, recipient, cancellationToken).ConfigureAwait(false);
        if (remembered is not null && pool.Contains(remembered, StringComparer.Ordinal))
        {
            return new CallerIdChoice(remembered, CallerIdStrategy.Sticky, "Sticky: the number this recipient was called from before, still attached.");
        }

        var choice = CallerIdSelector.RoundRobin(
            pool,
            await store.TakeNextPositionAsync(modelId, cancellationToken).ConfigureAwait(false),
            CallerIdStrategy.Sticky,
            remembered is not null ? "Sticky: the earlier number is no longer attached; " : "Sticky: first call to this recipient; ");
        await store.SetStickyAsync(modelId, recipient, choice.FromPhoneNumber!, cancellationToken).ConfigureAwait(false);
        return choice;
    }
}
