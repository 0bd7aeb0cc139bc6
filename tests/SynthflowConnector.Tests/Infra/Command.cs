using SynthflowConnector.Tests.Hosting;

namespace SynthflowConnector.Tests.Infra;

/// <summary>What a finished command printed and how it exited.</summary>
public sealed record CommandResult(int ExitCode, string Output, string Error)
{
    public string Describe() => $"exit {ExitCode}{Environment.NewLine}stdout:{Environment.NewLine}{Output}{Environment.NewLine}stderr:{Environment.NewLine}{Error}";
}

/// <summary>Runs a command to completion (the Bicep CLI, <c>./build.sh</c> verbs) with the connector's settings kept out of its environment.</summary>
public static class Command
{
    public static async Task<CommandResult> RunAsync(string fileName, IEnumerable<string> arguments, string workingDirectory, TimeSpan timeout)
    {
        await using var process = ChildProcess.Start(fileName, arguments, workingDirectory, new Dictionary<string, string>());
        var exitCode = await process.WaitForExitAsync(timeout)
            ?? throw new TimeoutException($"{fileName} {string.Join(' ', arguments)} still runs after {timeout}; {process.Describe()}");
        return new CommandResult(exitCode, process.Output, process.Error);
    }

    /// <summary><c>bash build.sh VERB ...</c> from the repository root, as the README and CI run it.</summary>
    public static Task<CommandResult> BuildShAsync(IEnumerable<string> arguments, TimeSpan timeout) =>
        RunAsync("bash", ["build.sh", .. arguments], Infrastructure.RepositoryRoot.Path, timeout);
}
