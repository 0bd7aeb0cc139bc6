using System.Globalization;
using SynthflowConnector.Tests.Infrastructure;

namespace SynthflowConnector.Tests.Hosting;

/// <summary>
/// <c>./build.sh run</c> under a supervisor (<c>timeout</c>, systemd, CI): a TERM to the script stops the Host and
/// the Azurite the script started. Azurite gets its own free ports (<c>AZURITE_TABLE_PORT</c>, <c>AZURITE_QUEUE_PORT</c>) so the test owns it.
/// </summary>
public sealed class BuildShRunTests
{
    // `dotnet run` checks the build first: slow on a busy 2-core machine, hence the generous start deadline.
    private static readonly TimeSpan StartDeadline = TimeSpan.FromMinutes(5);
    private static readonly TimeSpan StopDeadline = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task A_TERM_to_the_script_stops_the_Host_and_its_Azurite_promptly()
    {
        var hostPort = LoopbackPorts.Free();
        var tablePort = LoopbackPorts.Free();
        var queuePort = LoopbackPorts.Free();
        var address = new Uri($"http://127.0.0.1:{hostPort}");
        await using var script = ChildProcess.Start(
            "bash",
            ["build.sh", "run", "--urls", address.ToString().TrimEnd('/')],
            RepositoryRoot.Path,
            new Dictionary<string, string>
            {
                ["AZURITE_TABLE_PORT"] = tablePort.ToString(CultureInfo.InvariantCulture),
                ["AZURITE_QUEUE_PORT"] = queuePort.ToString(CultureInfo.InvariantCulture),
                ["Connector__ApiKey"] = "build-sh-run-test-key",
            });

        Assert.True(await script.WaitUntilHealthyAsync(address, StartDeadline), $"the Host never answered /api/health; {script.Describe()}");
        Assert.True(await LoopbackPorts.IsListeningAsync(tablePort), $"Azurite is not on {tablePort}; {script.Describe()}");
        Assert.True(await LoopbackPorts.IsListeningAsync(queuePort), $"Azurite's queue service is not on {queuePort}; {script.Describe()}");

        await script.TerminateAsync();

        var exitCode = await script.WaitForExitAsync(StopDeadline);
        Assert.True(exitCode is not null, $"the script still runs {StopDeadline.TotalSeconds} s after TERM; {script.Describe()}");
        Assert.NotEqual(0, exitCode);
        Assert.True(await ChildProcess.WaitUntilClosedAsync(hostPort, StopDeadline), $"the Host still listens on {hostPort}; {script.Describe()}");
        Assert.True(await ChildProcess.WaitUntilClosedAsync(tablePort, StopDeadline), $"Azurite still listens on {tablePort}; {script.Describe()}");
        Assert.True(await ChildProcess.WaitUntilClosedAsync(queuePort, StopDeadline), $"Azurite's queue service still listens on {queuePort}; {script.Describe()}");
    }
}
