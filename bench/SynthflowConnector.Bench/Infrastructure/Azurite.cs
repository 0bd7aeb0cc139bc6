using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Azure.Data.Tables;

namespace SynthflowConnector.Bench.Infrastructure;

/// <summary>
/// In-memory Azurite table and queue services (the repo's pinned npm dev dependency, one process each) on free loopback
/// ports; the same start-up as the tests' AzuriteFixture, minus xunit. The Host polls its hook queues whatever the
/// benchmark, so every benchmark gets both. Disposing stops the processes this object started, and only those.
/// </summary>
internal sealed class Azurite : IAsyncDisposable
{
    public const string AccountName = "devstoreaccount1";
    public const string AccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    private const int MaxCapturedChars = 64 * 1024;

    private readonly Process _process;
    private readonly Process _queueProcess;
    private readonly string _workingDirectory;

    private Azurite(Process process, Process queueProcess, string workingDirectory, int port, int queuePort)
    {
        _process = process;
        _queueProcess = queueProcess;
        _workingDirectory = workingDirectory;
        TablePort = port;
        QueuePort = queuePort;
        ConnectionString = $"DefaultEndpointsProtocol=http;AccountName={AccountName};AccountKey={AccountKey};QueueEndpoint=http://127.0.0.1:{queuePort}/{AccountName};TableEndpoint=http://127.0.0.1:{port}/{AccountName};";
    }

    /// <summary>Table and queue endpoints (the Host's <c>AzureWebJobsStorage</c>).</summary>
    public string ConnectionString { get; }

    public int TablePort { get; }

    public int QueuePort { get; }

    public int ProcessId => _process.Id;

    public TableClient Table(string name) => new(ConnectionString, name);

    public static string UniqueTableName(string prefix) => prefix + Guid.NewGuid().ToString("N")[..12];

    public static async Task<Azurite> StartAsync()
    {
        var workingDirectory = Directory.CreateTempSubdirectory("bench-azurite-").FullName;
        var tableDirectory = Directory.CreateDirectory(Path.Combine(workingDirectory, "table")).FullName;
        var queueDirectory = Directory.CreateDirectory(Path.Combine(workingDirectory, "queue")).FullName;
        var started = await Task.WhenAll(
            StartServiceAsync("table", Repository.Azurite("table"), tableDirectory),
            StartServiceAsync("queue", Repository.Azurite("queue"), queueDirectory));
        return new Azurite(started[0].Process, started[1].Process, workingDirectory, started[0].Port, started[1].Port);
    }

    private static async Task<(Process Process, int Port)> StartServiceAsync(string service, string binary, string workingDirectory)
    {
        for (var attempt = 1; ; attempt++)
        {
            var port = FreePort();
            var output = new StringBuilder();
            var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var startInfo = new ProcessStartInfo(binary)
            {
                WorkingDirectory = workingDirectory,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            foreach (var argument in new[] { "--inMemoryPersistence", "--disableTelemetry", "--skipApiVersionCheck", "--silent", $"--{service}Host", "127.0.0.1", $"--{service}Port", port.ToString(CultureInfo.InvariantCulture) })
            {
                startInfo.ArgumentList.Add(argument);
            }

            // Mends Azurite's in-memory queue GC, which otherwise blocks the service for over a minute at 200 messages/s.
            // (Added to any NODE_OPTIONS of the caller's, e.g. --cpu-prof.)
            startInfo.Environment["NODE_OPTIONS"] = $"{Environment.GetEnvironmentVariable("NODE_OPTIONS")} {Repository.AzuriteGcFixOption}".TrimStart();

            // Only start-up diagnostics are read from it: a bounded head. (Unbounded, with Azurite's access log on, it
            // held every request's line: 80 MB of this process's heap by 7,000 campaign calls.)
            void Capture(string? line)
            {
                lock (output)
                {
                    if (output.Length < MaxCapturedChars)
                    {
                        output.AppendLine(line);
                    }
                }
            }

            var process = new Process { StartInfo = startInfo, EnableRaisingEvents = true };
            process.OutputDataReceived += (_, e) =>
            {
                if (e.Data is null)
                {
                    return;
                }

                Capture(e.Data);

                if (e.Data.Contains("successfully", StringComparison.OrdinalIgnoreCase))
                {
                    ready.TrySetResult();
                }
            };
            process.ErrorDataReceived += (_, e) => Capture(e.Data);
            process.Exited += (_, _) => ready.TrySetResult();
            process.Start();
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            try
            {
                await ready.Task.WaitAsync(TimeSpan.FromSeconds(30));
            }
            catch (TimeoutException)
            {
            }

            if (!process.HasExited && await AcceptsAsync(port))
            {
                return (process, port);
            }

            Stop(process);
            if (attempt == 3)
            {
                string text;
                lock (output)
                {
                    text = output.ToString();
                }

                throw new InvalidOperationException($"Azurite {service} ({binary}) did not start:{Environment.NewLine}{text}");
            }
        }
    }

    /// <summary>CPU time the Azurite table (node) process has used so far.</summary>
    public TimeSpan CpuTime()
    {
        _process.Refresh();
        return _process.TotalProcessorTime;
    }

    /// <summary>CPU time the Azurite queue (node) process has used so far.</summary>
    public TimeSpan QueueCpuTime()
    {
        _queueProcess.Refresh();
        return _queueProcess.TotalProcessorTime;
    }

    /// <summary>Resident set of the Azurite (node) process, MB.</summary>
    public double WorkingSetMb()
    {
        _process.Refresh();
        return _process.WorkingSet64 / 1048576.0;
    }

    public ValueTask DisposeAsync()
    {
        Stop(_process);
        Stop(_queueProcess);
        try
        {
            Directory.Delete(_workingDirectory, recursive: true);
        }
        catch (IOException)
        {
        }

        return ValueTask.CompletedTask;
    }

    private const int SigInt = 2;

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Interrupt(int pid, int signal);

    private static void Stop(Process process)
    {
        try
        {
            if (!process.HasExited)
            {
                // SIGINT first: Azurite closes its servers and node exits on its own (so NODE_OPTIONS=--cpu-prof
                // writes its profile); whatever is still there after 5 s is killed.
                if (!OperatingSystem.IsWindows() && Interrupt(process.Id, SigInt) == 0 && process.WaitForExit(TimeSpan.FromSeconds(5)))
                {
                    process.Dispose();
                    return;
                }

                process.Kill(entireProcessTree: true);
                process.WaitForExit();
            }
        }
        catch (InvalidOperationException)
        {
        }

        process.Dispose();
    }

    public static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        try
        {
            return ((IPEndPoint)listener.LocalEndpoint).Port;
        }
        finally
        {
            listener.Stop();
        }
    }

    private static async Task<bool> AcceptsAsync(int port)
    {
        using var client = new TcpClient();
        try
        {
            await client.ConnectAsync(IPAddress.Loopback, port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
