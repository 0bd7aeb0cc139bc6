using System.Reflection;

namespace SynthflowConnector.Tests.Infra;

/// <summary>
/// The Bicep CLI from the NuGet package the test project restores (Azure.Bicep.CommandLine.linux-x64, path recorded
/// at build time), so the infra tests need nothing installed beyond the .NET SDK.
/// </summary>
public static class BicepCli
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(2);

    public static string Path { get; } = Find();

    public static Task<CommandResult> RunAsync(string workingDirectory, params string[] arguments) =>
        Command.RunAsync(Path, arguments, workingDirectory, Timeout);

    private static string Find()
    {
        var recorded = typeof(BicepCli).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .FirstOrDefault(attribute => attribute.Key == "BicepCli")?.Value;
        if (recorded is null || !File.Exists(recorded))
        {
            throw new InvalidOperationException($"The Bicep CLI is not at '{recorded}': restore the test project (dotnet restore SynthflowConnector.sln).");
        }

        return recorded;
    }
}
