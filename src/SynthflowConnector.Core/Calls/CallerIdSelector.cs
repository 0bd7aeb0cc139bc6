using SynthflowConnector.PhoneNumbers;

namespace SynthflowConnector.Calls;

/// <summary>A chosen caller ID (null: Synthflow chooses) and one sentence saying why.</summary>
public sealed record CallerIdChoice(string? FromPhoneNumber, CallerIdStrategy Strategy, string Reason);

/// <summary>
/// The pure part of caller-ID selection: given the pool and what storage remembers (round-robin cursor, sticky
/// number), pick a number. Storage reads and writes happen around it, in <c>CallerIdService</c>.
/// </summary>
public static class CallerIdSelector
{
    /// <summary>The pool in a stable order, so a cursor means the same number on every instance.</summary>
    public static IReadOnlyList<string> Order(IEnumerable<string> attached) =>
        attached.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();

    public static CallerIdChoice RoundRobin(IReadOnlyList<string> pool, long cursor, CallerIdStrategy strategy, string? because = null)
    {
        ArgumentOutOfRangeException.ThrowIfZero(pool.Count);
        var index = (int)(((cursor % pool.Count) + pool.Count) % pool.Count);
        var reason = (because ?? string.Empty) + $"Round-robin: number {index + 1} of the {pool.Count} attached.";
        return new CallerIdChoice(pool[index], strategy, reason);
    }

    /// <summary>
    /// Local presence: a number with the recipient's NANP area code, else one with its country calling code
    /// (several matches rotate with the cursor), else null: the caller falls back to round-robin over the pool.
    /// </summary>
    public static CallerIdChoice? LocalPresence(IReadOnlyList<string> pool, string recipient, long cursor)
    {
        if (CountryCallingCode.NanpAreaCode(recipient) is { } areaCode)
        {
            var local = pool.Where(number => CountryCallingCode.NanpAreaCode(number) == areaCode).ToList();
            if (local.Count > 0)
            {
                return Pick(local, cursor, $"Local presence: attached number in the recipient's area code {areaCode}.");
            }
        }

        if (CountryCallingCode.Of(recipient) is { } country)
        {
            var national = pool.Where(number => CountryCallingCode.Of(number) == country).ToList();
            if (national.Count > 0)
            {
                return Pick(national, cursor, $"Local presence: attached number with the recipient's country code +{country}.");
            }
        }

        return null;

        static CallerIdChoice Pick(List<string> candidates, long cursor, string reason) =>
            new(candidates[(int)(((cursor % candidates.Count) + candidates.Count) % candidates.Count)], CallerIdStrategy.LocalPresence, reason);
    }
}
