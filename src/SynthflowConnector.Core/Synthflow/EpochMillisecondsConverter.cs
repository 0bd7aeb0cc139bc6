using System.Text.Json;
using System.Text.Json.Serialization;

namespace SynthflowConnector.Synthflow;

/// <summary>UNIX milliseconds, written as a string (as the spec declares) and read from a string or a number.</summary>
internal sealed class EpochMillisecondsConverter : JsonConverter<DateTimeOffset?>
{
    public override DateTimeOffset? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        long ms;
        switch (reader.TokenType)
        {
            case JsonTokenType.Null:
                return null;
            case JsonTokenType.Number when reader.TryGetInt64(out ms):
                break;
            case JsonTokenType.Number:
                ms = (long)reader.GetDouble();
                break;
            case JsonTokenType.String:
                var text = reader.GetString();
                if (long.TryParse(text, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out ms))
                {
                    break;
                }

                // Tolerate an ISO date rather than failing a whole call record on one field.
                return DateTimeOffset.TryParse(text, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal, out var parsed) ? parsed : null;
            default:
                reader.Skip();
                return null;
        }

        return DateTimeOffset.FromUnixTimeMilliseconds(ms);
    }

    public override void Write(Utf8JsonWriter writer, DateTimeOffset? value, JsonSerializerOptions options)
    {
        if (value is null)
        {
            writer.WriteNullValue();
        }
        else
        {
            writer.WriteStringValue(value.Value.ToUnixTimeMilliseconds().ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
    }
}
