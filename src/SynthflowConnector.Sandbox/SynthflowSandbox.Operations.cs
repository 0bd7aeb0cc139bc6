using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using SynthflowConnector.PhoneNumbers;
using SynthflowConnector.Synthflow;

namespace SynthflowConnector.Sandbox;

// The API itself: auth, routing and one method per operation, each turning a request into a SandboxReply under the
// state lock. HTTP plumbing (latency, faults, the log, writing) lives in SandboxEndpoints.
public sealed partial class SynthflowSandbox
{
    private const int DefaultLimit = 20;
    private const int MaxLimit = 100;

    /// <param name="method">HTTP method.</param>
    /// <param name="relativePath">The path after the prefix, e.g. <c>/assistants/</c>.</param>
    /// <param name="query">The parsed query (values URL-decoded).</param>
    /// <param name="authorization">The <c>Authorization</c> header, if any.</param>
    /// <param name="body">The request body, or null.</param>
    internal SandboxReply Process(string method, string relativePath, IQueryCollection query, string? authorization, string? body)
    {
        // The gateway checks the key before anything else, unknown routes included.
        if (!IsAuthorized(authorization))
        {
            return SandboxReply.Unauthorized();
        }

        var get = HttpMethods.IsGet(method);
        return relativePath.Split('/', StringSplitOptions.RemoveEmptyEntries) switch
        {
            ["assistants"] when get => ListAssistants(query),
            ["assistants"] when HttpMethods.IsPost(method) => SandboxReply.NotSimulated(method, relativePath),
            ["assistants"] => SandboxReply.MethodNotAllowed("GET, POST"),
            ["assistants", var modelId] when get => GetAssistant(modelId, query),
            ["assistants", _] when HttpMethods.IsPut(method) || HttpMethods.IsDelete(method) => SandboxReply.NotSimulated(method, relativePath),
            ["assistants", _] => SandboxReply.MethodNotAllowed("GET, PUT, DELETE"),
            ["assistants", var modelId, "phone_numbers"] when HttpMethods.IsPut(method) => AttachPhoneNumbers(modelId, body),
            ["assistants", _, "phone_numbers"] => SandboxReply.MethodNotAllowed("PUT"),
            ["assistants", var modelId, "phone_numbers", var slug] when HttpMethods.IsDelete(method) => DetachPhoneNumber(modelId, slug),
            ["assistants", _, "phone_numbers", _] => SandboxReply.MethodNotAllowed("DELETE"),
            ["numbers"] when get => ListNumbers(query),
            ["numbers"] => SandboxReply.MethodNotAllowed("GET"),
            ["numbers", var slug] when get => GetNumber(slug, query),
            ["numbers", _] when HttpMethods.IsPatch(method) || HttpMethods.IsDelete(method) => SandboxReply.NotSimulated(method, relativePath),
            ["numbers", _] => SandboxReply.MethodNotAllowed("GET, PATCH, DELETE"),
            ["calls"] when get => ListCalls(query),
            ["calls"] when HttpMethods.IsPost(method) => PlaceCall(body),
            ["calls"] => SandboxReply.MethodNotAllowed("GET, POST"),
            ["calls", var callId] when get => GetCall(callId),
            ["calls", _] => SandboxReply.MethodNotAllowed("GET"),
            _ => SandboxReply.RouteNotFound(),
        };
    }

    private bool IsAuthorized(string? authorization)
    {
        const string Scheme = "Bearer ";
        if (authorization is null || !authorization.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        // Constant-time: a simulator, but no reason to teach a timing oracle.
        return CryptographicOperations.FixedTimeEquals(
            Encoding.UTF8.GetBytes(authorization[Scheme.Length..].Trim()),
            Encoding.UTF8.GetBytes(ApiKey));
    }

    private SandboxReply ListAssistants(IQueryCollection query)
    {
        if (!TryReadPage(query, out var limit, out var offset, out var error))
        {
            return error;
        }

        lock (_gate)
        {
            // List items carry no attached_phone_numbers: the spec's list schema has none (read each agent for its pool).
            SynthflowAgent[] page = [.. _agents.Skip(offset).Take(limit).Select(agent => agent.ToModel())];
            return SandboxReply.Json(200, new AssistantsEnvelope
            {
                Status = "ok",
                Response = new AssistantsPage
                {
                    Pagination = new Pagination { TotalRecords = _agents.Count, Limit = limit, Offset = offset },
                    Assistants = page,
                },
            }, SandboxJsonContext.Default.AssistantsEnvelope);
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

            var item = new SandboxAssistantItem
            {
                ModelId = agent.ModelId,
                Name = agent.Name,
                Type = agent.Type,
                Description = agent.Description,
                PhoneNumber = agent.PhoneNumber,
                AttachedPhoneNumbers = [.. AttachedOf(agent).Select(n => new SandboxAttachedNumber(n.Number, n.Sid, n.Slug))],
            };
            return SandboxReply.Json(
                200,
                new SandboxAssistantEnvelope("ok", new SandboxAssistantPage(new Pagination { TotalRecords = 1, Limit = 1, Offset = 0 }, [item])),
                SandboxJsonContext.Default.SandboxAssistantEnvelope);
        }
    }

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
            .Select(value => (Given: value, Number: hasNumbers ? value : PhoneNumberSlug.ToNumber(value)))
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

            if (!agent.Attached.Remove(PhoneNumberSlug.ToNumber(slug)))
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
                .Select(n => new WorkspacePhoneNumber { Number = n.Number, Sid = n.Sid, IsAvailable = IsAvailable(n.Number) })
                .Where(n => available is null || n.IsAvailable == available)
                .ToArray();
            return SandboxReply.Json(200, new NumbersEnvelope
            {
                Status = "ok",
                Response = new NumbersPage
                {
                    Pagination = new Pagination { TotalRecords = matching.Length, Limit = limit, Offset = offset },
                    PhoneNumbers = [.. matching.Skip(offset).Take(limit)],
                },
            }, SandboxJsonContext.Default.NumbersEnvelope);
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
            if (!_numbersByE164.TryGetValue(PhoneNumberSlug.ToNumber(slug), out var number))
            {
                return SandboxReply.NotFound($"Phone number {slug} not found in this workspace.");
            }

            var (isoCountry, locality, region) = SandboxSeed.Locate(number.Number);
            return SandboxReply.Json(200, new SandboxPhoneNumberDetails
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
            }, SandboxJsonContext.Default.SandboxPhoneNumberDetails);
        }
    }

    private SandboxReply PlaceCall(string? body)
    {
        if (ParseObject(body) is not { } root)
        {
            return SandboxReply.BadRequest("The request body must be a JSON object.");
        }

        if (RequiredString(root, "model_id") is not { } modelId)
        {
            return SandboxReply.BadRequest("model_id is required and must be a non-empty string.");
        }

        if (RequiredString(root, "phone") is not { } phone)
        {
            return SandboxReply.BadRequest("phone is required and must be a non-empty string.");
        }

        if (RequiredString(root, "name") is not { } name)
        {
            return SandboxReply.BadRequest("name is required and must be a non-empty string.");
        }

        if (!E164.IsValid(phone))
        {
            return SandboxReply.BadRequest($"phone must be an E.164 number such as +14155550123, not '{phone}'.");
        }

        foreach (var optional in (ReadOnlySpan<string>)["from_phone_number", "lead_email", "lead_timezone", "prompt", "greeting"])
        {
            if (root.TryGetProperty(optional, out var value) && value.ValueKind is not (JsonValueKind.String or JsonValueKind.Null))
            {
                return SandboxReply.BadRequest($"{optional} must be a string.");
            }
        }

        if (root.TryGetProperty("custom_variables", out var variables) && variables.ValueKind != JsonValueKind.Null && !IsKeyValueArray(variables))
        {
            return SandboxReply.BadRequest("custom_variables must be an array of {\"key\": string, \"value\": string} objects.");
        }

        var from = root.TryGetProperty("from_phone_number", out var fromElement) ? fromElement.GetString() : null;
        lock (_gate)
        {
            if (!_agentsById.TryGetValue(modelId, out var agent))
            {
                return AgentNotFound(modelId);
            }

            if (!agent.IsOutbound)
            {
                return SandboxReply.BadRequest($"Calls can only be placed with outbound agents; assistant {modelId} is {agent.Type}.");
            }

            if (from is not null && !agent.Attached.Contains(from, StringComparer.Ordinal))
            {
                return SandboxReply.BadRequest($"from_phone_number {from} is not attached to assistant {modelId}.");
            }

            // Synthflow's default choice is undocumented; the sandbox takes the pool's first number, then the agent's own.
            from ??= agent.Attached.FirstOrDefault() ?? agent.PhoneNumber;
            if (from is null)
            {
                return SandboxReply.BadRequest($"Assistant {modelId} has no phone number to call from.");
            }

            var call = new SynthflowCall
            {
                CallId = Guid.NewGuid().ToString(),
                ModelId = agent.ModelId,
                Status = "pending",
                PhoneNumberFrom = from,
                PhoneNumberTo = phone,
                LeadPhoneNumber = phone,
                Name = name,
                Duration = 0,
                StartTime = TimeProvider.GetUtcNow(),
            };
            _callIndex.Add(call.CallId, _calls.Count);
            _calls.Add(call);
            return SandboxReply.Json(200, new CallCreatedEnvelope
            {
                Status = "success",
                Response = new CallCreatedBody { Answer = "ok", CallId = call.CallId },
                Eta = 2,
            }, SandboxJsonContext.Default.CallCreatedEnvelope);
        }
    }

    private SandboxReply GetCall(string callId)
    {
        lock (_gate)
        {
            if (!_callIndex.TryGetValue(callId, out var index))
            {
                return SandboxReply.NotFound($"Call {callId} not found.");
            }

            // The single-call item has `status` and no lead_phone_number (that is a list-item field).
            var item = _calls[index] with { LeadPhoneNumber = null, CallStatus = null };
            return SandboxReply.Json(200, new CallsEnvelope
            {
                Status = "ok",
                Response = new CallsPage { Pagination = new Pagination { TotalRecords = 1, Limit = 1, Offset = 0 }, Calls = [item] },
            }, SandboxJsonContext.Default.CallsEnvelope);
        }
    }

    private SandboxReply ListCalls(IQueryCollection query)
    {
        if (!query.TryGetValue("model_id", out var modelIdValues) || string.IsNullOrEmpty(modelIdValues.ToString()))
        {
            return SandboxReply.BadRequest("model_id is required.");
        }

        if (!TryReadPage(query, out var limit, out var offset, out var error)
            || !TryReadLong(query, "from_date", out var fromDate, out error)
            || !TryReadLong(query, "to_date", out var toDate, out error)
            || !TryReadLong(query, "duration_min", out var durationMin, out error)
            || !TryReadLong(query, "duration_max", out var durationMax, out error))
        {
            return error;
        }

        var modelId = modelIdValues.ToString();

        // Query values arrive URL-decoded: a lead sent as %2B1415… is "+1415…" here. A raw '+' decodes to a space
        // (form encoding) and then matches nothing, as it would upstream.
        var lead = query.TryGetValue("lead_phone_number", out var leadValues) ? leadValues.ToString() : null;
        var callStatus = query.TryGetValue("call_status", out var statusValues) ? statusValues.ToString() : null;
        lock (_gate)
        {
            var matching = _calls
                .Select((call, index) => (Call: call, Index: index))
                .Where(c => c.Call.ModelId == modelId)
                .Where(c => lead is null || c.Call.LeadPhoneNumber == lead)
                .Where(c => callStatus is null || c.Call.Status == callStatus)
                .Where(c => fromDate is null || c.Call.StartTime!.Value.ToUnixTimeMilliseconds() >= fromDate)
                .Where(c => toDate is null || c.Call.StartTime!.Value.ToUnixTimeMilliseconds() <= toDate)
                .Where(c => durationMin is null || c.Call.Duration >= durationMin)
                .Where(c => durationMax is null || c.Call.Duration <= durationMax)
                .OrderByDescending(c => c.Call.StartTime)
                .ThenByDescending(c => c.Index)
                .Select(c => c.Call with { CallStatus = c.Call.Status, Status = null })
                .ToArray();
            return SandboxReply.Json(200, new CallsEnvelope
            {
                Status = "ok",
                Response = new CallsPage
                {
                    Pagination = new Pagination { TotalRecords = matching.Length, Limit = limit, Offset = offset },
                    Calls = [.. matching.Skip(offset).Take(limit)],
                },
            }, SandboxJsonContext.Default.CallsEnvelope);
        }
    }

    private static SandboxReply AgentNotFound(string modelId) => SandboxReply.NotFound($"Assistant {modelId} not found.");

    /// <summary>True when no inbound agent answers on the number (the spec: "available for inbound assignment").</summary>
    private bool IsAvailable(string number) =>
        !_agents.Any(agent => agent.Type == AgentTypes.Inbound && agent.PhoneNumber == number);

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

    private static JsonElement? ParseObject(string? body)
    {
        if (string.IsNullOrWhiteSpace(body))
        {
            return null;
        }

        try
        {
            using var document = JsonDocument.Parse(body);
            return document.RootElement.ValueKind == JsonValueKind.Object ? document.RootElement.Clone() : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static string? RequiredString(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String && !string.IsNullOrWhiteSpace(value.GetString())
            ? value.GetString()
            : null;

    private static string[]? ReadStringArray(JsonElement element) =>
        element.ValueKind == JsonValueKind.Array && element.EnumerateArray().All(item => item.ValueKind == JsonValueKind.String && item.GetString()!.Length > 0)
            ? [.. element.EnumerateArray().Select(item => item.GetString()!)]
            : null;

    private static bool IsKeyValueArray(JsonElement element) =>
        element.ValueKind == JsonValueKind.Array
        && element.EnumerateArray().All(item =>
            item.ValueKind == JsonValueKind.Object
            && item.TryGetProperty("key", out var key) && key.ValueKind == JsonValueKind.String
            && item.TryGetProperty("value", out var value) && value.ValueKind == JsonValueKind.String);

    /// <summary><c>limit</c> (default 20, clamped to 1..100) and <c>offset</c> (default 0, never negative).</summary>
    private static bool TryReadPage(IQueryCollection query, out int limit, out int offset, [NotNullWhen(false)] out SandboxReply? error)
    {
        limit = DefaultLimit;
        offset = 0;
        if (!TryReadLong(query, "limit", out var requestedLimit, out error) || !TryReadLong(query, "offset", out var requestedOffset, out error))
        {
            return false;
        }

        if (requestedOffset < 0)
        {
            error = SandboxReply.BadRequest("offset must not be negative.");
            return false;
        }

        limit = requestedLimit is { } l ? (int)Math.Clamp(l, 1, MaxLimit) : DefaultLimit;
        offset = (int)Math.Min(requestedOffset ?? 0, int.MaxValue);
        return true;
    }

    private static bool TryReadLong(IQueryCollection query, string name, out long? value, [NotNullWhen(false)] out SandboxReply? error)
    {
        value = null;
        error = null;
        if (!query.TryGetValue(name, out var values))
        {
            return true;
        }

        if (long.TryParse(values.ToString(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var parsed))
        {
            value = parsed;
            return true;
        }

        error = SandboxReply.BadRequest($"{name} must be an integer.");
        return false;
    }

    /// <summary>Booleans as the upstream framework reads them: true/false, 1/0, yes/no, on/off.</summary>
    private static bool TryReadBool(IQueryCollection query, string name, out bool? value, [NotNullWhen(false)] out SandboxReply? error)
    {
        value = null;
        error = null;
        if (!query.TryGetValue(name, out var values))
        {
            return true;
        }

        switch (values.ToString().ToUpperInvariant())
        {
            case "TRUE" or "1" or "YES" or "ON":
                value = true;
                return true;
            case "FALSE" or "0" or "NO" or "OFF":
                value = false;
                return true;
            default:
                error = SandboxReply.BadRequest($"{name} must be a boolean.");
                return false;
        }
    }
}
