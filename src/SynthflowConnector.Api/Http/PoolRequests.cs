using Microsoft.AspNetCore.Http;
using SynthflowConnector.Pools;

namespace SynthflowConnector.Http;

/// <summary>A pool write's validated body: the numbers (duplicates dropped), the mode and the pause flag.</summary>
internal sealed record PoolBody(IReadOnlyList<string> PhoneNumbers, PoolMode Mode, bool Paused);

/// <summary>
/// What the pool actions read from a request, validated: the agent id, the <c>If-Match</c>/<c>If-None-Match</c>
/// condition, the desired-state body and the <c>force</c> flag. Each refusal is a 400 problem naming the field.
/// </summary>
internal static class PoolRequests
{
    public const int MaxPoolNumbers = 100;
    private const int MaxETagLength = 256;

    public static ProblemResult? InvalidModelId(string modelId)
    {
        var errors = new FieldErrors();
        ConnectorValidation.ModelId(errors, modelId);
        return errors.Any ? errors.ToProblem() : null;
    }

    /// <summary>The shared input of plan and reconcile-now: the agent id and the optional <c>force</c> flag.</summary>
    public static ProblemResult? ReadForceRequest(HttpRequest request, string modelId, out bool force)
    {
        ArgumentNullException.ThrowIfNull(request);
        var errors = new FieldErrors();
        ConnectorValidation.ModelId(errors, modelId);
        force = ReadForce(request, errors);
        return errors.Any ? errors.ToProblem() : null;
    }

    /// <summary><c>If-Match</c> (an etag, or <c>*</c>: must exist) or <c>If-None-Match: *</c> (must not exist); neither: no condition.</summary>
    public static (PoolWriteCondition? Condition, ProblemResult? Problem) ReadCondition(HttpRequest request, bool allowIfNoneMatch)
    {
        ArgumentNullException.ThrowIfNull(request);
        var ifMatch = request.Headers.IfMatch.ToString().Trim();
        var ifNoneMatch = request.Headers.IfNoneMatch.ToString().Trim();
        if (ifNoneMatch.Length > 0)
        {
            if (!allowIfNoneMatch || ifNoneMatch != "*" || ifMatch.Length > 0)
            {
                return (null, Problems.Field("If-None-Match", allowIfNoneMatch
                    ? "Only 'If-None-Match: *' (create only) is supported, and not together with If-Match."
                    : "If-None-Match is not supported here; use If-Match."));
            }

            return (PoolWriteCondition.MustNotExist, null);
        }

        if (ifMatch.Length == 0)
        {
            return (PoolWriteCondition.None, null);
        }

        if (ifMatch != PoolWriteCondition.AnyVersion && !IsPoolETag(ifMatch))
        {
            return (null, Problems.Field("If-Match", "'If-Match' must be the etag of the pool as read (or *)."));
        }

        return (PoolWriteCondition.IfMatch(ifMatch), null);
    }

    /// <summary>Reads and validates the desired state of <c>PUT /api/pools/{modelId}</c>.</summary>
    public static async Task<(PoolBody? Body, ProblemResult? Problem)> ReadBodyAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        var (body, problem) = await ConnectorValidation.ReadJsonAsync(request, PoolsJson.Context.SetPoolRequest, cancellationToken).ConfigureAwait(false);
        if (problem is not null)
        {
            return (null, problem);
        }

        var errors = new FieldErrors();
        var numbers = ValidateNumbers(body!.PhoneNumbers, errors);
        PoolMode? mode = PoolMode.Exact;
        if (body.Mode is not null && !PoolModes.TryParse(body.Mode, out mode))
        {
            errors.Add("mode", $"'mode' must be {PoolModes.Exact} (attach missing numbers and detach extras) or {PoolModes.Additive} (only attach).");
        }

        return errors.Any ? (null, errors.ToProblem()) : (new PoolBody(numbers!, mode!.Value, body.Paused ?? false), null);
    }

    private static IReadOnlyList<string>? ValidateNumbers(IReadOnlyList<string>? numbers, FieldErrors errors)
    {
        if (numbers is null)
        {
            errors.Add("phoneNumbers", "'phoneNumbers' is required: the E.164 numbers the agent must have attached ([] for none).");
            return null;
        }

        if (numbers.Count > MaxPoolNumbers)
        {
            errors.Add("phoneNumbers", $"'phoneNumbers' may hold at most {MaxPoolNumbers} numbers.");
            return null;
        }

        for (var i = 0; i < numbers.Count; i++)
        {
            errors.PhoneNumber($"phoneNumbers[{i}]", numbers[i]);
        }

        return [.. numbers.Distinct(StringComparer.Ordinal)];
    }

    private static bool ReadForce(HttpRequest request, FieldErrors errors)
    {
        var value = request.Query["force"].ToString();
        if (value.Length == 0)
        {
            return false;
        }

        // Exactly true or false (any case): bool.TryParse would also take padded values such as " true" or "true\0".
        if (value.Equals(bool.TrueString, StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        if (value.Equals(bool.FalseString, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        errors.Add("force", "'force' must be true or false.");
        return false;
    }

    /// <summary>
    /// One weak entity-tag (<c>W/"…"</c>, RFC 9110's etagc inside), the only form a pool's etag takes: anything else
    /// (a list, a strong or unquoted tag) could never match, and table storage would refuse it as malformed.
    /// </summary>
    private static bool IsPoolETag(string value) =>
        value.Length is >= 4 and <= MaxETagLength
        && value.StartsWith("W/\"", StringComparison.Ordinal)
        && value[^1] == '"'
        && value.AsSpan(3, value.Length - 4) is var tag
        && !tag.ContainsAnyExceptInRange('\x21', '\x7e')
        && !tag.Contains('"');
}
