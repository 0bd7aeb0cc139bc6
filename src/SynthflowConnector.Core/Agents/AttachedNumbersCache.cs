using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using SynthflowConnector.Calls;
using SynthflowConnector.Synthflow;

namespace SynthflowConnector.Agents;

/// <summary>
/// A short per-agent cache of attached numbers, so a burst of calls does not read the agent once per call.
/// This app's own attach and detach invalidate it; changes made elsewhere show after the cache duration.
/// </summary>
public sealed class AttachedNumbersCache(IOptions<CallsOptions> options, TimeProvider timeProvider)
{
    private readonly ConcurrentDictionary<string, (DateTimeOffset Expires, SynthflowAgent Agent)> _entries = new(StringComparer.Ordinal);

    public async Task<SynthflowAgent> GetAgentAsync(string modelId, Func<CancellationToken, Task<SynthflowAgent>> load, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(load);
        var duration = options.Value.AttachedNumbersCacheDuration;
        var now = timeProvider.GetUtcNow();
        if (duration > TimeSpan.Zero && _entries.TryGetValue(modelId, out var entry) && entry.Expires > now)
        {
            return entry.Agent;
        }

        var agent = await load(cancellationToken).ConfigureAwait(false);
        if (duration > TimeSpan.Zero)
        {
            _entries[modelId] = (now + duration, agent);
        }

        return agent;
    }

    public void Invalidate(string modelId) => _entries.TryRemove(modelId, out _);
}
