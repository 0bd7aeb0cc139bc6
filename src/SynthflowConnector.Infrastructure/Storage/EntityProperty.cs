using System.Reflection;
using System.Runtime.Serialization;
using System.Text.Json;

namespace SynthflowConnector.Storage;

/// <summary>The wire type family of a mapped CLR property.</summary>
internal enum EdmKind
{
    String,
    Int32,
    Int64,
    Double,
    Boolean,
    DateTimeOffset,
    DateTime,
    Guid,
    Binary,
    Enum,
}

/// <summary>
/// One mapped property of an entity class, discovered once per type by reflection and cached
/// (see <see cref="TableEntityMapper"/>): the reflection cost is paid per type, not per entity.
/// </summary>
internal sealed class EntityProperty
{
    private static readonly HashSet<string> SystemProperties = new(StringComparer.Ordinal)
    {
        nameof(ITableEntity.PartitionKey),
        nameof(ITableEntity.RowKey),
        nameof(ITableEntity.Timestamp),
        nameof(ITableEntity.ETag),
    };

    private readonly PropertyInfo _property;
    private readonly Type _valueType;
    private readonly EdmKind _kind;
    private readonly bool _acceptsNull;

    private EntityProperty(PropertyInfo property, Type valueType, EdmKind kind)
    {
        _property = property;
        _valueType = valueType;
        _kind = kind;
        _acceptsNull = !property.PropertyType.IsValueType || Nullable.GetUnderlyingType(property.PropertyType) is not null;
    }

    public string Name => _property.Name;

    public object? Get(object entity) => _property.GetValue(entity);

    public void Set(object entity, object? value)
    {
        // A non-nullable value-type property simply keeps its default when the stored value is null.
        if (value is not null || _acceptsNull)
        {
            _property.SetValue(entity, value);
        }
    }

    public object? Read(JsonElement value)
    {
        try
        {
            return TableEntityMapper.ReadValue(value, _kind, _valueType);
        }
        catch (Exception ex) when (ex is FormatException or InvalidOperationException or OverflowException or ArgumentException)
        {
            throw new InvalidOperationException(
                $"The stored value of '{Name}' cannot be read as {_property.PropertyType.Name} on {_property.DeclaringType?.Name}.", ex);
        }
    }

    /// <summary>
    /// Public read/write instance properties, minus the system ones (handled via <see cref="ITableEntity"/>),
    /// indexers and anything marked <see cref="IgnoreDataMemberAttribute"/>. An unsupported type fails loudly
    /// here rather than being silently dropped from what gets stored.
    /// </summary>
    public static EntityProperty[] Discover(Type type)
    {
        var result = new List<EntityProperty>();
        foreach (PropertyInfo property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (property.GetGetMethod() is null || property.GetSetMethod() is null
                || property.GetIndexParameters().Length > 0
                || SystemProperties.Contains(property.Name)
                || property.IsDefined(typeof(IgnoreDataMemberAttribute), inherit: true))
            {
                continue;
            }

            Type valueType = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
            EdmKind kind = KindOf(valueType)
                ?? throw new NotSupportedException(
                    $"Property '{property.Name}' of {type.Name} has type {property.PropertyType.Name}, which Table Storage cannot store. Mark it [IgnoreDataMember] to skip it.");
            result.Add(new EntityProperty(property, valueType, kind));
        }

        return [.. result];
    }

    private static EdmKind? KindOf(Type type) => type switch
    {
        _ when type == typeof(string) => EdmKind.String,
        _ when type == typeof(int) => EdmKind.Int32,
        _ when type == typeof(long) => EdmKind.Int64,
        _ when type == typeof(double) => EdmKind.Double,
        _ when type == typeof(bool) => EdmKind.Boolean,
        _ when type == typeof(DateTimeOffset) => EdmKind.DateTimeOffset,
        _ when type == typeof(DateTime) => EdmKind.DateTime,
        _ when type == typeof(Guid) => EdmKind.Guid,
        _ when type == typeof(byte[]) => EdmKind.Binary,
        _ when type.IsEnum => EdmKind.Enum,
        _ => null,
    };
}
