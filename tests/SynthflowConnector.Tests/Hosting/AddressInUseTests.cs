using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;

namespace SynthflowConnector.Tests.Hosting;

/// <summary>The built Host started on an address another process already listens on, as when 7071 is taken.</summary>
public sealed partial class AddressInUseTests
{
    [Fact]
    public async Task A_taken_address_ends_the_Host_with_one_line_naming_it_and_exit_code_1()
    {
        using var squatter = new TcpListener(IPAddress.Loopback, 0);
        squatter.Start();
        var address = $"http://127.0.0.1:{((IPEndPoint)squatter.LocalEndpoint).Port}";

        await using var host = ChildProcess.StartHost(["--urls", address], new Dictionary<string, string>
        {
            ["Connector__ApiKey"] = "address-in-use-test-key",
        });
        var exitCode = await host.WaitForExitAsync(TimeSpan.FromMinutes(2));

        Assert.True(exitCode == 1, $"exit code {exitCode?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none (still running)"}; {host.Describe()}");
        var errorLines = host.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var line = Assert.Single(errorLines);
        Assert.Contains(address, line, StringComparison.Ordinal);
        Assert.Contains("address already in use", line, StringComparison.Ordinal);
        Assert.Contains("--urls", line, StringComparison.Ordinal);
        var everything = host.Output + host.Error;
        Assert.DoesNotMatch(StackFrame(), everything);
        Assert.DoesNotContain("Unhandled exception", everything, StringComparison.Ordinal);
        Assert.DoesNotContain("Hosting failed to start", everything, StringComparison.Ordinal);
    }

    /// <summary>A .NET stack trace line: "   at Namespace.Type.Method(…)".</summary>
    [GeneratedRegex(@"^\s+at \S+\(", RegexOptions.Multiline)]
    private static partial Regex StackFrame();
}
