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

/// <summary>Which of the values a caller hands a store the store refused.</summary>
public enum RejectedValue
{
    /// <summary>An agent's model id.</summary>
    AgentId,

    /// <summary>A recipient's phone number.</summary>
    Recipient,

    /// <summary>A version tag the caller read earlier (what a conditional write names).</summary>
    Version,
}

/// <summary>
/// Storage refused a value that came from the caller (a malformed version tag, a key it cannot hold): the request is at
/// fault, not storage. The store names the value in domain terms; the API knows which request field carried it.
/// </summary>
public sealed class StoreRejectedException : Exception
{
    public StoreRejectedException(RejectedValue value, string message, Exception? innerException = null)
        : base(message, innerException) => Value = value;

    public StoreRejectedException()
    {
    }

    public StoreRejectedException(string message)
        : base(message)
    {
    }

    public StoreRejectedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public RejectedValue Value { get; }
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
