using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace SynthflowConnector.Bench.Reporting;

/// <summary>Everything one invocation measured, written as JSON (and printed as tables along the way).</summary>
internal sealed class BenchReport
{
    public required string Command { get; init; }
    public required bool Quick { get; init; }
    public DateTimeOffset StartedAt { get; init; } = DateTimeOffset.UtcNow;
    public Machine Machine { get; init; } = Machine.Describe();
    public double? WallSeconds { get; set; }
    public string? LoadAverageAtEnd { get; set; }
    public Dictionary<string, object> Results { get; } = [];
    public List<TargetCheck> Targets { get; } = [];

    /// <summary>Every printed table, as Markdown, in order: written next to the JSON for RESULTS.md.</summary>
    [JsonIgnore]
    public List<(string Title, string Markdown)> Tables { get; } = [];

    /// <summary>Prints a table and keeps it for the Markdown summary.</summary>
    public void Show(string title, TextTable table)
    {
        table.Print();
        Tables.Add((title, table.Markdown()));
    }

    public async Task WriteMarkdownAsync(string path)
    {
        var sb = new StringBuilder();
        sb.AppendLine(CultureInfo.InvariantCulture, $"Command: `{Command}` · started {StartedAt:yyyy-MM-dd HH:mm} UTC · wall {WallSeconds:0} s");
        sb.AppendLine(CultureInfo.InvariantCulture, $"Machine: {Machine.Cpu}, {Machine.LogicalCores} cores, {Machine.MemoryGiB} GiB, {Machine.Os}, {Machine.Runtime}; load average {Machine.LoadAverageAtStart} at start, {LoadAverageAtEnd} at end");
        foreach (var (title, markdown) in Tables)
        {
            sb.AppendLine().AppendLine(CultureInfo.InvariantCulture, $"#### {title}").AppendLine().Append(markdown);
        }

        var targets = new TextTable("benchmark", "target", "measured", "wanted", "met");
        foreach (var t in Targets)
        {
            targets.Row(t.Benchmark, t.Name, t.Measured, t.Target, t.Met ? "yes" : "**missed**");
        }

        sb.AppendLine().AppendLine("#### Targets").AppendLine().Append(targets.Markdown());
        await File.WriteAllTextAsync(path, sb.ToString());
    }

    public void Check(string benchmark, string name, string measured, string target, bool met, string? note = null)
    {
        var check = new TargetCheck(benchmark, name, measured, target, met, note);
        Targets.Add(check);
    }

    public async Task WriteJsonAsync(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        await using var stream = File.Create(path);
        await JsonSerializer.SerializeAsync(stream, this, Json);
    }

    public void PrintTargets()
    {
        Console.WriteLine();
        Console.WriteLine("Targets");
        var table = new TextTable("benchmark", "target", "measured", "wanted", "met");
        foreach (var t in Targets)
        {
            table.Row(t.Benchmark, t.Name, t.Measured, t.Target, t.Met ? "yes" : "MISSED");
        }

        table.Print();
        Console.WriteLine();
        var missed = Targets.Count(t => !t.Met);
        Console.WriteLine(missed == 0 ? $"All {Targets.Count} targets met." : $"{missed} of {Targets.Count} targets missed (a measurement, not a failure of the run).");
    }

    internal static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };
}

internal sealed record TargetCheck(string Benchmark, string Name, string Measured, string Target, bool Met, string? Note);

internal sealed record Machine(string Cpu, int LogicalCores, double MemoryGiB, string Os, string Runtime, string LoadAverageAtStart)
{
    public static Machine Describe()
    {
        var cpu = ReadFirst("/proc/cpuinfo", "model name") ?? RuntimeInformation.ProcessArchitecture.ToString();
        var memKb = ReadFirst("/proc/meminfo", "MemTotal")?.Split(' ', StringSplitOptions.RemoveEmptyEntries)[0];
        var memory = memKb is null ? GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / 1073741824.0 : double.Parse(memKb, CultureInfo.InvariantCulture) / 1048576.0;
        return new Machine(cpu, Environment.ProcessorCount, Math.Round(memory, 1), RuntimeInformation.OSDescription, RuntimeInformation.FrameworkDescription, LoadAverage());
    }

    public static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";

    private static string? ReadFirst(string file, string key)
    {
        if (!File.Exists(file))
        {
            return null;
        }

        var line = File.ReadLines(file).FirstOrDefault(l => l.StartsWith(key, StringComparison.Ordinal));
        return line?[(line.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim();
    }
}

/// <summary>A plain monospace table for the console (and pasteable into Markdown with <see cref="Markdown"/>).</summary>
internal sealed class TextTable(params string[] headers)
{
    private readonly List<string[]> _rows = [];

    public void Row(params object?[] cells) =>
        _rows.Add([.. cells.Select(c => c switch
        {
            null => "",
            double d => Fmt(d),
            _ => Convert.ToString(c, CultureInfo.InvariantCulture) ?? "",
        })]);

    public static string Fmt(double value) => double.IsNaN(value) ? "n/a"
        : Math.Abs(value) >= 100 ? value.ToString("0", CultureInfo.InvariantCulture)
        : Math.Abs(value) >= 10 ? value.ToString("0.0", CultureInfo.InvariantCulture)
        : value.ToString("0.00", CultureInfo.InvariantCulture);

    public void Print()
    {
        var widths = headers.Select((h, i) => Math.Max(h.Length, _rows.Count == 0 ? 0 : _rows.Max(r => i < r.Length ? r[i].Length : 0))).ToArray();
        var sb = new StringBuilder();
        void Line(string[] cells)
        {
            for (var i = 0; i < widths.Length; i++)
            {
                var cell = i < cells.Length ? cells[i] : "";
                sb.Append(i == 0 ? cell.PadRight(widths[i]) : "  " + cell.PadLeft(widths[i]));
            }

            sb.AppendLine();
        }

        Line(headers);
        sb.AppendLine(new string('-', widths.Sum() + (2 * (widths.Length - 1))));
        foreach (var row in _rows)
        {
            Line(row);
        }

        Console.Write(sb.ToString());
    }

    public string Markdown()
    {
        var sb = new StringBuilder();
        sb.Append("| ").Append(string.Join(" | ", headers)).AppendLine(" |");
        sb.Append('|').Append(string.Concat(headers.Select((_, i) => i == 0 ? "---|" : "---:|"))).AppendLine();
        foreach (var row in _rows)
        {
            sb.Append("| ").Append(string.Join(" | ", row)).AppendLine(" |");
        }

        return sb.ToString();
    }
}
