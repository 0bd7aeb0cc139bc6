using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using SynthflowConnector.Calls;
using SynthflowConnector.Http;
using SynthflowConnector.Pools;
using SynthflowConnector.Synthflow;

namespace SynthflowConnector.Tests.ConnectorDefinition;

/// <summary>
/// The definition describes exactly what the hosts serve. Nothing here is a second hand-kept list: the routes,
/// methods and names come from the Host's endpoint data source, and what each action reads and answers from its
/// handler's code and the contract types it serializes (<see cref="HostSurface"/>). A route or contract changed
/// without the definition fails here.
/// </summary>
public sealed class RouteContractTests
{
    private static readonly ConnectorDefinitionFolder Definition = ConnectorDefinitionFolder.Load();

    public static TheoryData<string> HostOperations => [.. HostSurface.Routes.Select(route => route.Name)];

    private static HostRoute Route(string name) => HostSurface.Routes.Single(route => route.Name == name);

    private static SwaggerOperation? Operation(string name) => Definition.Operations.SingleOrDefault(o => o.OperationId == name);

    [Fact]
    public void The_definition_has_exactly_the_Host_routes_with_their_methods_and_names()
    {
        var host = HostSurface.Routes.Select(r => $"{r.Name} {r.Method} {r.Route}").Order(StringComparer.Ordinal).ToList();
        var definition = Definition.Operations.Select(o => $"{o.OperationId} {o.Method.ToUpperInvariant()} {Definition.BasePath}{o.Path}").Order(StringComparer.Ordinal).ToList();

        Assert.True(
            host.SequenceEqual(definition),
            $"Served but not in the definition: [{string.Join("; ", host.Except(definition))}]; in the definition but not served: [{string.Join("; ", definition.Except(host))}]");
        Assert.NotEmpty(host);
    }

    [Fact]
    public void The_anonymous_routes_are_served_but_not_part_of_the_connector()
    {
        Assert.Equal([HostSurface.HealthRoute, "/api/webhooks/synthflow"], HostSurface.AnonymousRoutes);
        foreach (var route in HostSurface.AnonymousRoutes)
        {
            Assert.Contains(HostSurface.Endpoints(), endpoint => endpoint.RoutePattern.RawText == route);
            Assert.DoesNotContain(Definition.Operations, o => Definition.BasePath + o.Path == route);
        }
    }

    [Theory]
    [MemberData(nameof(HostOperations))]
    public void Path_query_and_header_parameters_are_the_ones_the_handler_reads(string operationId)
    {
        var route = Route(operationId);
        var operation = Operation(operationId);
        Assert.True(operation is not null, $"{operationId}: not in the definition");
        var parameters = Definition.Parameters(operation!);

        string[] Names(string location) => [.. parameters.Where(p => ConnectorDefinitionFolder.In(p) == location).Select(ConnectorDefinitionFolder.Name).Order(StringComparer.OrdinalIgnoreCase)];

        Assert.Equal(route.RouteParameters.Order(StringComparer.Ordinal), Names("path").Order(StringComparer.Ordinal));
        Assert.True(route.Query.SetEquals(Names("query")), $"{operationId} ({route.Handler}) reads query [{string.Join(", ", route.Query)}]; the definition declares [{string.Join(", ", Names("query"))}]");
        var headers = route.Headers.Where(h => !ReadOnlyToRefuse.Contains((operationId, h))).ToHashSet(StringComparer.OrdinalIgnoreCase);
        Assert.True(headers.SetEquals(Names("header")), $"{operationId} ({route.Handler}) reads headers [{string.Join(", ", headers)}]; the definition declares [{string.Join(", ", Names("header"))}]");
    }

    /// <summary>Headers a handler reads only to answer 400 when they are sent: not inputs, so not in the definition.</summary>
    private static readonly HashSet<(string Operation, string Header)> ReadOnlyToRefuse =
    [
        ("DeletePool", "If-None-Match"), // "If-None-Match is not supported here; use If-Match."
    ];

    [Fact]
    public void Headers_read_only_to_be_refused_are_still_read_and_not_declared()
    {
        foreach (var (operationId, header) in ReadOnlyToRefuse)
        {
            Assert.Contains(header, Route(operationId).Headers);
            Assert.DoesNotContain(Definition.Parameters(Operation(operationId)!), p => ConnectorDefinitionFolder.Name(p) == header);
        }
    }

    [Theory]
    [MemberData(nameof(HostOperations))]
    public void The_body_is_the_contract_the_handler_reads(string operationId)
    {
        var route = Route(operationId);
        var body = Definition.BodySchema(Operation(operationId)!);

        if (route.RequestType is null)
        {
            Assert.True(body is null, $"{operationId} ({route.Handler}) reads no body, but the definition declares one");
            return;
        }

        Assert.True(body is not null, $"{operationId} ({route.Handler}) reads a {route.RequestType.Name} body the definition does not declare");
        var errors = new List<string>();
        CompareSchema(body!.Value, route.RequestType, $"{operationId} body", errors, response: false, []);
        Assert.True(errors.Count == 0, string.Join(Environment.NewLine, errors));
    }

    [Theory]
    [MemberData(nameof(HostOperations))]
    public void The_success_response_is_the_contract_the_handler_answers(string operationId)
    {
        var route = Route(operationId);
        var success = Definition.SuccessSchema(Operation(operationId)!);

        var contract = Assert.Single(route.ResponseTypes);
        Assert.True(success?.Status == route.SuccessStatus, $"{operationId}: the handler answers {route.SuccessStatus} with {contract.Name}; the definition must declare that {route.SuccessStatus}");
        var declared = Operation(operationId)!.Responses().Single(r => r.Status == route.SuccessStatus).Element.GetProperty("schema");
        Assert.Equal($"#/definitions/{contract.Name}", ConnectorDefinitionFolder.Text(declared, "$ref"));
        var errors = new List<string>();
        CompareSchema(success!.Value.Schema, contract, $"{operationId} {route.SuccessStatus}", errors, response: true, []);
        Assert.True(errors.Count == 0, string.Join(Environment.NewLine, errors));
    }

    [Fact]
    public void Every_definition_is_a_contract_type_that_some_operation_uses()
    {
        var used = HostSurface.Routes.SelectMany(r => r.ResponseTypes).SelectMany(Reachable).Select(t => t.Name).ToHashSet(StringComparer.Ordinal);
        used.Add(nameof(global::SynthflowConnector.Hooks.CallEndedEvent)); // what the trigger posts to flows (x-ms-notification-content), not an answer
        used.Add("CampaignCompletedEvent"); // what the campaign trigger posts to flows (its counts are CampaignCountsResponse, an answer too)

        var definitions = Definition.Swagger.GetProperty("definitions").EnumerateObject().Select(d => d.Name).ToList();

        var unused = definitions.Where(name => !used.Contains(name)).ToList();
        Assert.True(unused.Count == 0, $"Definitions no operation answers: {string.Join(", ", unused)}");
    }

    public static TheoryData<string, string, string[]> Enums => new()
    {
        // Where the definition lists values, and the values the code accepts or answers there.
        { "ListAgents", "query type", Constants(typeof(AgentTypes)) },
        { "MakeCall", "body callerIdStrategy", [.. CallerIdStrategies.Names] },
        // "explicit": a From Phone Number was given (CallService); the end-to-end test sees it answered.
        { "MakeCallResponse", "callerIdStrategy", ["explicit", .. CallerIdStrategies.Names] },
        { "SetPool", "body mode", Constants(typeof(PoolModes)) },
        { "PoolResponse", "mode", Constants(typeof(PoolModes)) },
        { "PoolPlanResponse", "mode", Constants(typeof(PoolModes)) },
        { "PoolStatusResponse", "outcome", Constants(typeof(PoolOutcomes)) },
        { "PoolReconcileResult", "outcome", Constants(typeof(PoolOutcomes)) },
    };

    [Theory]
    [MemberData(nameof(Enums))]
    public void Enum_values_are_the_ones_the_code_knows(string owner, string where, string[] code)
    {
        var schema = Definition.Operations.FirstOrDefault(o => o.OperationId == owner) is { } operation
            ? CertificationRules.Inputs(Definition, operation).Single(i => $"{i.In} {i.Name}" == where).Schema
            : Definition.Swagger.GetProperty("definitions").GetProperty(owner).GetProperty("properties").GetProperty(where);

        var declared = schema.GetProperty("enum").EnumerateArray().Select(v => v.GetString()!).Order(StringComparer.Ordinal);
        Assert.Equal(code.Order(StringComparer.Ordinal), declared);
    }

    private static string[] Constants(Type holder) =>
        [.. holder.GetFields(BindingFlags.Public | BindingFlags.Static).Where(f => f.IsLiteral && f.FieldType == typeof(string)).Select(f => (string)f.GetRawConstantValue()!)];

    private static IEnumerable<Type> Reachable(Type type)
    {
        var seen = new HashSet<Type>();
        var pending = new Stack<Type>([type]);
        while (pending.TryPop(out var current))
        {
            current = Element(current) ?? Nullable.GetUnderlyingType(current) ?? current;
            if (Kind(current) != "object" || !seen.Add(current))
            {
                continue;
            }

            foreach (var property in HostSurface.JsonProperties(current))
            {
                pending.Push(property.PropertyType);
            }
        }

        return seen;
    }

    /// <summary>Compares a schema with a contract type: property names, JSON types, and for answers which are always present.</summary>
    private static void CompareSchema(JsonElement schema, Type type, string at, List<string> errors, bool response, HashSet<Type> seen)
    {
        var reference = ConnectorDefinitionFolder.Text(schema, "$ref");
        schema = Definition.Resolve(schema);
        type = Nullable.GetUnderlyingType(type) ?? type;
        var kind = Kind(type);
        var declared = ConnectorDefinitionFolder.Text(schema, "type");
        if (declared != kind)
        {
            errors.Add($"{at}: the code has {kind} ({type.Name}), the definition {declared ?? "no type"}");
            return;
        }

        if ((type == typeof(DateTimeOffset) || type == typeof(DateTime)) && ConnectorDefinitionFolder.Text(schema, "format") != "date-time")
        {
            errors.Add($"{at}: a {type.Name} needs format date-time");
        }

        switch (kind)
        {
            case "array":
                CompareSchema(schema.GetProperty("items"), Element(type)!, at + "[]", errors, response, seen);
                return;
            case "object" when Dictionary(type) is { } values:
                if (!schema.TryGetProperty("additionalProperties", out var additional))
                {
                    errors.Add($"{at}: a dictionary needs additionalProperties");
                    return;
                }

                CompareSchema(additional, values, at + "{}", errors, response, seen);
                return;
            case "object":
                if (reference is not null && reference != $"#/definitions/{type.Name}")
                {
                    errors.Add($"{at}: refers to {reference}, but the code's type is {type.Name}");
                }

                if (!seen.Add(type))
                {
                    return;
                }

                CompareProperties(schema, type, at, errors, response, seen);
                return;
        }
    }

    private static void CompareProperties(JsonElement schema, Type type, string at, List<string> errors, bool response, HashSet<Type> seen)
    {
        var json = HostSurface.JsonProperties(type).ToDictionary(p => p.Name, StringComparer.Ordinal);
        var properties = schema.TryGetProperty("properties", out var p) ? p.EnumerateObject().ToDictionary(x => x.Name, x => x.Value, StringComparer.Ordinal) : [];
        foreach (var missing in json.Keys.Except(properties.Keys))
        {
            errors.Add($"{at}: {type.Name} has '{missing}', the definition does not");
        }

        foreach (var extra in properties.Keys.Except(json.Keys))
        {
            errors.Add($"{at}: the definition has '{extra}', {type.Name} does not");
        }

        var required = schema.TryGetProperty("required", out var r) ? r.EnumerateArray().Select(x => x.GetString()!).ToHashSet(StringComparer.Ordinal) : [];
        foreach (var extra in required.Except(properties.Keys))
        {
            errors.Add($"{at}: requires '{extra}', which it does not declare");
        }

        foreach (var (name, property) in json.Where(pair => properties.ContainsKey(pair.Key)))
        {
            CompareSchema(properties[name], property.PropertyType, $"{at}.{name}", errors, response, seen);
            if (!response)
            {
                continue;
            }

            var (alwaysWritten, nullable) = Presence(type, property);
            if (alwaysWritten != required.Contains(name))
            {
                errors.Add($"{at}.{name}: {(alwaysWritten ? "always in the answer, so required" : "left out when null, so not required")}");
            }

            var xNullable = properties[name].TryGetProperty("x-nullable", out var n) && n.ValueKind == JsonValueKind.True;
            if (xNullable != (alwaysWritten && nullable))
            {
                errors.Add($"{at}.{name}: x-nullable must be {(alwaysWritten && nullable ? "true (written as null)" : "absent (never written as null)")}");
            }
        }
    }

    /// <summary>The contexts write nulls only where a property says <c>JsonIgnoreCondition.Never</c>.</summary>
    private static (bool AlwaysWritten, bool Nullable) Presence(Type owner, JsonPropertyInfo property)
    {
        var clr = HostSurface.ClrProperty(owner, property);
        var nullable = new NullabilityInfoContext().Create(clr).ReadState == NullabilityState.Nullable;
        var never = clr.GetCustomAttribute<JsonIgnoreAttribute>()?.Condition == JsonIgnoreCondition.Never;
        return (!nullable || never, nullable);
    }

    private static string Kind(Type type)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        return type switch
        {
            _ when type == typeof(string) || type == typeof(DateTimeOffset) || type == typeof(DateTime) || type == typeof(Guid) || type.IsEnum => "string",
            _ when type == typeof(bool) => "boolean",
            _ when type == typeof(int) || type == typeof(long) || type == typeof(short) => "integer",
            _ when type == typeof(double) || type == typeof(float) || type == typeof(decimal) => "number",
            _ when Dictionary(type) is not null => "object",
            _ when Element(type) is not null => "array",
            _ => "object",
        };
    }

    private static Type? Dictionary(Type type) =>
        type.IsGenericType && type.GetGenericArguments() is [var key, var value] && key == typeof(string)
        && type.GetInterfaces().Append(type).Any(i => i.IsGenericType && i.GetGenericTypeDefinition() is var d && (d == typeof(IDictionary<,>) || d == typeof(IReadOnlyDictionary<,>)))
            ? value
            : null;

    private static Type? Element(Type type) =>
        type == typeof(string) || Dictionary(type) is not null
            ? null
            : type.IsArray
                ? type.GetElementType()
                : type.GetInterfaces().Append(type).FirstOrDefault(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IEnumerable<>))?.GetGenericArguments()[0];
}
