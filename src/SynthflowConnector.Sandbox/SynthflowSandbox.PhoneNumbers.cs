using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using SynthflowConnector.PhoneNumbers;

namespace SynthflowConnector.Sandbox;

// The workspace's numbers and agents' pools: attach and detach (PUT/DELETE /assistants/{model_id}/phone_numbers…),
// GET /numbers and GET /numbers/{slug}.
public sealed partial class SynthflowSandbox
{
    private SandboxReply AttachPhoneNumbers(string modelId, string? body)
    {
        if (ParseObject(body) is not { } root)
        {
            return SandboxReply.BadRequest("The request body must be a JSON object with phone_numbers or phone_number_slugs.");
        }

        // A JSON null counts as absent, as the request schema's oneOf reads it (null is not an array).
        var hasNumbers = root.TryGetProperty("phone_numbers", out var numbersElement) && numbersElement.ValueKind != JsonValueKind.Null;
        var hasSlugs = root.TryGetProperty("phone_number_slugs", out var slugsElement) && slugsElement.ValueKind != JsonValueKind.Null;
        if (hasNumbers && hasSlugs)
        {
            return SandboxReply.BadRequest("Provide either phone_numbers or phone_number_slugs, not both.");
        }

        if (!hasNumbers && !hasSlugs)
        {
            return SandboxReply.BadRequest("Provide phone_numbers or phone_number_slugs.");
        }

        var field = hasNumbers ? "phone_numbers" : "phone_number_slugs";
        if (ReadStringArray(hasNumbers ? numbersElement : slugsElement) is not { Length: > 0 } values)
        {
            return SandboxReply.BadRequest($"{field} must be a non-empty array of strings.");
        }

        if (hasNumbers && values.FirstOrDefault(value => !E164.IsValid(value)) is { } malformed)
        {
            return SandboxReply.BadRequest($"'{malformed}' is not an E.164 phone number.");
        }

        // (as given, as E.164): errors name the value the caller sent.
        var requested = values
            .Distinct(StringComparer.Ordinal)
            .Select(value => (Given: value, Number: hasNumbers ? value : SynthflowContract.NumberOf(value)))
            .ToArray();

        lock (_gate)
        {
            if (!_agentsById.TryGetValue(modelId, out var agent))
            {
                return AgentNotFound(modelId);
            }

            if (!agent.IsOutbound)
            {
                return SandboxReply.BadRequest($"Phone numbers can only be attached to outbound agents; assistant {modelId} is {agent.Type}.");
            }

            // Validate everything before changing anything: a bad value fails the whole request.
            var notOwned = requested.Where(r => !_numbersByE164.ContainsKey(r.Number)).Select(r => r.Given).ToArray();
            if (notOwned.Length > 0)
            {
                return SandboxReply.BadRequest($"Phone number(s) not found in this workspace: {string.Join(", ", notOwned)}.");
            }

            if (AttachSemantics == AttachSemantics.Replace)
            {
                agent.Attached.Clear();
            }

            foreach (var (_, number) in requested)
            {
                if (!agent.Attached.Contains(number, StringComparer.Ordinal))
                {
                    agent.Attached.Add(number);
                }
            }
        }

        return SandboxReply.Ok();
    }

    private SandboxReply DetachPhoneNumber(string modelId, string slug)
    {
        lock (_gate)
        {
            if (!_agentsById.TryGetValue(modelId, out var agent))
            {
                return AgentNotFound(modelId);
            }

            if (!agent.IsOutbound)
            {
                return SandboxReply.BadRequest($"Phone numbers can only be detached from outbound agents; assistant {modelId} is {agent.Type}.");
            }

            if (!agent.Attached.Remove(SynthflowContract.NumberOf(slug)))
            {
                return SandboxReply.NotFound($"Phone number {slug} is not attached to assistant {modelId}.");
            }
        }

        return SandboxReply.Ok();
    }

    private SandboxReply ListNumbers(IQueryCollection query)
    {
        if (CheckWorkspace(query) is { } workspaceError)
        {
            return workspaceError;
        }

        if (!TryReadPage(query, out var limit, out var offset, out var error) || !TryReadBool(query, "is_available", out var available, out error))
        {
            return error;
        }

        lock (_gate)
        {
            var matching = _numbers
                .Where(n => n.Listed)
                .Select(n => new WireNumberListItem(n.Number, n.Sid, IsAvailable(n.Number)))
                .Where(n => available is null || n.IsAvailable == available)
                .ToArray();
            return SandboxReply.Json(
                200,
                new WireNumberList("ok", new WireNumberListPage(new WirePagination(matching.Length, limit, offset), [.. matching.Skip(offset).Take(limit)])),
                SandboxJsonContext.Default.WireNumberList);
        }
    }

    private SandboxReply GetNumber(string slug, IQueryCollection query)
    {
        if (CheckWorkspace(query) is { } workspaceError)
        {
            return workspaceError;
        }

        lock (_gate)
        {
            if (!_numbersByE164.TryGetValue(SynthflowContract.NumberOf(slug), out var number))
            {
                return SandboxReply.NotFound($"Phone number {slug} not found in this workspace.");
            }

            var (isoCountry, locality, region) = SandboxSeed.Locate(number.Number);
            return SandboxReply.Json(200, new WireNumberDetails
            {
                Slug = number.Slug,
                PhoneNumber = number.Number,
                FriendlyName = FriendlyName(number.Number),
                IsoCountry = isoCountry,
                Locality = locality,
                Region = region,
                Sid = number.Sid,
                ProviderName = number.Sid is null ? "custom" : "twilio",
                IsAvailable = IsAvailable(number.Number),
                WorkspaceId = Workspace,
                CreatedAt = number.CreatedAt.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture),
                Assistants = [.. _agents.Where(a => a.PhoneNumber == number.Number || a.Attached.Contains(number.Number)).Select(a => a.ModelId)],
            }, SandboxJsonContext.Default.WireNumberDetails);
        }
    }

    /// <summary>True when no inbound agent answers on the number (the spec: "available for inbound assignment").</summary>
    private bool IsAvailable(string number) =>
        !_agents.Any(agent => agent.Type == AssistantTypes.Inbound && agent.PhoneNumber == number);

    private SandboxReply? CheckWorkspace(IQueryCollection query)
    {
        if (!query.TryGetValue("workspace", out var values) || string.IsNullOrEmpty(values.ToString()))
        {
            return SandboxReply.BadRequest("workspace is required.");
        }

        return string.Equals(values.ToString(), Workspace, StringComparison.Ordinal)
            ? null
            : SandboxReply.BadRequest($"Workspace '{values}' not found or not accessible with this API key.");
    }

    private static string FriendlyName(string number) =>
        number.Length == 12 && number.StartsWith("+1", StringComparison.Ordinal)
            ? $"({number[2..5]}) {number[5..8]}-{number[8..]}"
            : number;
}
