using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using SynthflowConnector.Tests.Hosting;
using SynthflowConnector.Tests.Infrastructure;

namespace SynthflowConnector.Tests.Readme;

/// <summary>
/// README's curl examples, taken from README.md itself, run as written and in order by bash and real curl against
/// the built Host in sandbox mode (as <c>./build.sh run</c> starts it) on a free loopback port. The only changes are
/// what a reader fills in: README's <c>http://localhost:7071</c> becomes this Host's address, and the key placeholder
/// in <c>KEY=…</c> becomes the key this Host printed at start.
/// </summary>
[Collection("Azurite")]
public sealed partial class ReadmeExamplesTests(AzuriteFixture azurite)
{
    private const string StatusMarker = "README-CURL";
    private static readonly TimeSpan StartDeadline = TimeSpan.FromMinutes(2);

    [Fact]
    public void The_examples_are_curl_calls_and_variables_only()
    {
        var blocks = ReadmeShellExamples.CurlBlocks(ReadReadme());

        Assert.NotEmpty(blocks);
        foreach (var block in blocks)
        {
            foreach (var command in block.Commands)
            {
                Assert.True(AllowedCommand().IsMatch(command), $"README.md line {block.Line}: '{command}' is not a curl call, jq or a variable; move it out of the curl examples or teach this test to run it.");
            }
        }
    }

    [Fact]
    public async Task Every_curl_example_answers_2xx_in_order_against_the_sandbox_Host()
    {
        var blocks = ReadmeShellExamples.CurlBlocks(ReadReadme());
        var expectedCurls = blocks.Sum(block => block.Commands.Sum(ReadmeShellExamples.CountCurls));
        await using var host = await StartSandboxHostAsync();
        var script = Script(blocks, host.Address, host.Key);
        Assert.All(ReadmeShellExamples.SplitCommands(script), command => Assert.DoesNotMatch(Placeholder(), command));

        var scriptPath = Path.Combine(Path.GetTempPath(), $"readme-examples-{Guid.NewGuid():N}.sh");
        await File.WriteAllTextAsync(scriptPath, script);
        try
        {
            await using var bash = ChildProcess.Start("bash", [scriptPath], RepositoryRoot.Path, new Dictionary<string, string>());
            var exitCode = await bash.WaitForExitAsync(TimeSpan.FromMinutes(2));

            var answers = bash.Error.Split('\n').Where(line => line.StartsWith(StatusMarker, StringComparison.Ordinal)).ToArray();
            var report = $"{string.Join(Environment.NewLine, answers)}{Environment.NewLine}{bash.Describe()}{Environment.NewLine}Host:{Environment.NewLine}{host.Process.Describe()}";
            Assert.True(exitCode == 0, $"the examples stopped (exit {exitCode?.ToString(CultureInfo.InvariantCulture) ?? "none: still running"}): is curl or jq missing, or did a command fail?{Environment.NewLine}{report}");
            Assert.True(answers.Length == expectedCurls, $"{expectedCurls} curl calls in README, {answers.Length} answered{Environment.NewLine}{report}");
            var failed = answers.Where(answer => !Succeeded().IsMatch(answer)).ToArray();
            Assert.True(failed.Length == 0, $"not 2xx:{Environment.NewLine}{string.Join(Environment.NewLine, failed)}{Environment.NewLine}{report}");
        }
        finally
        {
            File.Delete(scriptPath);
        }
    }

    /// <summary>The blocks as one bash script, with curl wrapped to report each answer's status on stderr.</summary>
    private static string Script(IEnumerable<ShellBlock> blocks, string address, string key)
    {
        var script = new StringBuilder()
            .Append("set -euo pipefail\n")
            .Append("curl() { command curl --silent --show-error --max-time 30 --write-out '%{stderr}")
            .Append(StatusMarker)
            .Append(" %{http_code} %{method} %{url_effective}\\n' \"$@\"; }\n");
        foreach (var block in blocks)
        {
            var text = block.Text
                .Replace("http://localhost:7071", address, StringComparison.Ordinal)
                .Replace("KEY=…", "KEY=" + key, StringComparison.Ordinal);
            script.Append(CultureInfo.InvariantCulture, $"# README.md line {block.Line}\n").Append(text).Append('\n');
        }

        return script.ToString();
    }

    /// <summary>The built Host with no Synthflow key and no Connector key, as a first run has them; retried if its free port was taken meanwhile.</summary>
    private async Task<SandboxHost> StartSandboxHostAsync()
    {
        for (var attempt = 1; ; attempt++)
        {
            var address = $"http://127.0.0.1:{LoopbackPorts.Free()}";
            var process = ChildProcess.StartHost(["--urls", address], new Dictionary<string, string>
            {
                ["AzureWebJobsStorage"] = azurite.ConnectionString,
                ["Calls__TableName"] = AzuriteFixture.UniqueTableName(),
                ["Pools__TableName"] = AzuriteFixture.UniqueTableName(),

                // A scheduled run could reconcile the example pool between the README's steps.
                ["Reconcile__Enabled"] = "false",
            });
            if (await process.WaitUntilHealthyAsync(new Uri(address), StartDeadline) && await process.WaitForOutputAsync(GeneratedKey(), TimeSpan.FromSeconds(10)) is { } key)
            {
                return new SandboxHost(process, address, key.Groups["key"].Value);
            }

            var exitCode = process.ExitCode;
            var output = process.Describe();
            await process.DisposeAsync();
            if (exitCode != 1 || attempt == 3)
            {
                throw new InvalidOperationException($"The sandbox Host did not start (exit {exitCode?.ToString(CultureInfo.InvariantCulture) ?? "none"}), or printed no key:{Environment.NewLine}{output}");
            }
        }
    }

    private static string ReadReadme() => File.ReadAllText(Path.Combine(RepositoryRoot.Path, "README.md"));

    private sealed record SandboxHost(ChildProcess Process, string Address, string Key) : IAsyncDisposable
    {
        public ValueTask DisposeAsync() => Process.DisposeAsync();
    }

    [GeneratedRegex("^" + StatusMarker + @" 2\d\d ")]
    private static partial Regex Succeeded();

    [GeneratedRegex(@"this run's key is (?<key>[0-9a-f]{16,})")]
    private static partial Regex GeneratedKey();

    /// <summary>What a reader would still have to fill in: an ellipsis or a &lt;name&gt;.</summary>
    [GeneratedRegex(@"…|<[A-Za-z][\w-]*>")]
    private static partial Regex Placeholder();

    [GeneratedRegex(@"^(?:curl\s|jq\s|(?:export\s+)?[A-Za-z_][A-Za-z0-9_]*=)")]
    private static partial Regex AllowedCommand();
}
