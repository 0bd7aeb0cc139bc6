namespace SynthflowConnector;

/// <summary>
/// Storage could not do its part for a reason that is not the request's (unreachable, throttled, failing). The stores
/// raise it in place of their SDK's exceptions, so neither the core nor the API ever sees a storage SDK type.
/// </summary>
public sealed class StoreUnavailableException : Exception
{
    public StoreUnavailableException(string message, int? status = null, Exception? innerException = null)
        : base(message, innerException) => Status = status;

    public StoreUnavailableException()
    {
    }

    public StoreUnavailableException(string message)
        : base(message)
    {
    }

    public StoreUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>The storage service's HTTP status, when it answered at all.</summary>
    public int? Status { get; }
}

/// <summary>
/// Storage refused a value that came from the request (a malformed version tag, a key it cannot hold): the request is at
/// fault, not storage, so the answer is a 4xx naming <see cref="Field"/>.
/// </summary>
public sealed class StoreRejectedException : Exception
{
    public StoreRejectedException(string field, string message, Exception? innerException = null)
        : base(message, innerException) => Field = field;

    public StoreRejectedException()
    {
        Field = string.Empty;
    }

    public StoreRejectedException(string message)
        : base(message) => Field = string.Empty;

    public StoreRejectedException(string message, Exception innerException)
        : base(message, innerException) => Field = string.Empty;

    /// <summary>The request field or header the value came from.</summary>
    public string Field { get; }
}

/// <summary>Optimistic concurrency kept losing to other writers; nothing was changed and a retry shortly should succeed.</summary>
public sealed class StoreContentionException : Exception
{
    public StoreContentionException()
    {
    }

    public StoreContentionException(string message)
        : base(message)
    {
    }

    public StoreContentionException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
