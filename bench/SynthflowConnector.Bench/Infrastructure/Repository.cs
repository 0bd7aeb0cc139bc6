using System.Reflection;

namespace SynthflowConnector.Bench.Infrastructure;

/// <summary>Finds repository files (Azurite, the Host's build output) wherever the harness was built to.</summary>
internal static class Repository
{
    /// <summary>The repository root recorded at build time (the bench project's AssemblyMetadata "RepositoryRoot").</summary>
    public static string Root { get; } =
        typeof(Repository).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .FirstOrDefault(a => a.Key == "RepositoryRoot")?.Value
        ?? throw new InvalidOperationException("The bench assembly does not record the repository root.");

    /// <summary><c>node_modules/.bin/azurite-{service}</c> (<c>table</c>, <c>queue</c>), or <c>AZURITE_TABLE</c> / <c>AZURITE_QUEUE</c>.</summary>
    public static string Azurite(string service)
    {
        if (Environment.GetEnvironmentVariable("AZURITE_" + service.ToUpperInvariant()) is { Length: > 0 } overridePath)
        {
            return overridePath;
        }

        var name = "azurite-" + service;
        var path = Path.Combine(Root, "node_modules", ".bin", OperatingSystem.IsWindows() ? name + ".cmd" : name);
        return File.Exists(path) ? path : throw new InvalidOperationException($"Azurite is not installed ({path} is missing): run npm ci in {Root}.");
    }

    /// <summary>
    /// <c>NODE_OPTIONS</c> that preload <c>tools/azurite-extent-gc-fix.cjs</c> into Azurite: without it, Azurite's
    /// in-memory queue GC blocks the service for over a minute once some 10,000 messages have passed.
    /// </summary>
    public static string AzuriteGcFixOption { get; } = $"--require \"{Path.Combine(Root, "tools", "azurite-extent-gc-fix.cjs")}\"";

    /// <summary>
    /// The Host's own build output (its deps.json, runtimeconfig.json and appsettings.json beside it): the artifacts
    /// layout's sibling folder when the harness was built with --artifacts-path, else the Host project's bin folder.
    /// </summary>
    public static string HostDll(string? overridePath)
    {
        if (!string.IsNullOrEmpty(overridePath))
        {
            return File.Exists(overridePath) ? Path.GetFullPath(overridePath) : throw new FileNotFoundException("--host-dll does not exist.", overridePath);
        }

        const string Dll = "SynthflowConnector.Host.dll";
        var benchDir = AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar);
        var configuration = Path.GetFileName(benchDir); // "release" in the artifacts layout
        string[] candidates =
        [
            Path.Combine(Path.GetDirectoryName(Path.GetDirectoryName(benchDir)!)!, "SynthflowConnector.Host", configuration, Dll),
            Path.Combine(Root, "src", "SynthflowConnector.Host", "bin", "Release", "net10.0", Dll),
        ];
        return candidates.FirstOrDefault(c => File.Exists(c) && File.Exists(Path.ChangeExtension(c, ".runtimeconfig.json")))
            ?? throw new InvalidOperationException($"The Host is not built (looked for {string.Join(" and ", candidates)}); build it in Release or pass --host-dll.");
    }
}
