using System.Net;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using SynthflowConnector.Calls;
using SynthflowConnector.Synthflow;

namespace SynthflowConnector.Http;

/// <summary>Maps every failure below the HTTP surface to its problem+json answer; shared by all endpoint classes.</summary>
public static partial class EndpointErrors
{
    /// <param name="placingCall">The action places a call: a lost answer means its outcome is unknown.</param>
    /// <param name="idempotent">The call request carried an Idempotency-Key, so a retry is safe.</param>
    public static async Task<IResult> RunAsync(Func<Task<IResult>> action, ILogger logger, bool placingCall = false, bool idempotent = false)
    {
        ArgumentNullException.ThrowIfNull(action);
        try
        {
            return await action().ConfigureAwait(false);
        }
        catch (SynthflowApiException exception)
        {
            return FromSynthflow(exception, placingCall);
        }
        catch (SynthflowTransportException exception)
        {
            var detail = (placingCall, idempotent) switch
            {
                (true, true) => "Synthflow's answer was lost, so the call may or may not have been placed. Retry with the same Idempotency-Key: the retry looks the call up before it dials.",
                (true, false) => "Synthflow's answer was lost, so the call may or may not have been placed. A plain retry could dial twice: send an Idempotency-Key to make retries safe.",
                _ => exception.Message,
            };
            return exception.IsTimeout
                ? Problems.Create(504, "upstream-timeout", "Synthflow did not answer in time.", detail)
                : Problems.Create(502, "upstream-unavailable", "Synthflow could not be reached.", detail);
        }
        catch (SynthflowConfigurationException exception)
        {
            return Problems.Create(500, "configuration", "The connector is missing a setting.", exception.Message);
        }
        catch (StoreRejectedException exception)
        {
            return Problems.Field(RequestField(exception.Value), exception.Message);
        }
        catch (StoreContentionException exception)
        {
            return Problems.Create(409, "conflict", "The request conflicts with concurrent requests.", exception.Message + " Nothing was placed or changed.", retryAfter: TimeSpan.FromSeconds(1));
        }
        catch (StoreUnavailableException exception)
        {
            LogStorageFailure(logger, exception.Message);
            return Problems.Create(503, "storage-unavailable", "Table storage is not available.", "The connector's table storage did not answer; nothing was placed or changed. Retry shortly.", retryAfter: TimeSpan.FromSeconds(5));
        }
    }

    /// <summary>The request field or header that carries each value a store can refuse.</summary>
    private static string RequestField(RejectedValue value) => value switch
    {
        RejectedValue.AgentId => "modelId",
        RejectedValue.Recipient => "phone",
        RejectedValue.Version => "If-Match",
        _ => throw new ArgumentOutOfRangeException(nameof(value)),
    };

    /// <summary>Why a call was not placed, as its HTTP answer.</summary>
    public static ProblemResult FromCallFailure(CallFailure failure)
    {
        ArgumentNullException.ThrowIfNull(failure);
        return failure.Kind switch
        {
            CallFailureKind.IdempotencyKeyReused => Problems.Field(failure.Field ?? "Idempotency-Key", failure.Message, StatusCodes.Status422UnprocessableEntity),
            CallFailureKind.FromNumberNotAttached => Problems.Field(failure.Field ?? "fromPhoneNumber", failure.Message, StatusCodes.Status422UnprocessableEntity),
            CallFailureKind.NoNumbersAttached => Problems.Field(failure.Field ?? "callerIdStrategy", failure.Message, StatusCodes.Status409Conflict),
            CallFailureKind.IdempotencyKeyInFlight or CallFailureKind.IdempotencyKeyContended =>
                Problems.Create(409, "in-flight", "A request with this Idempotency-Key is still in progress.", failure.Message, retryAfter: failure.RetryAfter),
            CallFailureKind.OutcomeUnknown =>
                Problems.Create(503, "outcome-unknown", "An earlier attempt with this Idempotency-Key may have placed the call, and Synthflow cannot be asked right now.", failure.Message, retryAfter: failure.RetryAfter),
            CallFailureKind.PacingUnavailable =>
                Problems.Create(429, "pacing", "The account's call limits leave no slot within the wait allowed.", failure.Message, retryAfter: failure.RetryAfter ?? TimeSpan.FromSeconds(1)),
            _ => throw new ArgumentOutOfRangeException(nameof(failure)),
        };
    }

    public static ProblemResult FromSynthflow(SynthflowApiException exception, bool placingCall = false)
    {
        ArgumentNullException.ThrowIfNull(exception);
        return exception.StatusCode switch
        {
            HttpStatusCode.NotFound => Problems.Create(404, "not-found", "Synthflow does not know this resource.", exception.Description ?? exception.Message, exception.RequestId),
            HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden => Problems.Create(502, "upstream-auth", "Synthflow rejected the API key, or the region is wrong.", "Check Synthflow__ApiKey and Synthflow__Region (a workspace lives in one region; the others answer 401).", exception.RequestId),
            HttpStatusCode.TooManyRequests => Problems.Create(429, "upstream-throttled", "Synthflow is throttling requests.", (exception.Description ?? "Too many requests.") + (placingCall ? " No call was placed." : string.Empty), exception.RequestId, exception.RetryAfter ?? TimeSpan.FromSeconds(10)),
            >= HttpStatusCode.InternalServerError => Problems.Create(502, "upstream-error", "Synthflow failed to process the request.", exception.Description ?? exception.Message, exception.RequestId),
            _ => Problems.Create(400, "upstream-rejected", "Synthflow rejected the request.", exception.Description ?? exception.Message, exception.RequestId),
        };
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Table storage failed: {Reason}")]
    private static partial void LogStorageFailure(ILogger logger, string reason);
}
