using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using SynthflowConnector.Hooks;
using SynthflowConnector.Http;

namespace SynthflowConnector.Tests.ConnectorDefinition;

/// <summary>The trigger's definition against the code: the event it posts and the statuses it filters on.</summary>
public sealed class CallEndedTriggerDefinitionTests
{
    private static readonly ConnectorDefinitionFolder Definition = ConnectorDefinitionFolder.Load();

    private static SwaggerOperation Trigger => Definition.Operation("WhenCallEnds");

    [Fact]
    public void The_notification_schema_is_the_CallEndedEvent_every_field_written_nulls_included()
    {
        var schema = Definition.Resolve(Trigger.PathItem.GetProperty("x-ms-notification-content").GetProperty("schema"));
        var declared = schema.GetProperty("properties").EnumerateObject().ToDictionary(p => p.Name, p => p.Value, StringComparer.Ordinal);
        var required = schema.GetProperty("required").EnumerateArray().Select(r => r.GetString()!).ToHashSet(StringComparer.Ordinal);
        var code = typeof(CallEndedEvent).GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .ToDictionary(p => JsonNamingPolicy.CamelCase.ConvertName(p.Name), p => p, StringComparer.Ordinal);

        Assert.Equal(code.Keys.Order(StringComparer.Ordinal), declared.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(
            ["callId", "modelId", "status", "endCallReason", "customEndCallReason", "duration", "startTime", "endTime", "toPhoneNumber", "leadName", "fromPhoneNumber", "transcript", "recordingUrl", "analysis", "collectedVariables", "extractedValues", "idempotencyKey", "receivedAt", "raw"],
            declared.Keys);
        var nullability = new NullabilityInfoContext();
        foreach (var (name, property) in code)
        {
            var type = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
            var expected = type == typeof(int) ? "integer" : type == typeof(JsonObject) ? "object" : "string";
            Assert.True(ConnectorDefinitionFolder.Text(declared[name], "type") == expected, $"{name}: the code has {type.Name}, the definition {ConnectorDefinitionFolder.Text(declared[name], "type")}");
            Assert.Equal(type == typeof(DateTimeOffset) ? "date-time" : type == typeof(int) ? "int32" : null, ConnectorDefinitionFolder.Text(declared[name], "format"));

            // The event is written with nulls (HookJson): every field is always there; the nullable ones say so.
            Assert.Contains(name, required);
            var nullable = nullability.Create(property).ReadState == NullabilityState.Nullable;
            var xNullable = declared[name].TryGetProperty("x-nullable", out var flag) && flag.ValueKind == JsonValueKind.True;
            Assert.True(nullable == xNullable, $"{name}: x-nullable must be {nullable}");
        }
    }

    [Fact]
    public void The_status_filter_offers_exactly_the_final_statuses_the_API_accepts()
    {
        var statuses = Definition.BodySchema(Trigger)!.Value.GetProperty("properties").GetProperty("statuses").GetProperty("items");

        Assert.Equal(CallEndedStatuses.All, statuses.GetProperty("enum").EnumerateArray().Select(v => v.GetString()!));
        Assert.Equal(CallEndedStatuses.All, statuses.GetProperty("x-ms-enum-values").EnumerateArray().Select(v => v.GetProperty("value").GetString()!));
    }

    [Fact]
    public void The_trigger_is_a_single_webhook_trigger_whose_Location_the_delete_operation_serves()
    {
        Assert.Equal("single", ConnectorDefinitionFolder.Text(Trigger.Element, "x-ms-trigger"));
        Assert.Equal("When a call ends", Trigger.Summary);
        Assert.Equal("/" + ConnectorRoutes.CallEndedHooks, Trigger.Path);
        var delete = Definition.Operation("DeleteCallEndedSubscription");
        Assert.Equal("/" + ConnectorRoutes.CallEndedHook, delete.Path);
        Assert.Equal("internal", delete.Visibility);
        var callbackUrl = Definition.BodySchema(Trigger)!.Value.GetProperty("properties").GetProperty("callbackUrl");
        Assert.True(callbackUrl.GetProperty("x-ms-notification-url").GetBoolean());
        Assert.Equal("internal", ConnectorDefinitionFolder.Text(callbackUrl, "x-ms-visibility"));
    }
}
