using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using SynthflowConnector.Pools;

namespace SynthflowConnector.Tests.Pools;

public sealed class PoolOptionsTests
{
    [Theory]
    [InlineData("Pools:TableName", "no", "Pools__TableName")]
    [InlineData("Pools:TableName", "has-dash", "Pools__TableName")]
    [InlineData("Reconcile:Schedule", "*/5 * * * *", "Reconcile__Schedule")] // five fields: the Functions timer needs six
    [InlineData("Reconcile:Schedule", "every five minutes", "Reconcile__Schedule")]
    [InlineData("Reconcile:MaxParallelAgents", "0", "Reconcile__MaxParallelAgents")]
    [InlineData("Reconcile:MaxParallelAgents", "65", "Reconcile__MaxParallelAgents")]
    [InlineData("Reconcile:MaxRunDuration", "00:00:30", "Reconcile__MaxRunDuration")]
    [InlineData("Reconcile:MaxRunDuration", "13:00:00", "Reconcile__MaxRunDuration")]
    [InlineData("Reconcile:MaxDetachPerRun", "-1", "Reconcile__MaxDetachPerRun")]
    public async Task The_app_refuses_to_start_with_a_bad_setting_and_names_it(string key, string value, string named)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Synthflow:ApiKey"] = "k", [key] = value });
        builder.Services.AddSynthflowConnector(builder.Configuration);
        using var host = builder.Build();

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains(named, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Defaults_are_sensible_and_valid()
    {
        var reconcile = new ReconcileOptions();
        var pools = new PoolsOptions();

        Assert.Equal("SynthflowPools", pools.TableName);
        Assert.Equal("0 */5 * * * *", reconcile.Schedule);
        Assert.True(reconcile.Enabled);
        Assert.Equal(8, reconcile.MaxParallelAgents);
        Assert.Equal(TimeSpan.FromMinutes(8), reconcile.MaxRunDuration);
        Assert.Equal(5, reconcile.MaxDetachPerRun);

        // Under the 10-minute functionTimeout of host.json, with room for the agents still running at the cutoff.
        Assert.True(reconcile.StartCutoff < reconcile.MaxRunDuration);
        Assert.True(reconcile.MaxRunDuration < TimeSpan.FromMinutes(10));
        Assert.True(new ReconcileOptionsValidator().Validate(null, reconcile).Succeeded);
        Assert.True(new PoolsOptionsValidator().Validate(null, pools).Succeeded);
    }

    [Fact]
    public void The_default_schedule_fires_every_five_minutes_on_the_minute()
    {
        Assert.True(ReconcileOptions.TryParseSchedule(new ReconcileOptions().Schedule, out var schedule));

        var next = schedule.GetNextOccurrence(new DateTime(2030, 1, 1, 0, 3, 17, DateTimeKind.Utc));

        Assert.Equal(new DateTime(2030, 1, 1, 0, 5, 0), next);
        Assert.Equal(new DateTime(2030, 1, 1, 0, 10, 0), schedule.GetNextOccurrence(next));
    }
}
