using System.Text.RegularExpressions;

namespace SynthflowConnector.PhoneNumbers;

/// <summary>E.164 numbers as Synthflow takes them: <c>+</c>, a non-zero digit, 7 to 15 digits in all.</summary>
public static partial class E164
{
    [GeneratedRegex(@"^\+[1-9]\d{6,14}$", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 100)]
    private static partial Regex Pattern();

    public static bool IsValid(string? number) => number is not null && Pattern().IsMatch(number);

    /// <summary>
    /// Masks a number for logs: the country and area prefix and the last two digits stay, so support can
    /// still tell numbers apart; anything that is not a phone number is masked whole.
    /// </summary>
    public static string Mask(string? number)
    {
        if (string.IsNullOrEmpty(number))
        {
            return "(none)";
        }

        var digits = number.StartsWith('+') ? number[1..] : number;
        if (digits.Length < 7 || !digits.All(char.IsAsciiDigit))
        {
            return "***";
        }

        var prefix = number.StartsWith('+') ? "+" : string.Empty;
        return prefix + digits[..4] + new string('*', digits.Length - 6) + digits[^2..];
    }
}

/// <summary>A phone number for log messages: it prints masked, so the full number never reaches a log.</summary>
public readonly record struct MaskedPhoneNumber(string? Value)
{
    public override string ToString() => E164.Mask(Value);
}
