using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SynthflowConnector.Agents;
using SynthflowConnector.Calls;
using SynthflowConnector.Synthflow;

namespace SynthflowConnector.Http;

/// <summary>
/// The connector's actions, host-neutral: each takes the <see cref="HttpRequest"/> and route values and returns an
/// <see cref="IResult"/>. The Functions app and the Host both call exactly these. Input is validated before
/// anything leaves the app; every failure is problem+json.
/// </summary>
public sealed partial class ConnectorEndpoints(
    AgentPhoneNumberService agents,
    CallService calls,
    HealthEndpoint health,
    IOptions<SynthflowOptions> options,
    ILogger<ConnectorEndpoints> logger)
{
    public const string IdempotencyKeyHeader = "Idempotency-Key";
    private const int MaxIdempotencyKeyLength = 255;
    private const int MaxAttachItems = 100;
    private const int MaxCustomVariables = 50;

    public IResult Health(HttpRequest request) => health.Get();

    public Task<IResult> ListAgentsAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var type = request.Query["type"].ToString();
        if (type.Length > 0 && type is not (AgentTypes.Outbound or AgentTypes.Inbound or AgentTypes.Widget))
        {
            return Task.FromResult<IResult>(Problems.Field("type", "'type' must be outbound, inbound or widget."));
        }

        return RunAsync(async () => TypedResults.Json(
            await agents.ListAgentsAsync(type.Length > 0 ? type : null, cancellationToken).ConfigureAwait(false),
            ConnectorJson.Context.AgentList));
    }

    public Task<IResult> ListAgentPhoneNumbersAsync(HttpRequest request, string modelId, CancellationToken cancellationToken)
    {
        var errors = new FieldErrors();
        ConnectorValidation.ModelId(errors, modelId);
        if (errors.Any)
        {
            return Task.FromResult<IResult>(errors.ToProblem());
        }

        return RunAsync(async () => TypedResults.Json(
            await agents.GetAttachedAsync(modelId, cancellationToken).ConfigureAwait(false),
            ConnectorJson.Context.AgentPhoneNumbers));
    }

    public async Task<IResult> AttachPhoneNumbersAsync(HttpRequest request, string modelId, CancellationToken cancellationToken)
    {
        var errors = new FieldErrors();
        ConnectorValidation.ModelId(errors, modelId);
        if (errors.Any)
        {
            return errors.ToProblem();
        }

        var (body, problem) = await ConnectorValidation.ReadJsonAsync(request, ConnectorJson.Context.AttachPhoneNumbersRequest, cancellationToken).ConfigureAwait(false);
        if (problem is not null)
        {
            return problem;
        }

        var numbers = ValidateAttach(body!, errors);
        if (errors.Any)
        {
            return errors.ToProblem();
        }

        return await RunAsync(async () => TypedResults.Json(
            await agents.AttachAsync(modelId, numbers!, cancellationToken).ConfigureAwait(false),
            ConnectorJson.Context.AgentPhoneNumbers)).ConfigureAwait(false);
    }

    public Task<IResult> DetachPhoneNumberAsync(HttpRequest request, string modelId, string slug, CancellationToken cancellationToken)
    {
        var errors = new FieldErrors();
        ConnectorValidation.ModelId(errors, modelId);
        ConnectorValidation.Slug(errors, slug);
        if (errors.Any)
        {
            return Task.FromResult<IResult>(errors.ToProblem());
        }

        return RunAsync(async () => TypedResults.Json(
            await agents.DetachAsync(modelId, slug, cancellationToken).ConfigureAwait(false),
            ConnectorJson.Context.DetachResult));
    }

    public Task<IResult> ListPhoneNumbersAsync(HttpRequest request, CancellationToken cancellationToken) =>
        RunAsync(async () => TypedResults.Json(
            await agents.ListWorkspaceNumbersAsync(cancellationToken).ConfigureAwait(false),
            ConnectorJson.Context.WorkspacePhoneNumberList));

    public async Task<IResult> MakeCallAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var (body, problem) = await ConnectorValidation.ReadJsonAsync(request, ConnectorJson.Context.MakeCallRequest, cancellationToken).ConfigureAwait(false);
        if (problem is not null)
        {
            return problem;
        }

        var errors = new FieldErrors();
        var command = ValidateCall(body!, errors, options.Value.IsSandbox);
        var key = ValidateIdempotencyKey(request.Headers[IdempotencyKeyHeader].ToString(), body!.IdempotencyKey, errors);
        if (errors.Any)
        {
            return errors.ToProblem();
        }

        return await RunAsync(
            async () =>
            {
                var outcome = await calls.MakeCallAsync(command!, key, cancellationToken).ConfigureAwait(false);
                return outcome.Failure is { } failure
                    ? EndpointErrors.FromCallFailure(failure)
                    : TypedResults.Json(outcome.Response!, ConnectorJson.Context.MakeCallResponse);
            },
            placingCall: true,
            idempotent: key is not null).ConfigureAwait(false);
    }

    public Task<IResult> GetCallAsync(HttpRequest request, string callId, CancellationToken cancellationToken)
    {
        if (!ConnectorValidation.IsSafeIdentifier(callId))
        {
            return Task.FromResult<IResult>(Problems.Field("callId", "'callId' must be a call id of at most 64 letters, digits, '-', '_', '.' or ':'."));
        }

        return RunAsync(async () => TypedResults.Json(
            await calls.GetCallAsync(callId, cancellationToken).ConfigureAwait(false),
            ConnectorJson.Context.CallDetails));
    }

    private static AttachPhoneNumbers? ValidateAttach(AttachPhoneNumbersRequest body, FieldErrors errors)
    {
        var (field, values) = (body.PhoneNumbers, body.PhoneNumberSlugs) switch
        {
            (not null, not null) => ("body", null),
            (not null, null) => ("phoneNumbers", body.PhoneNumbers),
            (null, not null) => ("phoneNumberSlugs", body.PhoneNumberSlugs),
            _ => ("body", (IReadOnlyList<string>?)null),
        };
        if (values is null)
        {
            errors.Add(field, "Give exactly one of 'phoneNumbers' (E.164 numbers) or 'phoneNumberSlugs' (digits without '+').");
            return null;
        }

        if (values.Count is 0 or > MaxAttachItems)
        {
            errors.Add(field, $"'{field}' must hold 1 to {MaxAttachItems} items.");
            return null;
        }

        for (var i = 0; i < values.Count; i++)
        {
            if (field == "phoneNumbers")
            {
                errors.PhoneNumber($"phoneNumbers[{i}]", values[i]);
            }
            else
            {
                ConnectorValidation.Slug(errors, values[i], $"phoneNumberSlugs[{i}]");
            }
        }

        var distinct = values.Distinct(StringComparer.Ordinal).ToList();
        return field == "phoneNumbers" ? AttachPhoneNumbers.ByNumbers(distinct) : AttachPhoneNumbers.BySlugs(distinct);
    }

    private static MakeCallCommand? ValidateCall(MakeCallRequest body, FieldErrors errors, bool sandbox)
    {
        ConnectorValidation.ModelId(errors, body.ModelId);
        var phone = errors.PhoneNumber("phone", body.Phone);
        var name = errors.Text("name", body.Name, 200, required: true);
        var from = errors.PhoneNumber("fromPhoneNumber", body.FromPhoneNumber, required: false);
        CallerIdStrategy? strategy = null;
        if (body.CallerIdStrategy is { } strategyName && !CallerIdStrategies.TryParse(strategyName, out strategy))
        {
            errors.Add("callerIdStrategy", $"'callerIdStrategy' must be one of {string.Join(", ", CallerIdStrategies.Names)}.");
        }

        var variables = new List<CustomVariable>();
        if (body.CustomVariables is { } custom)
        {
            if (custom.Count > MaxCustomVariables)
            {
                errors.Add("customVariables", $"'customVariables' may hold at most {MaxCustomVariables} entries.");
            }

            foreach (var (key, value) in custom)
            {
                if (key.Length is 0 or > 100 || key.Any(char.IsControl))
                {
                    errors.Add("customVariables", "Each custom variable name must be 1 to 100 printable characters.");
                }
                else
                {
                    errors.Text($"customVariables.{key}", value, 2000, multiline: true);
                    variables.Add(new CustomVariable { Key = key, Value = value ?? string.Empty });
                }
            }
        }

        var email = errors.Text("leadEmail", body.LeadEmail, 254);
        if (email is not null && !email.Contains('@', StringComparison.Ordinal))
        {
            errors.Add("leadEmail", "'leadEmail' must be an email address.");
        }

        var timezone = errors.Text("leadTimezone", body.LeadTimezone, 64);
        var prompt = errors.Text("prompt", body.Prompt, 20_000, multiline: true);
        var greeting = errors.Text("greeting", body.Greeting, 2_000, multiline: true);
        var forwardUrl = HookValidation.CallbackUrl(errors, "webhookUrl", body.WebhookUrl, sandbox, required: false);
        return errors.Any ? null : new MakeCallCommand
        {
            ModelId = body.ModelId!,
            Phone = phone!,
            Name = name!,
            FromPhoneNumber = from,
            CallerIdStrategy = strategy,
            CustomVariables = variables.Count > 0 ? variables : null,
            LeadEmail = email,
            LeadTimezone = timezone,
            Prompt = prompt,
            Greeting = greeting,
            ForwardWebhookUrl = forwardUrl,
        };
    }

    internal static string? ValidateIdempotencyKey(string header, string? body, FieldErrors errors)
    {
        var fromHeader = string.IsNullOrEmpty(header) ? null : header;
        if (fromHeader is not null && body is not null && !string.Equals(fromHeader, body, StringComparison.Ordinal))
        {
            errors.Add("idempotencyKey", "The Idempotency-Key header and the body's idempotencyKey differ; send one, or the same value in both.");
            return null;
        }

        var key = fromHeader ?? body;
        if (key is not null && (key.Length is 0 or > MaxIdempotencyKeyLength || key.Any(c => c < 0x20 || c > 0x7e)))
        {
            // Name where the key came from: the header, or the body's property.
            errors.Add(fromHeader is null ? "idempotencyKey" : IdempotencyKeyHeader, $"The Idempotency-Key must be 1 to {MaxIdempotencyKeyLength} printable ASCII characters (a flow's run ID works well).");
            return null;
        }

        return key;
    }

    private Task<IResult> RunAsync(Func<Task<IResult>> action, bool placingCall = false, bool idempotent = false) =>
        EndpointErrors.RunAsync(action, logger, placingCall, idempotent);
}
