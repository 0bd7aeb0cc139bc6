using System.Buffers;
using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using Azure;

namespace SynthflowConnector.Storage;

/// <summary>
/// Entity ⇄ OData v3 JSON. Types the service cannot infer from JSON (Int64, DateTime, Guid, Binary, and
/// Double so that 2.0 is not stored as Int32) are sent with an <c>Name@odata.type</c> annotation, with the
/// value as a string where JSON numbers would lose precision. Reads use minimal metadata, where the
/// service annotates the same types back.
/// </summary>
internal static class TableEntityMapper
{
    private static readonly ConcurrentDictionary<Type, EntityProperty[]> PropertyCache = new();

    public static byte[] Serialize(ITableEntity entity)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString(TableConstants.Properties.PartitionKey, entity.PartitionKey);
            writer.WriteString(TableConstants.Properties.RowKey, entity.RowKey);
            if (entity is TableEntity dictionary)
            {
                WriteDictionary(writer, dictionary);
            }
            else
            {
                WriteTyped(writer, entity);
            }

            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    public static T Deserialize<T>(JsonElement json)
        where T : class, ITableEntity, new()
    {
        if (typeof(T) == typeof(TableEntity))
        {
            return (T)(object)ReadDictionary(json);
        }

        var entity = new T();
        ReadSystemProperties(json, entity);
        foreach (EntityProperty property in GetProperties(typeof(T)))
        {
            if (json.TryGetProperty(property.Name, out JsonElement value) && value.ValueKind != JsonValueKind.Null)
            {
                property.Set(entity, property.Read(value));
            }
        }

        return entity;
    }

    private static void WriteTyped(Utf8JsonWriter writer, ITableEntity entity)
    {
        foreach (EntityProperty property in GetProperties(entity.GetType()))
        {
            WriteProperty(writer, property.Name, property.Get(entity));
        }
    }

    private static void WriteDictionary(Utf8JsonWriter writer, TableEntity entity)
    {
        foreach (KeyValuePair<string, object?> pair in entity)
        {
            if (!IsSystemOrAnnotation(pair.Key))
            {
                WriteProperty(writer, pair.Key, pair.Value);
            }
        }
    }

    private static bool IsSystemOrAnnotation(string name) =>
        name is TableConstants.Properties.PartitionKey or TableConstants.Properties.RowKey or TableConstants.Properties.Timestamp
        || name.StartsWith(TableConstants.Properties.ODataPrefix, StringComparison.Ordinal)
        || name.EndsWith(TableConstants.Properties.TypeSuffix, StringComparison.Ordinal);

    /// <summary>
    /// Nulls are left out: the service stores no nulls, and with MERGE an absent property keeps its value,
    /// which is the least surprising reading of "null" on a partial update.
    /// </summary>
    private static void WriteProperty(Utf8JsonWriter writer, string name, object? value)
    {
        switch (value)
        {
            case null:
                break;
            case string s:
                writer.WriteString(name, s);
                break;
            case int i:
                writer.WriteNumber(name, i);
                break;
            case bool b:
                writer.WriteBoolean(name, b);
                break;
            case long l:
                WriteAnnotated(writer, name, TableConstants.EdmTypes.Int64, l.ToString(CultureInfo.InvariantCulture));
                break;
            case double d:
                WriteDouble(writer, name, d);
                break;
            case DateTimeOffset d:
                WriteAnnotated(writer, name, TableConstants.EdmTypes.DateTime, TableQueryFilter.FormatDateTime(d));
                break;
            case DateTime d:
                WriteAnnotated(writer, name, TableConstants.EdmTypes.DateTime, TableQueryFilter.FormatDateTime(TableQueryFilter.ToUtc(d)));
                break;
            case Guid g:
                WriteAnnotated(writer, name, TableConstants.EdmTypes.Guid, g.ToString("D"));
                break;
            case byte[] bytes:
                WriteAnnotated(writer, name, TableConstants.EdmTypes.Binary, Convert.ToBase64String(bytes));
                break;
            case Enum e:
                writer.WriteString(name, e.ToString());
                break;
            default:
                throw new NotSupportedException($"Property '{name}' has type {value.GetType()}, which Table Storage cannot store.");
        }
    }

    private static void WriteAnnotated(Utf8JsonWriter writer, string name, string edmType, string value)
    {
        writer.WriteString(name + TableConstants.Properties.TypeSuffix, edmType);
        writer.WriteString(name, value);
    }

    private static void WriteDouble(Utf8JsonWriter writer, string name, double value)
    {
        writer.WriteString(name + TableConstants.Properties.TypeSuffix, TableConstants.EdmTypes.Double);
        if (double.IsFinite(value))
        {
            writer.WriteNumber(name, value);
        }
        else
        {
            // JSON has no NaN/Infinity: the Table service (and Azurite) take these spellings as strings.
            writer.WriteString(name, double.IsNaN(value) ? "NaN" : value > 0 ? "Infinity" : "-Infinity");
        }
    }

    private static void ReadSystemProperties(JsonElement json, ITableEntity entity)
    {
        if (json.TryGetProperty(TableConstants.Properties.PartitionKey, out JsonElement pk))
        {
            entity.PartitionKey = pk.GetString() ?? string.Empty;
        }

        if (json.TryGetProperty(TableConstants.Properties.RowKey, out JsonElement rk))
        {
            entity.RowKey = rk.GetString() ?? string.Empty;
        }

        if (json.TryGetProperty(TableConstants.Properties.Timestamp, out JsonElement ts) && ts.ValueKind == JsonValueKind.String)
        {
            entity.Timestamp = ParseDateTime(ts.GetString()!);
        }

        if (json.TryGetProperty(TableConstants.Properties.ETag, out JsonElement etag) && etag.ValueKind == JsonValueKind.String)
        {
            entity.ETag = new ETag(etag.GetString()!);
        }
    }

    private static TableEntity ReadDictionary(JsonElement json)
    {
        var entity = new TableEntity();
        foreach (JsonProperty property in json.EnumerateObject())
        {
            if (property.Name == TableConstants.Properties.ETag)
            {
                entity[property.Name] = property.Value.GetString();
            }
            else if (!property.Name.StartsWith(TableConstants.Properties.ODataPrefix, StringComparison.Ordinal)
                && !property.Name.EndsWith(TableConstants.Properties.TypeSuffix, StringComparison.Ordinal))
            {
                // Timestamp is always Edm.DateTime, but not every server (Azurite) annotates it.
                string? edmType = property.Name == TableConstants.Properties.Timestamp ? TableConstants.EdmTypes.DateTime
                    : json.TryGetProperty(property.Name + TableConstants.Properties.TypeSuffix, out JsonElement t) ? t.GetString()
                    : null;
                entity[property.Name] = ReadUntyped(property.Value, edmType);
            }
        }

        return entity;
    }

    private static object? ReadUntyped(JsonElement value, string? edmType) => edmType switch
    {
        _ when value.ValueKind == JsonValueKind.Null => null,
        TableConstants.EdmTypes.Int64 => ReadValue(value, EdmKind.Int64, typeof(long)),
        TableConstants.EdmTypes.Int32 => ReadValue(value, EdmKind.Int32, typeof(int)),
        TableConstants.EdmTypes.Double => ReadValue(value, EdmKind.Double, typeof(double)),
        TableConstants.EdmTypes.DateTime => ReadValue(value, EdmKind.DateTimeOffset, typeof(DateTimeOffset)),
        TableConstants.EdmTypes.Guid => ReadValue(value, EdmKind.Guid, typeof(Guid)),
        TableConstants.EdmTypes.Binary => ReadValue(value, EdmKind.Binary, typeof(byte[])),
        _ => value.ValueKind switch
        {
            JsonValueKind.String => value.GetString(),
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            JsonValueKind.Number => ReadUnannotatedNumber(value),
            _ => value.GetRawText(),
        },
    };

    /// <summary>An unannotated JSON number is Int32 when it is integral and fits, otherwise Double.</summary>
    private static object ReadUnannotatedNumber(JsonElement value)
    {
        string raw = value.GetRawText();
        bool integral = raw.IndexOfAny(['.', 'e', 'E']) < 0;
        // The cast matters: without it the conditional's type would be double and the int would widen.
        return integral && value.TryGetInt32(out int i) ? (object)i : value.GetDouble();
    }

    internal static object? ReadValue(JsonElement value, EdmKind kind, Type type) => kind switch
    {
        EdmKind.String => value.ValueKind == JsonValueKind.String ? value.GetString() : value.GetRawText(),
        EdmKind.Int32 => value.ValueKind == JsonValueKind.Number ? value.GetInt32() : int.Parse(value.GetString()!, CultureInfo.InvariantCulture),
        EdmKind.Int64 => value.ValueKind == JsonValueKind.Number ? value.GetInt64() : long.Parse(value.GetString()!, CultureInfo.InvariantCulture),
        EdmKind.Double => value.ValueKind == JsonValueKind.Number ? value.GetDouble() : ParseDouble(value.GetString()!),
        EdmKind.Boolean => value.ValueKind == JsonValueKind.String ? bool.Parse(value.GetString()!) : value.GetBoolean(),
        EdmKind.DateTimeOffset => ParseDateTime(value.GetString()!),
        EdmKind.DateTime => ParseDateTime(value.GetString()!).UtcDateTime,
        EdmKind.Guid => Guid.Parse(value.GetString()!, CultureInfo.InvariantCulture),
        EdmKind.Binary => Convert.FromBase64String(value.GetString()!),
        EdmKind.Enum => value.ValueKind == JsonValueKind.Number
            ? Enum.ToObject(type, value.GetInt64())
            : Enum.Parse(type, value.GetString()!, ignoreCase: false),
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    private static DateTimeOffset ParseDateTime(string value) =>
        DateTimeOffset.Parse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal);

    private static double ParseDouble(string value) => value switch
    {
        "NaN" => double.NaN,
        "INF" or "Infinity" => double.PositiveInfinity,
        "-INF" or "-Infinity" => double.NegativeInfinity,
        _ => double.Parse(value, CultureInfo.InvariantCulture),
    };

    private static EntityProperty[] GetProperties(Type type) => PropertyCache.GetOrAdd(type, EntityProperty.Discover);
}
