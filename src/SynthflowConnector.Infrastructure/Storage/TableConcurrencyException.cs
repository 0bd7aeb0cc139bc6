using Azure;

namespace SynthflowConnector.Storage;

/// <summary>
/// An optimistic-concurrency conflict: a write whose <c>If-Match</c> ETag is stale (412,
/// <c>UpdateConditionNotSatisfied</c>) or an add of an entity that already exists (409, <c>EntityAlreadyExists</c>).
/// Callers typically re-read and retry; it is still a <see cref="RequestFailedException"/> with
/// <see cref="RequestFailedException.Status"/> and <see cref="RequestFailedException.ErrorCode"/> set.
/// </summary>
public sealed class TableConcurrencyException : RequestFailedException
{
    /// <summary>Creates the exception from the failed response (status, error code and message come from it).</summary>
    public TableConcurrencyException(Response response)
        : base(response, innerException: null, TableErrorParser.Instance)
    {
    }
}
