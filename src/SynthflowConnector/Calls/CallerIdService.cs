using Azure;
using Microsoft.Extensions.Options;
using SynthflowConnector.Storage;

namespace SynthflowConnector.Calls;

/// <summary>Thrown when the caller ID cannot be chosen as asked; nothing has been sent to Synthflow.</summary>
public sealed class CallerIdException(int status, string field, string message) : Exception(message)
{
    public int Status { get; } = status;
    public string Field { get; } = field;
}

/// <summary>Chooses the caller ID from the agent's attached numbers, keeping cursor and sticky state in table storage.</summary>
public sealed class CallerIdService(ConnectorTables tables, IOptions<CallsOptions> options, CallerIdCursorCache cursors)
{
    private const string CursorPartition = "cursor";
    private const int MaxConflictRetries = 50;

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
                : throw new CallerIdException(422, "fromPhoneNumber", $"fromPhoneNumber {explicitFrom} is not attached to agent {modelId}; attach it first or leave fromPhoneNumber empty.");
        }

        if (strategy == CallerIdStrategy.SynthflowDefault)
        {
            return new CallerIdChoice(null, strategy, "Synthflow chose the caller ID by its own default.");
        }

        if (pool.Count == 0)
        {
            throw new CallerIdException(409, "callerIdStrategy", $"Agent {modelId} has no attached phone numbers, so '{strategy.ToName()}' has nothing to choose from. Attach numbers first, or use 'synthflow-default'.");
        }

        switch (strategy)
        {
            case CallerIdStrategy.RoundRobin:
                return CallerIdSelector.RoundRobin(pool, await NextAsync(modelId, cancellationToken).ConfigureAwait(false), strategy);
            case CallerIdStrategy.LocalPresence:
                var needsCursor = pool.Count > 1;
                var cursor = needsCursor ? await NextAsync(modelId, cancellationToken).ConfigureAwait(false) : 0;
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
        var table = await tables.GetAsync(options.Value.TableName, cancellationToken).ConfigureAwait(false);
        var partition = "sticky-" + modelId;
        var remembered = await table.GetEntityIfExistsAsync<StickyCallerIdEntity>(partition, recipient, cancellationToken: cancellationToken).ConfigureAwait(false);
        if (remembered.HasValue && pool.Contains(remembered.Value!.FromPhoneNumber, StringComparer.Ordinal))
        {
            return new CallerIdChoice(remembered.Value.FromPhoneNumber, CallerIdStrategy.Sticky, "Sticky: the number this recipient was called from before, still attached.");
        }

        var choice = CallerIdSelector.RoundRobin(
            pool,
            await NextAsync(modelId, cancellationToken).ConfigureAwait(false),
            CallerIdStrategy.Sticky,
            remembered.HasValue ? "Sticky: the earlier number is no longer attached; " : "Sticky: first call to this recipient; ");
        await table.UpsertEntityAsync(
            new StickyCallerIdEntity { PartitionKey = partition, RowKey = recipient, FromPhoneNumber = choice.FromPhoneNumber! },
            TableUpdateMode.Replace,
            cancellationToken).ConfigureAwait(false);
        return choice;
    }

    /// <summary>
    /// Takes the agent's next cursor position; optimistic concurrency (ETags) makes concurrent calls take distinct positions.
    /// When this process wrote the cursor last, the update goes straight to the version it wrote (no read first: one
    /// table round trip instead of two); a 412 means someone else moved it, and the read-then-update loop takes over.
    /// </summary>
    internal async Task<long> NextAsync(string modelId, CancellationToken cancellationToken)
    {
        var table = await tables.GetAsync(options.Value.TableName, cancellationToken).ConfigureAwait(false);
        if (cursors.TryTake(table.Name, modelId, out var known, out var knownETag))
        {
            try
            {
                var entity = new CallerIdCursorEntity { PartitionKey = CursorPartition, RowKey = modelId, Position = known + 1 };
                var updated = await table.UpdateEntityAsync(entity, knownETag, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
                cursors.Remember(table.Name, modelId, known + 1, updated.Headers.ETag);
                return known;
            }
            catch (TableConcurrencyException)
            {
                cursors.MarkContended(table.Name, modelId);
            }
            catch (RequestFailedException exception) when (exception.Status == 404)
            {
                // The cursor row is gone (deleted by hand): the loop below starts it again.
            }
        }

        for (var attempt = 0; attempt < MaxConflictRetries; attempt++)
        {
            var current = await table.GetEntityIfExistsAsync<CallerIdCursorEntity>(CursorPartition, modelId, cancellationToken: cancellationToken).ConfigureAwait(false);
            try
            {
                if (!current.HasValue)
                {
                    var added = await table.AddEntityAsync(new CallerIdCursorEntity { PartitionKey = CursorPartition, RowKey = modelId, Position = 1 }, cancellationToken).ConfigureAwait(false);
                    cursors.Remember(table.Name, modelId, 1, added.Headers.ETag);
                    return 0;
                }

                var entity = current.Value!;
                var position = entity.Position;
                entity.Position = position + 1;
                var updated = await table.UpdateEntityAsync(entity, entity.ETag, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
                cursors.Remember(table.Name, modelId, position + 1, updated.Headers.ETag);
                return position;
            }
            catch (TableConcurrencyException)
            {
                // Another call took this position: read again.
            }
        }

        throw new RequestFailedException(409, "The round-robin cursor stayed contended; try again.");
    }
}
