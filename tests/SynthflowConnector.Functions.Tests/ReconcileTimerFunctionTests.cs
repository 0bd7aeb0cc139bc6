using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.DependencyInjection;
using SynthflowConnector.Functions.Tests.Infrastructure;
using SynthflowConnector.Synthflow;
using SynthflowConnector.Tests.Infrastructure;
using static SynthflowConnector.Sandbox.SandboxSeed;

namespace SynthflowConnector.Functions.Tests;

/// <summary>The timer function, invoked in-process as the worker would on a schedule tick, in the real composition.</summary>
[Collection("Azurite")]
public sealed class ReconcileTimerFunctionTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task ReconcilePools_repairs_a_drifted_pool()
    {
        await using var worker = await WorkerApp.StartAsync(azurite);
        var desired = new[] { NewYork1, LosAngeles1 };

        // The desired pool, set through the SetPool function and brought in sync through the timer.
        var (_, set) = await Exchange.InvokeAsync(worker.Services, new ExchangeRequest(
            "PUT", $"/api/pools/{SalesEastModelId}", $$"""{"phoneNumbers":["{{NewYork1}}","{{LosAngeles1}}"],"mode":"exact"}"""));
        Assert.Equal(200, set.Status);
        await RunTimerAsync(worker);
        Assert.Equal(desired.Order(), await AttachedAsync(worker));

        // Drift: someone detaches a pool number and attaches another behind the connector's back.
        var client = worker.Services.GetRequiredService<ISynthflowClient>();
        await client.DetachPhoneNumberAsync(SalesEastModelId, PhoneNumberSlug.FromNumber(LosAngeles1));
        await client.AttachPhoneNumbersAsync(SalesEastModelId, AttachPhoneNumbers.ByNumbers([Chicago2]));
        Assert.Equal(new[] { NewYork1, Chicago2 }.Order(), await AttachedAsync(worker));

        await RunTimerAsync(worker);

        Assert.Equal(desired.Order(), await AttachedAsync(worker));
    }

    [Fact]
    public async Task ReconcilePools_does_nothing_when_Reconcile__Enabled_is_false()
    {
        await using var worker = await WorkerApp.StartAsync(azurite, new Dictionary<string, string?> { ["Reconcile:Enabled"] = "false" });
        var (_, set) = await Exchange.InvokeAsync(worker.Services, new ExchangeRequest(
            "PUT", $"/api/pools/{SalesEastModelId}", $$"""{"phoneNumbers":["{{NewYork1}}"],"mode":"exact"}"""));
        Assert.Equal(200, set.Status);

        await RunTimerAsync(worker);

        Assert.Equal(new[] { NewYork1, NewYork2, NewYork3 }.Order(), await AttachedAsync(worker));
    }

    /// <summary>What the worker does on a tick: the function class from DI in a fresh scope, called with a TimerInfo.</summary>
    private static async Task RunTimerAsync(WorkerApp worker)
    {
        var timer = Assert.Single(WorkerFunctions.All, function => function.Name == "ReconcilePools");
        await using var scope = worker.Services.CreateAsyncScope();
        var instance = ActivatorUtilities.CreateInstance(scope.ServiceProvider, timer.Method.DeclaringType!);
        var info = new TimerInfo { IsPastDue = false, ScheduleStatus = new ScheduleStatus { Last = DateTime.UtcNow.AddMinutes(-5), Next = DateTime.UtcNow.AddMinutes(5) } };
        await (Task)timer.Method.Invoke(instance, [info, CancellationToken.None])!;
    }

    private static async Task<IOrderedEnumerable<string>> AttachedAsync(WorkerApp worker)
    {
        var agent = await worker.Services.GetRequiredService<ISynthflowClient>().GetAgentAsync(SalesEastModelId);
        return (agent.AttachedPhoneNumbers ?? []).Select(number => number.Number).Order(StringComparer.Ordinal);
    }
}
