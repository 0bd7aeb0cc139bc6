using Microsoft.AspNetCore.Http;

namespace SynthflowConnector.Sandbox;

// Reading agents: GET /assistants/ and GET /assistants/{model_id}.
public sealed partial class SynthflowSandbox
{
    private SandboxReply ListAssistants(IQueryCollection query)
    {
        if (!TryReadPage(query, out var limit, out var offset, out var error))
        {
            return error;
        }

        lock (_gate)
        {
            // List items carry no attached_phone_numbers: the spec's list schema has none (read each agent for its pool).
            WireAssistantListItem[] page =
            [
                .. _agents.Skip(offset).Take(limit).Select(agent => new WireAssistantListItem(agent.ModelId, agent.Name, agent.Type, agent.Description, agent.PhoneNumber)),
            ];
            return SandboxReply.Json(
                200,
                new WireAssistantList("ok", new WireAssistantListPage(new WirePagination(_agents.Count, limit, offset), page)),
                SandboxJsonContext.Default.WireAssistantList);
        }
    }

    private SandboxReply GetAssistant(string modelId, IQueryCollection query)
    {
        // include_actions is accepted and validated; the sandbox has no actions, so the answer is the same.
        if (!TryReadBool(query, "include_actions", out _, out var error))
        {
            return error;
        }

        lock (_gate)
        {
            if (!_agentsById.TryGetValue(modelId, out var agent))
            {
                return AgentNotFound(modelId);
            }

            var item = new WireAssistantItem
            {
                ModelId = agent.ModelId,
                Name = agent.Name,
                Type = agent.Type,
                Description = agent.Description,
                PhoneNumber = agent.PhoneNumber,
                AttachedPhoneNumbers = [.. AttachedOf(agent).Select(n => new WireAttachedNumber(n.Number, n.Sid, n.Slug))],
            };
            return SandboxReply.Json(
                200,
                new WireAssistant("ok", new WireAssistantPage(WirePagination.One, [item])),
                SandboxJsonContext.Default.WireAssistant);
        }
    }
}
