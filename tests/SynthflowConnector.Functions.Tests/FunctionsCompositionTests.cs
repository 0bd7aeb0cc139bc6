using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using SynthflowConnector.Functions.Tests.Infrastructure;
using SynthflowConnector.Hosting;
using SynthflowConnector.Http;
using SynthflowConnector.Pools;
using SynthflowConnector.Synthflow;
using SynthflowConnector.Tests.Infrastructure;

namespace SynthflowConnector.Functions.Tests;

/// <summary>functions/Program.cs, run for real up to Build(): the worker's services as the Functions host would get them.</summary>
[Collection("Azurite")]
public sealed class FunctionsCompositionTests(AzuriteFixture azurite)
{
    [Fact]
    public void Program_composition_builds_in_sandbox_mode_and_passes_start_up_validation()
    {
        using var host = FunctionsWorker.Build(WorkerApp.TestSettings(azurite));
        var services = host.Services;

        Assert.True(services.GetRequiredService<IOptions<SynthflowOptions>>().Value.IsSandbox);
        Assert.IsType<SandboxHost>(services.GetRequiredService<ISynthflowEndpointProvider>());

        // What the host runs first when it starts: every ValidateOnStart options type.
        services.GetRequiredService<IStartupValidator>().Validate();

        // The timer trigger reconciles in the worker; the Host's hosted scheduler must not run there as well.
        Assert.False(services.GetRequiredService<IServiceProviderIsService>().IsService(typeof(ReconcileScheduler)));
        Assert.True(services.GetRequiredService<IServiceProviderIsService>().IsService(typeof(ConnectorEndpoints)));
    }

    [Theory]
    [InlineData("Reconcile:Schedule", "nonsense", "Reconcile__Schedule")]
    [InlineData("Calls:DefaultCallerIdStrategy", "bogus", "Calls__DefaultCallerIdStrategy")]
    [InlineData("Pools:TableName", "no", "Pools__TableName")]
    public void A_bad_setting_stops_the_worker_at_start_naming_the_setting(string key, string value, string named)
    {
        var settings = WorkerApp.TestSettings(azurite, new Dictionary<string, string?> { [key] = value });
        using var host = FunctionsWorker.Build(settings);

        var exception = Assert.Throws<OptionsValidationException>(() => host.Services.GetRequiredService<IStartupValidator>().Validate());

        Assert.Contains(named, exception.Message, StringComparison.Ordinal);
        Assert.Contains(value, exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Every_function_class_resolves_from_the_worker_services()
    {
        using var host = FunctionsWorker.Build(WorkerApp.TestSettings(azurite));
        var classes = FunctionsWorker.Assembly.GetTypes()
            .Where(type => type.GetMethods().Any(method => method.GetCustomAttributes(typeof(Microsoft.Azure.Functions.Worker.FunctionAttribute), inherit: false).Length > 0))
            .ToList();

        // Every class with a [Function] is one the metadata points at, and the other way round.
        Assert.Equal(
            WorkerFunctions.All.Select(function => function.Method.DeclaringType!.FullName).Distinct().Order(StringComparer.Ordinal),
            classes.Select(type => type.FullName).Order(StringComparer.Ordinal));
        await using var scope = host.Services.CreateAsyncScope();
        foreach (var type in classes)
        {
            Assert.IsType(type, ActivatorUtilities.CreateInstance(scope.ServiceProvider, type));
        }
    }
}
