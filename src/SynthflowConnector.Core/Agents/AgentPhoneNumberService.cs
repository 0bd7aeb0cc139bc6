using System.Net;
using SynthflowConnector.Synthflow;

namespace SynthflowConnector.Agents;

/// <summary>Agents and their outbound pools: the list, attach and detach actions.</summary>
public sealed class AgentPhoneNumberService(ISynthflowClient synthflow, AttachedNumbersCache cache)
{
    public async Task<AgentList> ListAgentsAsync(string? type, CancellationToken cancellationToken)
    {
        var agents = new List<AgentSummary>();
        await foreach (var agent in synthflow.ListAgentsAsync(cancellationToken).ConfigureAwait(false))
        {
            if (type is null || string.Equals(agent.Type, type, StringComparison.OrdinalIgnoreCase))
            {
                agents.Add(new AgentSummary(agent.ModelId, agent.Name, agent.Type));
            }
        }

        return new AgentList([.. agents.OrderBy(a => a.Name, StringComparer.OrdinalIgnoreCase).ThenBy(a => a.ModelId, StringComparer.Ordinal)]);
    }

    /// <summary>Always reads Synthflow (the list action must show the truth), and refreshes the cache with it.</summary>
    public async Task<AgentPhoneNumbers> GetAttachedAsync(string modelId, CancellationToken cancellationToken)
    {
        cache.Invalidate(modelId);
        var agent = await cache.GetAgentAsync(modelId, ct => synthflow.GetAgentAsync(modelId, ct), cancellationToken).ConfigureAwait(false);
        return ToContract(agent);
    }

    /// <summary>Cached read for caller-ID choice.</summary>
    public Task<SynthflowAgent> GetAgentCachedAsync(string modelId, CancellationToken cancellationToken) =>
        cache.GetAgentAsync(modelId, ct => synthflow.GetAgentAsync(modelId, ct), cancellationToken);

    /// <summary>Attaches, then reads the agent back so the answer is the pool as it now is.</summary>
    public async Task<AgentPhoneNumbers> AttachAsync(string modelId, AttachPhoneNumbers numbers, CancellationToken cancellationToken)
    {
        try
        {
            await synthflow.AttachPhoneNumbersAsync(modelId, numbers, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            // Even a failed or unanswered attach may have changed the pool.
            cache.Invalidate(modelId);
        }

        return await GetAttachedAsync(modelId, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Detaches one number. Safe to retry: a number that is not attached answers <c>wasAttached: false</c>, whether it
    /// never was or an earlier attempt (whose answer was lost) already removed it.
    /// </summary>
    public async Task<DetachResult> DetachAsync(string modelId, string slug, CancellationToken cancellationToken)
    {
        var before = await synthflow.GetAgentAsync(modelId, cancellationToken).ConfigureAwait(false);
        var attached = before.AttachedPhoneNumbers?.Any(n => n.Slug == slug || PhoneNumberSlug.FromNumber(n.Number) == slug) == true;
        if (attached)
        {
            try
            {
                await synthflow.DetachPhoneNumberAsync(modelId, slug, cancellationToken).ConfigureAwait(false);
            }
            catch (SynthflowApiException exception) when (exception.StatusCode == HttpStatusCode.NotFound)
            {
                // Gone between our read and the delete (another caller, or a retried attempt): the goal is met.
                attached = false;
            }
            finally
            {
                cache.Invalidate(modelId);
            }
        }

        var after = await GetAttachedAsync(modelId, cancellationToken).ConfigureAwait(false);
        return new DetachResult(modelId, slug, attached, after.PhoneNumbers);
    }

    public async Task<WorkspacePhoneNumberList> ListWorkspaceNumbersAsync(CancellationToken cancellationToken)
    {
        var numbers = new List<WorkspacePhoneNumberItem>();
        await foreach (var number in synthflow.ListPhoneNumbersAsync(cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            numbers.Add(new WorkspacePhoneNumberItem(number.Number, number.Slug, number.Sid, number.IsAvailable));
        }

        return new WorkspacePhoneNumberList([.. numbers.OrderBy(n => n.Number, StringComparer.Ordinal)]);
    }

    internal static AgentPhoneNumbers ToContract(SynthflowAgent agent) => new(
        agent.ModelId,
        [.. (agent.AttachedPhoneNumbers ?? []).Select(n => new PhoneNumberItem(n.Number, n.Slug, n.Sid)).OrderBy(n => n.Number, StringComparer.Ordinal)]);
}
