namespace SynthflowConnector.PhoneNumbers;

/// <summary>
/// The country calling code of an E.164 number. ITU codes are prefix-free: 1 and 7 are the only one-digit codes,
/// the two-digit ones are listed below, every other code has three digits. That is enough to compare two numbers'
/// countries without a full numbering-plan library (libphonenumber is not on our feed).
/// </summary>
public static class CountryCallingCode
{
    private static readonly HashSet<string> TwoDigitCodes =
    [
        "20", "27", "30", "31", "32", "33", "34", "36", "39", "40", "41", "43", "44", "45", "46", "47", "48", "49",
        "51", "52", "53", "54", "55", "56", "57", "58", "60", "61", "62", "63", "64", "65", "66", "81", "82", "84",
        "86", "90", "91", "92", "93", "94", "95", "98",
    ];

    /// <summary>The calling code without <c>+</c>, or null when <paramref name="number"/> is not E.164.</summary>
    public static string? Of(string number)
    {
        if (!E164.IsValid(number))
        {
            return null;
        }

        var digits = number.AsSpan(1);
        if (digits[0] is '1' or '7')
        {
            return digits[..1].ToString();
        }

        var two = digits[..2].ToString();
        return TwoDigitCodes.Contains(two) ? two : digits[..3].ToString();
    }

    /// <summary>The NANP area code (+1 NXX…), or null for numbers outside the North American Numbering Plan.</summary>
    public static string? NanpAreaCode(string number) =>
        E164.IsValid(number) && number.Length == 12 && number[1] == '1' ? number.Substring(2, 3) : null;
}
