namespace SynthflowConnector.Pools;

/// <summary>How a conditional delete of a pool went.</summary>
public enum PoolDeleteResult
{
    Deleted,
    NotFound,
    PreconditionFailed,
}

/// <summary>
/// The pools: desired state and last status per agent. Desired-state writes are conditional on ETags (no lost
/// updates); status writes never touch the desired row, so the reconciler and a user editing the pool never conflict.
/// </summary>
public interface IPoolStore
{
    Task<PoolRecord?> GetAsync(string modelId, CancellationToken cancellationToken);

    Task<DesiredPool?> GetDesiredAsync(string modelId, CancellationToken cancellationToken);

    /// <summary>Every pool with its status, ordered by model id, read lazily page by page.</summary>
    IAsyncEnumerable<PoolRecord> ListAsync(CancellationToken cancellationToken);

    /// <summary>Writes the desired state; null when <paramref name="condition"/> does not hold (HTTP 412).</summary>
    /// <returns>The stored pool with its new version.</returns>
    Task<DesiredPool?> SetDesiredAsync(DesiredPool pool, PoolWriteCondition condition, CancellationToken cancellationToken);

    /// <summary>Stops managing the agent: removes both rows. <paramref name="ifMatch"/> null deletes any version.</summary>
    Task<PoolDeleteResult> DeleteAsync(string modelId, string? ifMatch, CancellationToken cancellationToken);

    /// <summary>
    /// Records a reconcile's status. <paramref name="update"/> gets the stored status (or null) and returns the new one;
    /// it may be called again when another writer got there first, so counters such as consecutive failures stay right
    /// when two runs overlap.
    /// </summary>
    Task<PoolStatus> RecordStatusAsync(string modelId, Func<PoolStatus?, PoolStatus> update, CancellationToken cancellationToken);
}
