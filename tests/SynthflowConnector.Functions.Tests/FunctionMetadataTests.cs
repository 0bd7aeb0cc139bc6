using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using SynthflowConnector.Functions.Tests.Infrastructure;
using SynthflowConnector.Tests.Infrastructure;

namespace SynthflowConnector.Functions.Tests;

/// <summary>
/// The worker's SDK-generated metadata (functions.metadata in its build output, which the Functions host indexes)
/// against the Host's route table (its real EndpointDataSource) and the connector definition.
/// </summary>
[Collection("Azurite")]
public sealed class FunctionMetadataTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private ConnectorHostHarness _host = null!;

    public async Task InitializeAsync() => _host = await ConnectorHostHarness.StartAsync(azurite);

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public void Build_output_holds_the_function_metadata_and_the_extensions_manifest()
    {
        Assert.NotEmpty(WorkerFunctions.All);
        using var extensions = JsonDocument.Parse(File.ReadAllText(Path.Combine(WorkerFunctions.OutputDirectory, "extensions.json")));
        Assert.Equal(JsonValueKind.Array, extensions.RootElement.GetProperty("extensions").ValueKind);
        Assert.Equal("api", WorkerFunctions.RoutePrefix);
    }

    [Fact]
    public async Task Metadata_file_and_generated_metadata_provider_describe_the_same_functions()
    {
        var generated = await WorkerFunctions.FromGeneratedProviderAsync();

        Assert.Equal(Describe(WorkerFunctions.All), Describe(generated));
    }

    [Fact]
    public void Function_metadata_matches_host_routes()
    {
        var hostRoutes = _host.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Select(endpoint => $"{endpoint.Metadata.GetMetadata<IEndpointNameMetadata>()?.EndpointName} {endpoint.Metadata.GetMetadata<IHttpMethodMetadata>()!.HttpMethods.Single()} {endpoint.RoutePattern.RawText}")
            .Order(StringComparer.Ordinal)
            .ToList();
        var functions = WorkerFunctions.Http
            .SelectMany(function => function.Methods.Select(method => $"{function.Name} {method} /{WorkerFunctions.RoutePrefix}/{function.Route}"))
            .Order(StringComparer.Ordinal)
            .ToList();

        Assert.NotEmpty(hostRoutes);
        Assert.Equal(hostRoutes, functions);
        Assert.Equal(functions.Count, functions.Distinct(StringComparer.Ordinal).Count());
        Assert.Equal(functions.Count, WorkerFunctions.Http.Select(function => function.Name).Distinct(StringComparer.Ordinal).Count());
    }

    [Fact]
    public async Task Health_is_the_only_anonymous_function_as_the_Host_requires_a_key_everywhere_else()
    {
        foreach (var function in WorkerFunctions.Http)
        {
            Assert.Equal(function.Name == "Health" ? "Anonymous" : "Function", function.AuthLevel);

            // The Host's stand-in for function keys must agree: no key, 401 exactly where a key is required.
            var path = $"/{WorkerFunctions.RoutePrefix}/" + string.Join('/', function.Route!.Split('/').Select(segment => segment.StartsWith('{') ? "x" : segment));
            using var request = new HttpRequestMessage(new HttpMethod(function.Methods.Single()), path);
            using var response = await _host.Anonymous.SendAsync(request);
            Assert.True(
                (response.StatusCode == HttpStatusCode.Unauthorized) == (function.AuthLevel == "Function"),
                $"{function.Name}: auth level {function.AuthLevel}, but the Host answered {(int)response.StatusCode} without a key.");
        }
    }

    [Fact]
    public void Function_metadata_matches_the_connector_definition()
    {
        using var definition = JsonDocument.Parse(File.ReadAllText(Path.Combine(RepositoryRoot.Path, "connector-definition", "apiDefinition.swagger.json")));
        var root = definition.RootElement;
        Assert.Equal("/" + WorkerFunctions.RoutePrefix, root.GetProperty("basePath").GetString());
        var operations = root.GetProperty("paths").EnumerateObject()
            .SelectMany(path => path.Value.EnumerateObject()
                .Where(verb => verb.Value.ValueKind == JsonValueKind.Object && verb.Value.TryGetProperty("operationId", out _))
                .Select(verb => $"{verb.Value.GetProperty("operationId").GetString()} {verb.Name.ToUpperInvariant()} {path.Name}"))
            .Order(StringComparer.Ordinal)
            .ToList();

        // Every function that needs a key is an action; the anonymous health probe is not part of the connector.
        var actions = WorkerFunctions.Http.Where(function => function.AuthLevel == "Function")
            .SelectMany(function => function.Methods.Select(method => $"{function.Name} {method} /{function.Route}"))
            .Order(StringComparer.Ordinal)
            .ToList();
        Assert.Equal(actions, operations);

        // The key the actions need is the function key, sent as the Functions host reads it.
        var scheme = Assert.Single(root.GetProperty("security").EnumerateArray()).EnumerateObject().Single().Name;
        var definitionOfScheme = root.GetProperty("securityDefinitions").GetProperty(scheme);
        Assert.Equal("apiKey", definitionOfScheme.GetProperty("type").GetString());
        Assert.Equal("header", definitionOfScheme.GetProperty("in").GetString());
        Assert.Equal("x-functions-key", definitionOfScheme.GetProperty("name").GetString());
    }

    [Fact]
    public void ReconcilePools_is_the_only_timer_and_reads_its_schedule_from_Reconcile__Schedule()
    {
        var timer = Assert.Single(WorkerFunctions.All, function => !function.IsHttp);

        Assert.Equal("ReconcilePools", timer.Name);
        Assert.Equal("timerTrigger", timer.Trigger);
        Assert.Equal("%Reconcile__Schedule%", timer.Schedule);
        using var example = JsonDocument.Parse(File.ReadAllText(Path.Combine(RepositoryRoot.Path, "local.settings.example.json")));
        Assert.Equal("0 */5 * * * *", example.RootElement.GetProperty("Values").GetProperty("Reconcile__Schedule").GetString());
    }

    [Fact]
    public void Every_route_value_binds_to_a_parameter_of_the_function_method()
    {
        foreach (var function in WorkerFunctions.Http)
        {
            var routeValues = function.Route!.Split('/').Where(segment => segment.StartsWith('{')).Select(segment => segment.Trim('{', '}')).Order(StringComparer.Ordinal);
            var parameters = function.Method.GetParameters();
            Assert.Equal(routeValues, parameters.Where(p => p.ParameterType == typeof(string)).Select(p => p.Name!).Order(StringComparer.Ordinal));
            Assert.All(parameters, p => Assert.True(
                p.ParameterType == typeof(HttpRequest) || p.ParameterType == typeof(CancellationToken) || p.ParameterType == typeof(string),
                $"{function.Name}: unexpected parameter {p.Name} ({p.ParameterType.Name})"));
        }
    }

    private static List<string> Describe(IEnumerable<WorkerFunction> functions) =>
        [.. functions.Select(f => $"{f.Name} {f.EntryPoint} {f.Trigger} {f.AuthLevel} {string.Join(',', f.Methods)} {f.Route} {f.Schedule}").Order(StringComparer.Ordinal)];
}
