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

    /// <summary>The health probe, and Synthflow's webhook receiver (Synthflow sends no key; the signature authenticates it).</summary>
    private static readonly string[] AnonymousFunctions = ["Health", "ReceiveSynthflowWebhook"];

    [Fact]
    public async Task Health_and_the_webhook_receiver_are_the_only_anonymous_functions_as_the_Host_requires_a_key_everywhere_else()
    {
        Assert.Equal(AnonymousFunctions, WorkerFunctions.Http.Where(function => function.AuthLevel == "Anonymous").Select(function => function.Name).Order(StringComparer.Ordinal));
        foreach (var function in WorkerFunctions.Http)
        {
            Assert.Equal(AnonymousFunctions.Contains(function.Name) ? "Anonymous" : "Function", function.AuthLevel);

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

        // Every function that needs a key is an operation; the anonymous health probe and webhook receiver are not part of the connector.
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
    public void The_timers_read_their_schedules_from_settings_the_example_file_defines()
    {
        var timers = WorkerFunctions.All.Where(function => function.Trigger == "timerTrigger").ToDictionary(function => function.Name, function => function.Schedule, StringComparer.Ordinal);

        Assert.Equal(new Dictionary<string, string?> { ["ReconcilePools"] = "%Reconcile__Schedule%", ["SweepEndedCalls"] = "%Hooks__SweepSchedule%" }, timers.Where(timer => timer.Key != "DispatchCampaigns").ToDictionary());
        Assert.Equal("%Campaigns__DispatchSchedule%", timers["DispatchCampaigns"]);
        Assert.Equal("*/10 * * * * *", JsonDocument.Parse(File.ReadAllText(Path.Combine(RepositoryRoot.Path, "local.settings.example.json"))).RootElement.GetProperty("Values").GetProperty("Campaigns__DispatchSchedule").GetString());
        using var example = JsonDocument.Parse(File.ReadAllText(Path.Combine(RepositoryRoot.Path, "local.settings.example.json")));
        var values = example.RootElement.GetProperty("Values");
        Assert.Equal("0 */5 * * * *", values.GetProperty("Reconcile__Schedule").GetString());
        Assert.Equal("0 */1 * * * *", values.GetProperty("Hooks__SweepSchedule").GetString());
    }

    [Fact]
    public void The_queue_triggers_drain_the_trigger_queues_on_AzureWebJobsStorage()
    {
        var queues = WorkerFunctions.All.Where(function => function.Trigger == "queueTrigger")
            .ToDictionary(function => function.Name, function => (function.QueueName, function.Connection), StringComparer.Ordinal);

        Assert.Equal(
            new Dictionary<string, (string?, string?)>
            {
                ["FanOutCallEvent"] = (Hooks.IHookQueues.EventsQueue, "AzureWebJobsStorage"),
                ["DeliverCallEvent"] = (Hooks.IHookQueues.DeliveriesQueue, "AzureWebJobsStorage"),
            },
            queues);
        Assert.Equal(["call-events", "call-deliveries"], queues.Values.Select(queue => queue.Item1));

        // The Functions host's queue settings: quick polling, five tries before {queue}-poison, base64 messages.
        using var host = JsonDocument.Parse(File.ReadAllText(Path.Combine(WorkerFunctions.OutputDirectory, "host.json")));
        var settings = host.RootElement.GetProperty("extensions").GetProperty("queues");
        Assert.Equal("00:00:02", settings.GetProperty("maxPollingInterval").GetString());
        Assert.Equal(5, settings.GetProperty("maxDequeueCount").GetInt32());
        Assert.Equal("base64", settings.GetProperty("messageEncoding").GetString());
        Assert.Equal(Hooks.IHookQueues.DeliveriesQueue + "-poison", Hooks.IHookQueues.DeliveriesPoisonQueue);
        using var extensions = JsonDocument.Parse(File.ReadAllText(Path.Combine(WorkerFunctions.OutputDirectory, "extensions.json")));
        Assert.Contains(extensions.RootElement.GetProperty("extensions").EnumerateArray(), extension => extension.GetProperty("name").GetString() == "AzureStorageQueues");
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
        [.. functions.Select(f => $"{f.Name} {f.EntryPoint} {f.Trigger} {f.AuthLevel} {string.Join(',', f.Methods)} {f.Route} {f.Schedule} {f.QueueName} {f.Connection}").Order(StringComparer.Ordinal)];
}
