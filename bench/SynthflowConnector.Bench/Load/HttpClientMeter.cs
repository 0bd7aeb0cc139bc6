using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace SynthflowConnector.Bench.Load;

/// <summary>
/// Counts every outgoing HttpClient request of this process by server port and method, with its duration, from .NET's
/// own <c>http.client.request.duration</c> metric: how many table operations (Azurite's port) and upstream requests
/// (the sandbox's port) one action costs, and how long they took as the Host saw them.
/// </summary>
internal sealed class HttpClientMeter : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly ConcurrentDictionary<(int Port, string Method), Tally> _tallies = new();

    public HttpClientMeter()
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == "System.Net.Http" && instrument.Name == "http.client.request.duration")
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<double>((_, seconds, tags, _) =>
        {
            var port = 0;
            var method = "?";
            foreach (var tag in tags)
            {
                switch (tag.Key)
                {
                    case "server.port":
                        port = Convert.ToInt32(tag.Value, System.Globalization.CultureInfo.InvariantCulture);
                        break;
                    case "http.request.method":
                        method = tag.Value as string ?? "?";
                        break;
                }
            }

            _tallies.GetOrAdd((port, method), _ => new Tally()).Add(seconds * 1000);
        });
        _listener.Start();
    }

    public void Reset() => _tallies.Clear();

    /// <summary>Requests to <paramref name="port"/> (any method when null) and their mean duration in ms.</summary>
    public (long Count, double MeanMs) To(int port, string? method = null)
    {
        long count = 0;
        double total = 0;
        foreach (var ((p, m), tally) in _tallies)
        {
            if (p == port && (method is null || m == method))
            {
                var (n, ms) = tally.Summary();
                count += n;
                total += ms;
            }
        }

        return (count, count == 0 ? double.NaN : total / count);
    }

    /// <summary>The 99th percentile duration, in ms, of the requests to <paramref name="port"/> with <paramref name="method"/>.</summary>
    public double P99Ms(int port, string method) =>
        _tallies.TryGetValue((port, method), out var tally) ? tally.Percentile(0.99) : double.NaN;

    public void Dispose() => _listener.Dispose();

    /// <summary>One (port, method)'s request durations, in ms.</summary>
    private sealed class Tally
    {
        private readonly Lock _gate = new();
        private readonly List<double> _samples = [];

        public void Add(double ms)
        {
            lock (_gate)
            {
                _samples.Add(ms);
            }
        }

        public (long Count, double TotalMs) Summary()
        {
            lock (_gate)
            {
                return (_samples.Count, _samples.Sum());
            }
        }

        public double Percentile(double p)
        {
            double[] sorted;
            lock (_gate)
            {
                sorted = [.. _samples];
            }

            Array.Sort(sorted);
            return NearestRank.Of(sorted, p) ?? double.NaN;
        }
    }
}
