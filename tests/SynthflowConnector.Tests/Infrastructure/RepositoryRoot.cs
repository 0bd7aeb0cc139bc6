using System.Reflection;

namespace SynthflowConnector.Tests.Infrastructure;

/// <summary>
/// The repository's root: recorded at build time (the binaries may be built outside the tree with
/// --artifacts-path), else the nearest folder above the binaries holding SynthflowConnector.sln.
/// </summary>
public static class RepositoryRoot
{
    public static string Path { get; } = Find();

    private static string Find()
    {
        var recorded = typeof(RepositoryRoot).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .FirstOrDefault(attribute => attribute.Key == "RepositoryRoot")?.Value;
        if (recorded is not null && File.Exists(System.IO.Path.Combine(recorded, "SynthflowConnector.sln")))
        {
            return System.IO.Path.GetFullPath(recorded);
        }

        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(directory.FullName, "SynthflowConnector.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"SynthflowConnector.sln not found above {AppContext.BaseDirectory}.");
    }
}
