using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Net.Http.Headers;
using SynthflowConnector.Http;
using SynthflowConnector.Tests.Infrastructure;

namespace SynthflowConnector.Tests.ConnectorDefinition;

/// <summary>One route the Host serves, as the code defines it.</summary>
/// <param name="Name">The endpoint name (the operationId).</param>
/// <param name="Method">HTTP method, upper case.</param>
/// <param name="Route">The route pattern with the prefix, e.g. <c>/api/calls/{callId}</c>.</param>
/// <param name="RouteParameters">The route's parameter names.</param>
/// <param name="Handler">The shared endpoint method the route calls, e.g. <c>ConnectorEndpoints.MakeCallAsync</c>.</param>
/// <param name="Query">Query names the handler reads.</param>
/// <param name="Headers">Header names the handler reads.</param>
/// <param name="RequestType">The contract the handler reads its JSON body as, if it has a body.</param>
/// <param name="ResponseTypes">The contracts the handler answers with as JSON (its success answers).</param>
/// <param name="SuccessStatus">The status of those answers: 200 unless the handler's <c>TypedResults.Json</c> says <c>statusCode: StatusCodes.Status201Created</c> (or another).</param>
public sealed record HostRoute(
    string Name,
    string Method,
    string Route,
    IReadOnlyList<string> RouteParameters,
    string Handler,
    IReadOnlySet<string> Query,
    IReadOnlySet<string> Headers,
    Type? RequestType,
    IReadOnlyList<Type> ResponseTypes,
    string SuccessStatus);

/// <summary>
/// The HTTP surface the hosts serve, derived from the code: the Host's routes from its endpoint data source (the same
/// <c>MapConnectorEndpoints</c> the Host runs), and what each handler reads and answers from the handler's source
/// (Roslyn, syntax only): <c>request.Query[…]</c>, <c>request.Headers[…]</c> and typed header properties,
/// <c>ReadJsonAsync(request, context.T, …)</c> for the body and <c>TypedResults.Json(value, context.T)</c> for the
/// answer, following calls into helper methods of the same class and into other classes of the API's source
/// (<c>PoolRequests.ReadCondition(…)</c>).
/// </summary>
public static class HostSurface
{
    private static readonly Lazy<IReadOnlyList<HostRoute>> Lazy = new(Read);

    /// <summary>Every route but the anonymous ones (health check, webhook receiver), which are not part of the connector.</summary>
    public static IReadOnlyList<HostRoute> Routes => Lazy.Value;

    public static string HealthRoute => $"/{ConnectorRoutes.Prefix}/{ConnectorRoutes.Health}";

    /// <summary>The routes served without a function key, with the prefix.</summary>
    public static IReadOnlyList<string> AnonymousRoutes => [.. ConnectorRoutes.Anonymous.Select(route => $"/{ConnectorRoutes.Prefix}/{route}")];

    /// <summary>The route's endpoints as the Host maps them.</summary>
    public static IReadOnlyList<RouteEndpoint> Endpoints()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Synthflow:ApiKey"] = "k", ["Connector:ApiKey"] = "0123456789abcdef" });
        builder.Services.AddSynthflowConnector(builder.Configuration);
        using var app = builder.Build();
        app.MapConnectorEndpoints();
        return [.. ((IEndpointRouteBuilder)app).DataSources.SelectMany(source => source.Endpoints).OfType<RouteEndpoint>()];
    }

    /// <summary>The camelCase JSON properties of a contract, from the source-generated context that serializes it.</summary>
    public static IReadOnlyList<JsonPropertyInfo> JsonProperties(Type contract)
    {
        var info = ContractContexts.Value.Select(context => context.GetTypeInfo(contract)).FirstOrDefault(i => i is not null)
            ?? throw new InvalidOperationException($"{contract.Name} is in no camelCase JsonSerializerContext of the app: the hosts could not serialize it.");
        return info.Kind == JsonTypeInfoKind.Object ? [.. info.Properties.Where(p => !IsIgnored(contract, p))] : [];
    }

    /// <summary>The CLR property behind a JSON property (source-generated metadata may not carry it).</summary>
    public static PropertyInfo ClrProperty(Type owner, JsonPropertyInfo property) =>
        property.AttributeProvider as PropertyInfo
        ?? owner.GetProperty(property.Name, BindingFlags.Public | BindingFlags.Instance | BindingFlags.IgnoreCase)
        ?? throw new InvalidOperationException($"{owner.Name}.{property.Name}: no CLR property");

    /// <summary>Source-generated metadata keeps <c>[JsonIgnore]</c> properties; they are never written.</summary>
    private static bool IsIgnored(Type owner, JsonPropertyInfo property) =>
        ClrProperty(owner, property).GetCustomAttribute<JsonIgnoreAttribute>() is { Condition: JsonIgnoreCondition.Always };

    private static readonly Lazy<IReadOnlyList<JsonSerializerContext>> ContractContexts = new(() =>
        [.. typeof(ConnectorEndpoints).Assembly.GetTypes()
            .Where(type => type.IsSubclassOf(typeof(JsonSerializerContext)) && !type.IsAbstract)
            .Select(type => (JsonSerializerContext?)type.GetProperty("Default", BindingFlags.Public | BindingFlags.Static)?.GetValue(null))
            .OfType<JsonSerializerContext>()
            .Where(context => context.Options.PropertyNamingPolicy == JsonNamingPolicy.CamelCase)]);

    private static List<HostRoute> Read()
    {
        var source = new SourceIndex(Path.Combine(RepositoryRoot.Path, "src", "SynthflowConnector.Api"));
        var routes = new List<HostRoute>();
        foreach (var endpoint in Endpoints().Where(e => !AnonymousRoutes.Contains(e.RoutePattern.RawText)))
        {
            var name = endpoint.Metadata.GetMetadata<IEndpointNameMetadata>()?.EndpointName
                ?? throw new InvalidOperationException($"{endpoint.RoutePattern.RawText} has no endpoint name (WithName): it needs one, the operationId.");
            var method = endpoint.Metadata.GetMetadata<IHttpMethodMetadata>()!.HttpMethods.Single();
            var handler = source.Handler(name);
            routes.Add(new HostRoute(
                name,
                method,
                endpoint.RoutePattern.RawText!,
                [.. endpoint.RoutePattern.Parameters.Select(p => p.Name)],
                $"{handler.Class}.{handler.Method}",
                handler.Query,
                handler.Headers,
                handler.RequestType is null ? null : ContractType(handler.RequestType),
                [.. handler.ResponseTypes.Select(ContractType)],
                handler.SuccessStatus));
        }

        return routes;
    }

    /// <summary>Contracts are the API's request types and the core's result records it answers with.</summary>
    private static Type ContractType(string name) =>
        new[] { typeof(ConnectorEndpoints).Assembly, typeof(Agents.AgentList).Assembly }
            .SelectMany(assembly => assembly.GetTypes())
            .SingleOrDefault(type => type.Name == name && type.IsPublic)
        ?? throw new InvalidOperationException($"No public contract type named {name}.");

    private sealed record HandlerReads(string Class, string Method, IReadOnlySet<string> Query, IReadOnlySet<string> Headers, string? RequestType, IReadOnlyList<string> ResponseTypes, string SuccessStatus);

    /// <summary>The app's source, parsed once, with the lookups the analysis needs.</summary>
    private sealed class SourceIndex
    {
        private readonly List<SyntaxNode> _roots;
        private readonly Dictionary<string, string> _constants = new(StringComparer.Ordinal);
        private readonly HashSet<string> _classes;

        public SourceIndex(string directory)
        {
            _roots = [.. Directory.GetFiles(directory, "*.cs", SearchOption.AllDirectories)
                .Where(path => !path.Split(Path.DirectorySeparatorChar).Any(part => part is "obj" or "bin"))
                .Select(path => CSharpSyntaxTree.ParseText(File.ReadAllText(path), new CSharpParseOptions(LanguageVersion.Preview), path).GetRoot())];
            _classes = [.. _roots.SelectMany(root => root.DescendantNodes().OfType<ClassDeclarationSyntax>()).Select(c => c.Identifier.Text)];
            foreach (var field in _roots.SelectMany(root => root.DescendantNodes().OfType<FieldDeclarationSyntax>()).Where(f => f.Modifiers.Any(SyntaxKind.ConstKeyword)))
            {
                var owner = field.Ancestors().OfType<TypeDeclarationSyntax>().First().Identifier.Text;
                foreach (var variable in field.Declaration.Variables)
                {
                    if (variable.Initializer?.Value is LiteralExpressionSyntax { Token.Value: string value })
                    {
                        _constants[$"{owner}.{variable.Identifier.Text}"] = value;
                    }
                }
            }
        }

        /// <summary>What the handler of the endpoint named <paramref name="name"/> reads and answers.</summary>
        public HandlerReads Handler(string name)
        {
            var (className, methodName) = FindHandler(name);
            var query = new SortedSet<string>(StringComparer.Ordinal);
            var headers = new SortedSet<string>(StringComparer.OrdinalIgnoreCase);
            string? request = null;
            var responses = new List<string>();
            var statuses = new SortedSet<string>(StringComparer.Ordinal);
            var visited = new HashSet<(string Class, string Method)>();
            var pending = new Queue<(string Class, string Method)>([(className, methodName)]);
            while (pending.TryDequeue(out var next))
            {
                if (!visited.Add(next))
                {
                    continue;
                }

                var (currentClass, current) = next;
                foreach (var method in Methods(currentClass, current))
                {
                    foreach (var node in method.DescendantNodes())
                    {
                        switch (node)
                        {
                            // request.Query["force"], request.Headers[IdempotencyKeyHeader]
                            case ElementAccessExpressionSyntax { Expression: MemberAccessExpressionSyntax { Name.Identifier.Text: var collection } } access
                                when collection is "Query" or "Headers":
                                (collection == "Query" ? (ISet<string>)query : headers).Add(Constant(currentClass, access.ArgumentList.Arguments[0].Expression));
                                break;

                            // request.Headers.IfMatch (the typed header properties)
                            case MemberAccessExpressionSyntax { Expression: MemberAccessExpressionSyntax { Name.Identifier.Text: "Headers" } headersOf, Name.Identifier.Text: var property }
                                when typeof(HeaderNames).GetField(property) is { } known && !headersOf.Expression.ToString().EndsWith("Response", StringComparison.Ordinal):
                                headers.Add((string)known.GetValue(null)!);
                                break;

                            case InvocationExpressionSyntax invocation:
                                var called = invocation.Expression switch
                                {
                                    IdentifierNameSyntax identifier => identifier.Identifier.Text,
                                    MemberAccessExpressionSyntax member => member.Name.Identifier.Text,
                                    _ => null,
                                };
                                var target = invocation.Expression is MemberAccessExpressionSyntax { Expression: IdentifierNameSyntax owner } ? owner.Identifier.Text : null;
                                var arguments = invocation.ArgumentList.Arguments;
                                if (called == "ReadJsonAsync" && arguments.Count >= 2)
                                {
                                    request = LastName(arguments[1].Expression);
                                }
                                else if (called == "Json" && target is "TypedResults" or "Results")
                                {
                                    responses.Add(arguments.Count >= 2 ? LastName(arguments[1].Expression) : throw new InvalidOperationException($"{currentClass}.{current}: answer JSON with TypedResults.Json(value, <context>.<Type>) so the contract can be read from the code."));
                                    statuses.Add(arguments.FirstOrDefault(a => a.NameColon?.Name.Identifier.Text == "statusCode") is { } status
                                        ? StatusOf(LastName(status.Expression))
                                        : "200");
                                }
                                else if (called is "Ok" or "Created" or "Accepted" && target is "TypedResults" or "Results" && arguments.Count > 0)
                                {
                                    throw new InvalidOperationException($"{currentClass}.{current}: answer JSON with TypedResults.Json(value, <context>.<Type>) so the contract can be read from the code.");
                                }
                                else if (called is not null && (invocation.Expression is IdentifierNameSyntax || target == "this"))
                                {
                                    pending.Enqueue((currentClass, called));
                                }
                                else if (called is not null && target is not null && _classes.Contains(target))
                                {
                                    // A static helper of another class of the API (PoolRequests.ReadCondition(…)).
                                    pending.Enqueue((target, called));
                                }

                                break;
                        }
                    }
                }
            }

            if (statuses.Count > 1)
            {
                throw new InvalidOperationException($"{className}.{methodName} answers JSON with statuses {string.Join(", ", statuses)}; an operation has one success status.");
            }

            return new HandlerReads(className, methodName, query, headers, request, responses.Distinct(StringComparer.Ordinal).ToList(), statuses.FirstOrDefault() ?? "200");
        }

        /// <summary>The class and method the Host's mapping of <paramref name="name"/> calls: <c>Map…(route, (…, T x, …) => x.M(…)).WithName(name)</c>.</summary>
        private (string Class, string Method) FindHandler(string name)
        {
            var naming = _roots.SelectMany(root => root.DescendantNodes().OfType<InvocationExpressionSyntax>())
                .Where(i => i.Expression is MemberAccessExpressionSyntax { Name.Identifier.Text: "WithName" }
                    && i.ArgumentList.Arguments.Count == 1
                    && i.ArgumentList.Arguments[0].Expression is LiteralExpressionSyntax { Token.Value: string given } && given == name)
                .ToList();
            if (naming is not [var withName])
            {
                throw new InvalidOperationException($"Found {naming.Count} mappings named \"{name}\" in the source; expected one WithName(\"{name}\").");
            }

            // Down the fluent chain to the Map… call.
            var map = ((MemberAccessExpressionSyntax)withName.Expression).Expression as InvocationExpressionSyntax;
            while (map is not null && !(map.Expression is MemberAccessExpressionSyntax { Name.Identifier.Text: var verb } && verb.StartsWith("Map", StringComparison.Ordinal)))
            {
                map = (map.Expression as MemberAccessExpressionSyntax)?.Expression as InvocationExpressionSyntax;
            }

            var lambda = map?.ArgumentList.Arguments.LastOrDefault()?.Expression as ParenthesizedLambdaExpressionSyntax
                ?? throw new InvalidOperationException($"\"{name}\": the mapping's handler must be a lambda calling the shared endpoint class.");
            var parameterTypes = lambda.ParameterList.Parameters.Where(p => p.Type is not null).ToDictionary(p => p.Identifier.Text, p => p.Type!.ToString(), StringComparer.Ordinal);
            var call = lambda.DescendantNodes().OfType<InvocationExpressionSyntax>()
                .Select(i => i.Expression as MemberAccessExpressionSyntax)
                .FirstOrDefault(m => m?.Expression is IdentifierNameSyntax receiver && parameterTypes.ContainsKey(receiver.Identifier.Text))
                ?? throw new InvalidOperationException($"\"{name}\": the handler calls no method of a parameter.");
            return (parameterTypes[((IdentifierNameSyntax)call.Expression).Identifier.Text], call.Name.Identifier.Text);
        }

        private IEnumerable<MethodDeclarationSyntax> Methods(string className, string methodName) =>
            _roots.SelectMany(root => root.DescendantNodes().OfType<ClassDeclarationSyntax>())
                .Where(c => c.Identifier.Text == className)
                .SelectMany(c => c.Members.OfType<MethodDeclarationSyntax>())
                .Where(m => m.Identifier.Text == methodName);

        private string Constant(string className, ExpressionSyntax expression) => expression switch
        {
            LiteralExpressionSyntax { Token.Value: string literal } => literal,
            IdentifierNameSyntax identifier when _constants.TryGetValue($"{className}.{identifier.Identifier.Text}", out var value) => value,
            MemberAccessExpressionSyntax { Expression: IdentifierNameSyntax owner, Name: var member } when _constants.TryGetValue($"{owner.Identifier.Text}.{member.Identifier.Text}", out var value) => value,
            _ => throw new InvalidOperationException($"{className}: cannot tell which name '{expression}' reads; use a string literal or a const."),
        };

        /// <summary><c>Status201Created</c> → <c>201</c>.</summary>
        private static string StatusOf(string constant) =>
            typeof(StatusCodes).GetField(constant)?.GetRawConstantValue() is int code
                ? code.ToString(System.Globalization.CultureInfo.InvariantCulture)
                : throw new InvalidOperationException($"statusCode: {constant} is not a StatusCodes constant.");

        private static string LastName(ExpressionSyntax expression) => expression switch
        {
            MemberAccessExpressionSyntax member => member.Name.Identifier.Text,
            IdentifierNameSyntax identifier => identifier.Identifier.Text,
            _ => throw new InvalidOperationException($"Cannot tell the contract type of '{expression}'."),
        };
    }
}
