using System.IO.Compression;

namespace SynthflowConnector.Tests.Infra;

/// <summary>
/// <c>./build.sh publish</c>, the package <c>./build.sh deploy</c> zip-deploys: the published Functions app with the
/// files the Functions host needs at the zip's root. Publishes the Release build already made (<c>--no-build</c>),
/// as <c>./build.sh test</c> builds the whole solution first.
/// </summary>
public sealed class FunctionsPublishTests
{
    private static readonly TimeSpan PublishDeadline = TimeSpan.FromMinutes(5);

    [Fact]
    public async Task The_zip_deploy_package_holds_the_worker_its_metadata_and_the_host_files_at_its_root()
    {
        var folder = Directory.CreateTempSubdirectory("synthflow-publish-").FullName;
        try
        {
            var zip = Path.Combine(folder, "functions.zip");

            var publish = await Command.BuildShAsync(["publish", Path.Combine(folder, "out"), zip, "--no-build"], PublishDeadline);

            Assert.True(publish.ExitCode == 0, publish.Describe());
            using var package = ZipFile.OpenRead(zip);
            var entries = package.Entries.Select(entry => entry.FullName).ToHashSet(StringComparer.Ordinal);
            foreach (var required in new[] { "functions.metadata", "host.json", "extensions.json", "worker.config.json", "SynthflowConnector.Functions.dll" })
            {
                Assert.True(entries.Contains(required), $"{required} is not at the root of the package; it holds {string.Join(", ", entries.Order(StringComparer.Ordinal))}");
            }

            Assert.DoesNotContain("local.settings.json", entries);
            using var metadata = new StreamReader(package.GetEntry("functions.metadata")!.Open());
            var functions = await metadata.ReadToEndAsync();
            Assert.Contains("\"Health\"", functions, StringComparison.OrdinalIgnoreCase);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
