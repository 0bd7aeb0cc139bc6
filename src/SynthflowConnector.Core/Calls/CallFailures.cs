namespace SynthflowConnector.Calls;

/// <summary>Why a call was not placed (or its result cannot be given yet). The API maps each kind to its HTTP answer.</summary>
public enum CallFailureKind
{
    /// <summary>The Idempotency-Key was used for a different request.</summary>
    IdempotencyKeyReused,

    /// <summary>An earlier request with this key is still being carried out.</summary>
    IdempotencyKeyInFlight,

    /// <summary>Concurrent requests with this key kept racing for it.</summary>
    IdempotencyKeyContended,

    /// <summary>An earlier attempt may have placed the call and Synthflow cannot be asked now: nothing new was placed.</summary>
    OutcomeUnknown,

    /// <summary>The explicit caller ID is not attached to the agent.</summary>
    FromNumberNotAttached,

    /// <summary>A strategy needs attached numbers and the agent has none.</summary>
    NoNumbersAttached,

    /// <summary>The account's pacing (calls per second, concurrent calls) had no slot within <c>Synthflow__PacingMaxWait</c>: nothing was placed; retry after <see cref="CallFailure.RetryAfter"/>.</summary>
    PacingUnavailable,
}

/// <summary>A call that was not placed: what went wrong, the request field at fault (if any), and when to retry.</summary>
public sealed record CallFailure(CallFailureKind Kind, string Message, string? Field = null, TimeSpan? RetryAfter = null);

/// <summary>What the make-a-call action answers: the placed (or replayed) call, or why there is none.</summary>
public sealed record MakeCallOutcome(MakeCallResponse? Response, CallFailure? Failure);

/// <summary>Thrown when the caller ID cannot be chosen as asked; nothing has been sent to Synthflow.</summary>
public sealed class CallerIdException : Exception
{
    public CallerIdException(CallFailureKind kind, string field, string message)
        : base(message) => (Kind, Field) = (kind, field);

    public CallerIdException()
    {
        Field = string.Empty;
    }

    public CallerIdException(string message)
        : base(message) => Field = string.Empty;

    public CallerIdException(string message, Exception innerException)
        : base(message, innerException) => Field = string.Empty;

    public CallFailureKind Kind { get; }

    public string Field { get; }
}
