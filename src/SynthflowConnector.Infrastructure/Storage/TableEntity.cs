using System.Collections;
using System.Diagnostics.CodeAnalysis;
using Azure;

namespace SynthflowConnector.Storage;

/// <summary>
/// A schema-less entity: a dictionary of property name to value, like <c>Azure.Data.Tables.TableEntity</c>.
/// The system properties live in the dictionary too (<c>PartitionKey</c>, <c>RowKey</c>, <c>Timestamp</c>,
/// <c>odata.etag</c>). Values read back are typed by the service's <c>@odata.type</c> annotations:
/// string, int, long, double, bool, DateTimeOffset, Guid or byte[].
/// </summary>
[SuppressMessage("Naming", "CA1710:Identifiers should have correct suffix", Justification = "Mirrors Azure.Data.Tables.TableEntity so a switch to the SDK is a using change.")]
public sealed class TableEntity : ITableEntity, IDictionary<string, object?>
{
    private readonly Dictionary<string, object?> _properties;

    /// <summary>Creates an empty entity.</summary>
    public TableEntity()
    {
        _properties = new Dictionary<string, object?>(StringComparer.Ordinal);
    }

    /// <summary>Creates an entity with its keys.</summary>
    public TableEntity(string partitionKey, string rowKey)
        : this()
    {
        PartitionKey = partitionKey;
        RowKey = rowKey;
    }

    /// <summary>Creates an entity from existing properties (copied).</summary>
    public TableEntity(IDictionary<string, object?> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        _properties = new Dictionary<string, object?>(values, StringComparer.Ordinal);
    }

    /// <inheritdoc />
    public string PartitionKey
    {
        get => GetString(TableConstants.Properties.PartitionKey) ?? string.Empty;
        set => _properties[TableConstants.Properties.PartitionKey] = value;
    }

    /// <inheritdoc />
    public string RowKey
    {
        get => GetString(TableConstants.Properties.RowKey) ?? string.Empty;
        set => _properties[TableConstants.Properties.RowKey] = value;
    }

    /// <inheritdoc />
    public DateTimeOffset? Timestamp
    {
        get => GetDateTimeOffset(TableConstants.Properties.Timestamp);
        set => _properties[TableConstants.Properties.Timestamp] = value;
    }

    /// <inheritdoc />
    public ETag ETag
    {
        get => GetString(TableConstants.Properties.ETag) is { } etag ? new ETag(etag) : default;
        set => _properties[TableConstants.Properties.ETag] = value == default ? null : value.ToString();
    }

    /// <inheritdoc />
    public int Count => _properties.Count;

    /// <inheritdoc />
    public ICollection<string> Keys => _properties.Keys;

    /// <inheritdoc />
    public ICollection<object?> Values => _properties.Values;

    bool ICollection<KeyValuePair<string, object?>>.IsReadOnly => false;

    /// <inheritdoc />
    public object? this[string key]
    {
        get => _properties[key];
        set => _properties[key] = value;
    }

    /// <summary>The string value, or null when absent.</summary>
    /// <exception cref="InvalidOperationException">The value has another type.</exception>
    public string? GetString(string key) => Get<string>(key);

    /// <summary>The Int32 value, or null when absent.</summary>
    public int? GetInt32(string key) => GetStruct<int>(key);

    /// <summary>The Int64 value (an Int32 value widens), or null when absent.</summary>
    public long? GetInt64(string key) => TryGetValue(key, out object? v) && v is int i ? i : GetStruct<long>(key);

    /// <summary>The Double value (an Int32 or Int64 value widens), or null when absent.</summary>
    public double? GetDouble(string key) => TryGetValue(key, out object? v) && v is int or long ? Convert.ToDouble(v, System.Globalization.CultureInfo.InvariantCulture) : GetStruct<double>(key);

    /// <summary>The Boolean value, or null when absent.</summary>
    public bool? GetBoolean(string key) => GetStruct<bool>(key);

    /// <summary>The DateTimeOffset value (a DateTime value converts), or null when absent.</summary>
    public DateTimeOffset? GetDateTimeOffset(string key) =>
        TryGetValue(key, out object? v) && v is DateTime dt ? TableQueryFilter.ToUtc(dt) : GetStruct<DateTimeOffset>(key);

    /// <summary>The Guid value, or null when absent.</summary>
    public Guid? GetGuid(string key) => GetStruct<Guid>(key);

    /// <summary>The binary value, or null when absent.</summary>
    public byte[]? GetBinary(string key) => Get<byte[]>(key);

    /// <inheritdoc />
    public void Add(string key, object? value) => _properties.Add(key, value);

    /// <inheritdoc />
    public bool ContainsKey(string key) => _properties.ContainsKey(key);

    /// <inheritdoc />
    public bool Remove(string key) => _properties.Remove(key);

    /// <inheritdoc />
    public bool TryGetValue(string key, [MaybeNullWhen(false)] out object? value) => _properties.TryGetValue(key, out value);

    /// <inheritdoc />
    public void Clear() => _properties.Clear();

    /// <inheritdoc />
    public IEnumerator<KeyValuePair<string, object?>> GetEnumerator() => _properties.GetEnumerator();

    void ICollection<KeyValuePair<string, object?>>.Add(KeyValuePair<string, object?> item) =>
        ((ICollection<KeyValuePair<string, object?>>)_properties).Add(item);

    bool ICollection<KeyValuePair<string, object?>>.Contains(KeyValuePair<string, object?> item) =>
        ((ICollection<KeyValuePair<string, object?>>)_properties).Contains(item);

    void ICollection<KeyValuePair<string, object?>>.CopyTo(KeyValuePair<string, object?>[] array, int arrayIndex) =>
        ((ICollection<KeyValuePair<string, object?>>)_properties).CopyTo(array, arrayIndex);

    bool ICollection<KeyValuePair<string, object?>>.Remove(KeyValuePair<string, object?> item) =>
        ((ICollection<KeyValuePair<string, object?>>)_properties).Remove(item);

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    private T? Get<T>(string key)
        where T : class
    {
        if (!_properties.TryGetValue(key, out object? value) || value is null)
        {
            return null;
        }

        return value as T ?? throw WrongType(key, typeof(T), value);
    }

    private T? GetStruct<T>(string key)
        where T : struct
    {
        if (!_properties.TryGetValue(key, out object? value) || value is null)
        {
            return null;
        }

        return value is T typed ? typed : throw WrongType(key, typeof(T), value);
    }

    private static InvalidOperationException WrongType(string key, Type requested, object value) =>
        new($"Cannot return a {requested.Name} for property '{key}': its value is a {value.GetType().Name}.");
}
