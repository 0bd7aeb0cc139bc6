namespace SynthflowConnector.Bench.Load;

/// <summary>The nearest-rank percentile every benchmark reports: the smallest sample with at least p of them at or below it.</summary>
internal static class NearestRank
{
    /// <summary>The <paramref name="p"/> percentile (0 &lt; p ≤ 1) of samples already sorted ascending; null when there are none.</summary>
    public static T? Of<T>(T[] sorted, double p)
        where T : struct =>
        sorted.Length == 0 ? null : sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)];
}
