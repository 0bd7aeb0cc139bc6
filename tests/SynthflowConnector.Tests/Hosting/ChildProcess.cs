using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;
using SynthflowConnector.Tests.Infrastructure;

namespace SynthflowConnector.Tests.Hosting;

/// <summary>
/// A process a test starts as a user would (the built Host, <c>./build.sh run</c>, bash), with its output captured
/// and its whole tree, descendants recorded while it ran included, stopped on dispose.
/// </summary>
public sealed class ChildProcess : IAsyncDisposable
{
    private static readonly string[] InheritedSettingPrefixes =
    [
        "Synthflow__", "Connector__", "Calls__", "Pools__", "Reconcile__", "AzureWebJobsStorage", "ASPNETCORE_",
        "DOTNET_ENVIRONMENT", "urls", "AZURITE_", "MSBuild", "MSBUILD",
    ];

    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly StringBuilder _error = new();
    private readonly HashSet<int> _descendants = [];

    private ChildProcess(Process process) => _process = process;

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    /// <summary>The exit code, or null while it runs.</summary>
    public int? ExitCode => _process.HasExited ? _process.ExitCode : null;

    public string Output => Snapshot(_output);

    public string Error => Snapshot(_error);

    /// <summary>Starts <paramref name="fileName"/> with a clean environment: none of the connector's settings leak in from the test run.</summary>
    public static ChildProcess Start(string fileName, IEnumerable<string> arguments, string workingDirectory, IReadOnlyDictionary<string, string> environment)
    {
        var startInfo = new ProcessStartInfo(fileName)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        foreach (var name in startInfo.Environment.Keys.Where(name => InheritedSettingPrefixes.Any(prefix => name.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))).ToArray())
        {
            startInfo.Environment.Remove(name);
        }

        foreach (var (name, value) in environment)
        {
            startInfo.Environment[name] = value;
        }

        var process = new Process { StartInfo = startInfo };
        var child = new ChildProcess(process);
        process.OutputDataReceived += (_, e) => Append(child._output, e.Data);
        process.ErrorDataReceived += (_, e) => Append(child._error, e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return child;
    }

    /// <summary>The built Host, <c>dotnet SynthflowConnector.Host.dll</c>, from the test's output folder (the project reference puts it there).</summary>
    public static ChildProcess StartHost(IEnumerable<string> arguments, IReadOnlyDictionary<string, string> environment) =>
        Start("dotnet", [Path.Combine(AppContext.BaseDirectory, "SynthflowConnector.Host.dll"), .. arguments], AppContext.BaseDirectory, environment);

    /// <summary>Waits for the exit (and the end of its output); null when it is still running at the deadline.</summary>
    public async Task<int?> WaitForExitAsync(TimeSpan timeout)
    {
        using var deadline = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(deadline.Token);
            return _process.ExitCode;
        }
        catch (OperationCanceledException)
        {
            return null;
        }
    }

    /// <summary>Sends SIGTERM, as <c>timeout</c>, <c>kill</c>, systemd and CI supervisors do.</summary>
    public async Task TerminateAsync()
    {
        RecordDescendants();
        using var kill = Process.Start("kill", ["-TERM", Id.ToString(CultureInfo.InvariantCulture)]);
        await kill.WaitForExitAsync();
    }

    /// <summary>Polls the output until <paramref name="pattern"/> matches (console logging is asynchronous); null at the deadline.</summary>
    public async Task<Match?> WaitForOutputAsync(Regex pattern, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        for (var match = pattern.Match(Output); ; match = pattern.Match(Output))
        {
            if (match.Success)
            {
                return match;
            }

            if (DateTime.UtcNow >= deadline)
            {
                return null;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(100)); // process supervision: polled, with the deadline above
        }
    }

    /// <summary>Polls <c>/api/health</c> until it answers 200; false if the process exits or the deadline passes first.</summary>
    public async Task<bool> WaitUntilHealthyAsync(Uri baseAddress, TimeSpan timeout)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline && !_process.HasExited)
        {
            RecordDescendants();
            try
            {
                using var response = await http.GetAsync(new Uri(baseAddress, "/api/health"));
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return true;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            catch (TaskCanceledException)
            {
                // Listening but not answering yet.
            }

            await Task.Delay(TimeSpan.FromMilliseconds(200)); // process supervision: polled, with the deadline above
        }

        return false;
    }

    /// <summary>Polls until nothing listens on <paramref name="port"/>; false if something still does at the deadline.</summary>
    public static async Task<bool> WaitUntilClosedAsync(int port, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (await LoopbackPorts.IsListeningAsync(port))
        {
            if (DateTime.UtcNow >= deadline)
            {
                return false;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(100)); // process supervision: polled, with the deadline above
        }

        return true;
    }

    public string Describe() => $"stdout:{Environment.NewLine}{Output}{Environment.NewLine}stderr:{Environment.NewLine}{Error}";

    public async ValueTask DisposeAsync()
    {
        RecordDescendants();
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        // Orphans (re-parented when the parent died first) are no longer in the tree: stop them by the ids recorded.
        foreach (var id in _descendants)
        {
            try
            {
                using var orphan = Process.GetProcessById(id);
                orphan.Kill();
            }
            catch (ArgumentException)
            {
                // Already gone.
            }
            catch (InvalidOperationException)
            {
                // Exited meanwhile.
            }
        }

        _process.Dispose();
    }

    /// <summary>Remembers every live descendant (Linux /proc), so none outlives the test even if its parent dies first.</summary>
    private void RecordDescendants()
    {
        if (!OperatingSystem.IsLinux() || _process.HasExited)
        {
            return;
        }

        var parents = new Dictionary<int, int>();
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(directory), NumberStyles.None, CultureInfo.InvariantCulture, out var id) && ParentOf(directory) is { } parent)
            {
                parents[id] = parent;
            }
        }

        var known = new HashSet<int> { _process.Id };
        for (var grew = true; grew;)
        {
            grew = false;
            foreach (var (id, parent) in parents)
            {
                if (known.Contains(parent) && known.Add(id))
                {
                    _descendants.Add(id);
                    grew = true;
                }
            }
        }
    }

    private static int? ParentOf(string procDirectory)
    {
        try
        {
            // /proc/<pid>/stat: "pid (comm) state ppid …"; comm may contain spaces, so read after the last ')'.
            var stat = File.ReadAllText(Path.Combine(procDirectory, "stat"));
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return int.Parse(fields[1], CultureInfo.InvariantCulture);
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static void Append(StringBuilder target, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (target)
        {
            target.AppendLine(line);
        }
    }

    private static string Snapshot(StringBuilder source)
    {
        lock (source)
        {
            return source.ToString();
        }
    }
}
