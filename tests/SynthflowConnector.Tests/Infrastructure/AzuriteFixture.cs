using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Text;
using Azure.Data.Tables;
using Azure.Storage.Queues;
using Microsoft.Extensions.Configuration;
using SynthflowConnector.Storage;

namespace SynthflowConnector.Tests.Infrastructure;

/// <summary>
/// Runs in-memory Azurite table and queue services for a test collection. Use it through
/// <c>[Collection("Azurite")]</c> and constructor injection of <see cref="AzuriteFixture"/>; every test
/// should work in its own tables and queues (<see cref="CreateTableClient"/>, <see cref="UniqueQueueName"/>) so tests
/// never see each other's data.
/// </summary>
/// <remarks>
/// Azurite comes from the repo's pinned npm dev dependency (<c>npm ci</c>). A missing binary fails the
/// tests rather than skipping them: silently skipped storage tests are how storage bugs ship.
/// </remarks>
public sealed class AzuriteFixture : IAsyncLifetime, IDisposable
{
    /// <summary>The emulator's fixed, publicly documented account.</summary>
    public const string AccountName = "devstoreaccount1";

    /// <summary>The emulator's fixed, publicly documented key (not a secret).</summary>
    public const string AccountKey =
        "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    private const int StartAttempts = 5;
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);

    private enum StartResult
    {
        Listening,
        Exited,
        TimedOut,
    }

    private string? _workingDirectory;
    private AzuriteService? _tables;
    private AzuriteService? _queues;

    /// <summary>The table endpoint, path-style: <c>http://127.0.0.1:{port}/devstoreaccount1</c>.</summary>
    public Uri TableEndpoint { get; private set; } = null!;

    /// <summary>The queue endpoint, path-style: <c>http://127.0.0.1:{port}/devstoreaccount1</c>.</summary>
    public Uri QueueEndpoint { get; private set; } = null!;

    /// <summary>A full, explicit connection string for the running instance (table and queue endpoints).</summary>
    public string ConnectionString { get; private set; } = null!;

    /// <summary>
    /// A client for a fresh, uniquely named table (the table is not created: call
    /// <see cref="TableClient.CreateIfNotExistsAsync"/>).
    /// </summary>
    public TableClient CreateTableClient(string? tableName = null, TableClientOptions? options = null) =>
        new(ConnectionString, tableName ?? UniqueTableName(), options);

    /// <summary>A service client for the running instance (table administration, clients by name).</summary>
    public TableServiceClient CreateServiceClient(TableClientOptions? options = null) => new(ConnectionString, options);

    /// <summary>The app's tables as the stores get them: from <c>AzureWebJobsStorage</c> set to this instance.</summary>
    public ConnectorTables CreateConnectorTables(TableClientOptions? options = null) =>
        new(StorageConfiguration(ConnectionString), options);

    /// <summary>The app's queues as the adapters get them: from <c>AzureWebJobsStorage</c> set to this instance (base64 messages).</summary>
    public ConnectorQueues CreateConnectorQueues(QueueClientOptions? options = null) =>
        new(StorageConfiguration(ConnectionString), options);

    /// <summary>
    /// A plain client for a queue (not created), with the SDK's default options unless given: no base64 unless asked,
    /// so a test reads messages the way any other consumer would.
    /// </summary>
    public QueueClient CreateQueueClient(string? queueName = null, QueueClientOptions? options = null) =>
        new(ConnectionString, queueName ?? UniqueQueueName(), options);

    /// <summary>Configuration with <c>AzureWebJobsStorage</c> set to <paramref name="connectionString"/>.</summary>
    public static IConfiguration StorageConfiguration(string connectionString) =>
        new ConfigurationBuilder()
            .AddInMemoryCollection([new KeyValuePair<string, string?>(TableStorageConnection.DefaultConnectionName, connectionString)])
            .Build();

    /// <summary>A valid table name (letter first, alphanumeric, 33 characters) that no other test uses.</summary>
    public static string UniqueTableName() => "t" + Guid.NewGuid().ToString("N");

    /// <summary>A valid queue name (lowercase letters and digits, 33 characters) that no other test uses.</summary>
    public static string UniqueQueueName() => "q" + Guid.NewGuid().ToString("N");

    public async Task InitializeAsync()
    {
        _workingDirectory = Directory.CreateTempSubdirectory("azurite-").FullName;
        _tables = new AzuriteService("table", FindAzuriteBinary("azurite-table", "AZURITE_TABLE"), Path.Combine(_workingDirectory, "table"));
        _queues = new AzuriteService("queue", FindAzuriteBinary("azurite-queue", "AZURITE_QUEUE"), Path.Combine(_workingDirectory, "queue"));
        try
        {
            int[] ports = await Task.WhenAll(_tables.StartAsync(), _queues.StartAsync()).ConfigureAwait(false);
            TableEndpoint = new Uri($"http://127.0.0.1:{ports[0]}/{AccountName}");
            QueueEndpoint = new Uri($"http://127.0.0.1:{ports[1]}/{AccountName}");
            ConnectionString =
                $"DefaultEndpointsProtocol=http;AccountName={AccountName};AccountKey={AccountKey};TableEndpoint={TableEndpoint};QueueEndpoint={QueueEndpoint};";
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public Task DisposeAsync()
    {
        Dispose();
        return Task.CompletedTask;
    }

    /// <summary>Stops Azurite (whole process trees) and removes its working directory; safe to call twice.</summary>
    public void Dispose()
    {
        _tables?.Stop();
        _queues?.Stop();
        _tables = _queues = null;
        if (_workingDirectory is not null && Directory.Exists(_workingDirectory))
        {
            Directory.Delete(_workingDirectory, recursive: true);
        }

        _workingDirectory = null;
    }

    /// <summary>One Azurite service process (<c>azurite-table</c> or <c>azurite-queue</c>) on a free loopback port.</summary>
    private sealed class AzuriteService(string service, string binary, string workingDirectory) : IDisposable
    {
        private const int MaxCapturedChars = 64 * 1024;

        private readonly StringBuilder _output = new();
        private Process? _process;

        /// <returns>The port it listens on.</returns>
        public async Task<int> StartAsync()
        {
            Directory.CreateDirectory(workingDirectory);

            // The port is chosen here because Azurite does not report the port it got for port 0. Another process
            // can grab it between our probe and Azurite's bind, hence the retries.
            for (int attempt = 1; ; attempt++)
            {
                int port = LoopbackPorts.Free();
                StartResult result = await TryStartAsync(port).ConfigureAwait(false);
                if (result == StartResult.Listening)
                {
                    return port;
                }

                // Only an early exit (typically EADDRINUSE) is worth a retry; a hang would just hang again.
                if (result == StartResult.TimedOut || attempt == StartAttempts)
                {
                    string output = CapturedOutput();
                    Stop();
                    string reason = result == StartResult.TimedOut
                        ? $"did not report it was listening within {StartTimeout.TotalSeconds:0} s"
                        : $"exited without listening, {attempt} times";
                    throw new InvalidOperationException(
                        $"Azurite {service} ({binary}) {reason} (if it is missing or broken, run npm ci). Output:{Environment.NewLine}{output}");
                }
            }
        }

        private async Task<StartResult> TryStartAsync(int port)
        {
            Stop();
            lock (_output)
            {
                _output.Clear();
            }

            var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _process = new Process { StartInfo = CreateStartInfo(port), EnableRaisingEvents = true };
            _process.OutputDataReceived += (_, e) => OnOutput(e.Data, ready);
            _process.ErrorDataReceived += (_, e) => OnOutput(e.Data, ready: null);
            _process.Exited += (_, _) => ready.TrySetResult();
            _process.Start();
            _process.BeginOutputReadLine();
            _process.BeginErrorReadLine();

            try
            {
                await ready.Task.WaitAsync(StartTimeout).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                return StartResult.TimedOut;
            }

            // "Ready" also fires on exit (e.g. EADDRINUSE); only a live process that accepts connections counts.
            return !_process.HasExited && await LoopbackPorts.IsListeningAsync(port).ConfigureAwait(false)
                ? StartResult.Listening
                : StartResult.Exited;
        }

        private ProcessStartInfo CreateStartInfo(int port)
        {
            var startInfo = new ProcessStartInfo(binary)
            {
                // Its own temp working directory: Azurite writes debug logs and lock files where it runs.
                WorkingDirectory = workingDirectory,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            foreach (string argument in new[]
            {
                // --silent: no access-log line per request (its cost was Azurite CPU and this process's memory).
                "--inMemoryPersistence", "--disableTelemetry", "--skipApiVersionCheck", "--silent",
                $"--{service}Host", "127.0.0.1", $"--{service}Port", port.ToString(CultureInfo.InvariantCulture),
            })
            {
                startInfo.ArgumentList.Add(argument);
            }

            // Mends Azurite's in-memory queue GC, which otherwise blocks the service for seconds once thousands of
            // messages have passed (tools/azurite-extent-gc-fix.cjs).
            string gcFix = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(binary) ?? ".", "..", "..", "tools", "azurite-extent-gc-fix.cjs"));
            if (File.Exists(gcFix))
            {
                startInfo.Environment["NODE_OPTIONS"] = $"{Environment.GetEnvironmentVariable("NODE_OPTIONS")} --require \"{gcFix}\"".TrimStart();
            }

            return startInfo;
        }

        private void OnOutput(string? line, TaskCompletionSource? ready)
        {
            if (line is null)
            {
                return;
            }

            lock (_output)
            {
                // Only start-up diagnostics are read from it: a bounded head is enough.
                if (_output.Length < MaxCapturedChars)
                {
                    _output.AppendLine(line);
                }
            }

            // Azurite prints "Azurite Table service is successfully listening at http://127.0.0.1:<port>" (Queue alike).
            if (ready is not null && line.Contains("successfully", StringComparison.OrdinalIgnoreCase))
            {
                ready.TrySetResult();
            }
        }

        private string CapturedOutput()
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }

        public void Dispose() => Stop();

        public void Stop()
        {
            if (_process is null)
            {
                return;
            }

            try
            {
                if (!_process.HasExited)
                {
                    // The whole tree, so nothing Azurite (or an npm/cmd shim on Windows) spawned outlives the run.
                    _process.Kill(entireProcessTree: true);
                    _process.WaitForExit();
                }
            }
            catch (InvalidOperationException)
            {
                // Exited between the check and the kill: nothing left to stop.
            }

            _process.Dispose();
            _process = null;
        }
    }

    /// <summary>
    /// Finds <c>node_modules/.bin/{name}</c> next to the repo's <c>package.json</c>. The test binaries
    /// may live outside the repo (<c>--artifacts-path</c>), so the recorded repo root and the source file's own
    /// location are tried besides the binaries' folder; the environment variable <paramref name="overrideVariable"/>
    /// (<c>AZURITE_TABLE</c>, <c>AZURITE_QUEUE</c>) overrides everything.
    /// </summary>
    private static string FindAzuriteBinary(string name, string overrideVariable, [CallerFilePath] string sourceFile = "")
    {
        if (Environment.GetEnvironmentVariable(overrideVariable) is { Length: > 0 } overridePath)
        {
            return File.Exists(overridePath)
                ? overridePath
                : throw new InvalidOperationException($"{overrideVariable} points to '{overridePath}', which does not exist: fix it, or unset it and run npm ci.");
        }

        string binaryName = OperatingSystem.IsWindows() ? name + ".cmd" : name;
        string[] starts =
        [
            RecordedRepositoryRoot() ?? string.Empty,
            AppContext.BaseDirectory,
            Directory.GetCurrentDirectory(),
            Path.GetDirectoryName(sourceFile) ?? string.Empty,
        ];
        string[] packageRoots = starts.Select(FindPackageRoot).OfType<string>().Distinct().ToArray();
        foreach (string root in packageRoots)
        {
            string binary = Path.Combine(root, "node_modules", ".bin", binaryName);
            if (File.Exists(binary))
            {
                return binary;
            }
        }

        throw new InvalidOperationException(packageRoots.Length == 0
            ? $"Could not find the repo's package.json above {string.Join(" or ", starts)}, so Azurite cannot be located: run npm ci in the repository root."
            : $"Azurite is not installed (no node_modules/.bin/{binaryName} under {string.Join(" or ", packageRoots)}): run npm ci in {packageRoots[0]}.");
    }

    /// <summary>The repo root the test project records at build time (AssemblyMetadata "RepositoryRoot"), if any.</summary>
    private static string? RecordedRepositoryRoot() =>
        typeof(AzuriteFixture).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .FirstOrDefault(attribute => attribute.Key == "RepositoryRoot")?.Value;

    private static string? FindPackageRoot(string start)
    {
        for (DirectoryInfo? dir = string.IsNullOrEmpty(start) ? null : new DirectoryInfo(start); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "package.json")))
            {
                return dir.FullName;
            }
        }

        return null;
    }
}

/// <summary>All Azurite-backed test classes share one Azurite process through this collection.</summary>
[CollectionDefinition("Azurite")]
[SuppressMessage("Naming", "CA1711:Identifiers should not have incorrect suffix", Justification = "xunit's naming convention for collection definitions.")]
public sealed class AzuriteCollection : ICollectionFixture<AzuriteFixture>
{
}
