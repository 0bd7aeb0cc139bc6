using System.Globalization;

namespace SynthflowConnector.Storage;

/// <summary>
/// Turns interpolated values into OData literals, so a filter built from user data cannot be
/// broken (or widened) by a quote inside a value.
/// </summary>
internal static class TableQueryFilter
{
    public static string Create(FormattableString filter)
    {
        ArgumentNullException.ThrowIfNull(filter);
        object?[] literals = filter.GetArguments().Select(ToLiteral).ToArray();
        return string.Format(CultureInfo.InvariantCulture, filter.Format, literals);
    }

    internal static string ToLiteral(object? value) => value switch
    {
        null => "null",
        string s => Quote(s),
        char c => Quote(c.ToString()),
        bool b => b ? "true" : "false",
        DateTimeOffset d => $"datetime'{FormatDateTime(d)}'",
        DateTime d => $"datetime'{FormatDateTime(ToUtc(d))}'",
        Guid g => $"guid'{g:D}'",
        long l => l.ToString(CultureInfo.InvariantCulture) + "L",
        int i => i.ToString(CultureInfo.InvariantCulture),
        short s => s.ToString(CultureInfo.InvariantCulture),
        byte b => b.ToString(CultureInfo.InvariantCulture),
        double d => FormatDouble(d),
        float f => FormatDouble(f),
        byte[] bytes => $"X'{Convert.ToHexStringLower(bytes)}'",
        Enum e => Quote(e.ToString()), // enums are stored by name, see TableEntityMapper
        _ => throw new NotSupportedException($"A query filter value of type {value.GetType()} is not supported."),
    };

    /// <summary>Round-trip ("R") form with 7 fractional digits, the precision Edm.DateTime keeps.</summary>
    internal static string FormatDateTime(DateTimeOffset value) =>
        value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture);

    internal static DateTimeOffset ToUtc(DateTime value) => value.Kind switch
    {
        // Unspecified is treated as UTC, not local time: servers run in UTC and guessing a zone corrupts data.
        DateTimeKind.Unspecified => new DateTimeOffset(DateTime.SpecifyKind(value, DateTimeKind.Utc)),
        _ => new DateTimeOffset(value.ToUniversalTime()),
    };

    private static string Quote(string value) => "'" + value.Replace("'", "''", StringComparison.Ordinal) + "'";

    private static string FormatDouble(double value)
    {
        if (!double.IsFinite(value))
        {
            throw new NotSupportedException("NaN and infinities cannot be used in a query filter.");
        }

        // A literal without '.'/exponent would be an Int32 in OData; keep it a double.
        string text = value.ToString("R", CultureInfo.InvariantCulture);
        return text.Contains('.', StringComparison.Ordinal) || text.Contains('E', StringComparison.Ordinal) ? text : text + ".0";
    }
}
