using System.Diagnostics;

namespace SynthflowConnector.Bench.Load;

/// <summary>
/// An open-loop arrival schedule: request i starts at start + i / rate whether or not earlier ones were answered (the
/// way webhooks arrive), unlike <see cref="LoadRunner"/>'s closed loop. A send that falls behind its slot goes at once
/// (the schedule catches up, it never drifts), and how late each one started is kept.
/// </summary>
internal static class OpenLoop
{
    /// <param name="send">Starts request i; must not block (its task runs on without the schedule waiting for it).</param>
    public static async Task<OpenLoopRun> RunAsync(int count, double rate, Func<int, Task> send, CancellationToken cancellationToken)
    {
        var tasks = new Task[count];
        var lateness = new long[count];
        var start = Stopwatch.GetTimestamp();
        for (var i = 0; i < count; i++)
        {
            var due = start + (long)(i * Stopwatch.Frequency / rate);
            var wait = due - Stopwatch.GetTimestamp();
            if (wait > Stopwatch.Frequency / 2000)
            {
                await Task.Delay(TimeSpan.FromTicks(wait * TimeSpan.TicksPerSecond / Stopwatch.Frequency), cancellationToken);
            }

            var now = Stopwatch.GetTimestamp();
            lateness[i] = Math.Max(0, now - due);
            tasks[i] = send(i);
        }

        var lastStarted = Stopwatch.GetTimestamp();
        await Task.WhenAll(tasks);
        return new OpenLoopRun(start, lastStarted, lateness);
    }
}

/// <param name="Start">Stopwatch ticks of the first slot.</param>
/// <param name="LastStarted">Stopwatch ticks when the last request was started.</param>
/// <param name="Lateness">Per request, how far behind its slot it started (ticks).</param>
internal sealed record OpenLoopRun(long Start, long LastStarted, long[] Lateness)
{
    /// <summary>Requests started per second over the schedule.</summary>
    public double AchievedRate => Lateness.Length <= 1 ? double.NaN : (Lateness.Length - 1) / ((LastStarted - Start) / (double)Stopwatch.Frequency);

    public double LatenessP99Ms
    {
        get
        {
            var sorted = (long[])Lateness.Clone();
            Array.Sort(sorted);
            return NearestRank.Of(sorted, 0.99) is { } ticks ? ticks * 1000.0 / Stopwatch.Frequency : double.NaN;
        }
    }
}
