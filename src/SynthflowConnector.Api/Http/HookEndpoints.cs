using System.Buffers;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SynthflowConnector.Hooks;
using SynthflowConnector.Synthflow;

namespace SynthflowConnector.Http;

/// <summary>
/// The "When a call ends" trigger's subscription API (what Power Platform calls when a flow is saved or deleted) and
/// Synthflow's webhook receiver. Host-neutral like <see cref="ConnectorEndpoints"/>.
/// </summary>
public sealed class HookEndpoints(
    HookSubscriptionService subscriptions,
    CallEventIntake intake,
    IOptions<SynthflowOptions> options,
    ILogger<HookEndpoints> logger)
{
    /// <summary>How many failures the failures list shows (newest first).</summary>
    public const int MaxFailuresListed = 100;

    private const int MaxStatuses = 20;

    public async Task<IResult> SubscribeCallEndedAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var (body, problem) = await ConnectorValidation.ReadJsonAsync(request, ConnectorJson.Context.SubscribeCallEndedRequest, cancellationToken).ConfigureAwait(false);
        if (problem is not null)
        {
            return problem;
        }

        var errors = new FieldErrors();
        var callbackUrl = HookValidation.CallbackUrl(errors, "callbackUrl", body!.CallbackUrl, options.Value.IsSandbox, required: true);
        if (body.ModelId is not null)
        {
            ConnectorValidation.ModelId(errors, body.ModelId);
        }

        var statuses = Statuses(errors, body.Statuses);
        if (errors.Any)
        {
            return errors.ToProblem();
        }

        return await SubscribeAsync(
            subscriptions, request, HookEvents.CallEnded, ConnectorRoutes.CallEndedHooks, new SubscribeCommand(callbackUrl!, body.ModelId, statuses), logger, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Any trigger's subscribe, once validated: 201 with the subscription and its <c>Location</c> under <paramref name="route"/>.</summary>
    internal static Task<IResult> SubscribeAsync(
        HookSubscriptionService subscriptions, HttpRequest request, string hookEvent, string route, SubscribeCommand command, ILogger logger, CancellationToken cancellationToken) =>
        EndpointErrors.RunAsync(
            async () =>
            {
                var created = await subscriptions.SubscribeAsync(hookEvent, command, cancellationToken).ConfigureAwait(false);
                return new CreatedResult(
                    new Uri($"{request.Scheme}://{request.Host}{request.PathBase}/{ConnectorRoutes.Prefix}/{route}/{Uri.EscapeDataString(created.Id)}"),
                    TypedResults.Json(CallEndedSubscription.From(created), ConnectorJson.Context.CallEndedSubscription, statusCode: StatusCodes.Status201Created));
            },
            logger);

    public Task<IResult> UnsubscribeCallEndedAsync(HttpRequest request, string subscriptionId, CancellationToken cancellationToken) =>
        UnsubscribeAsync(subscriptions, HookEvents.CallEnded, subscriptionId, logger, cancellationToken);

    /// <summary>Any trigger's delete: 200 also when the id is unknown (the platform retries deletes).</summary>
    internal static Task<IResult> UnsubscribeAsync(HookSubscriptionService subscriptions, string hookEvent, string subscriptionId, ILogger logger, CancellationToken cancellationToken)
    {
        if (!ConnectorValidation.IsSafeIdentifier(subscriptionId))
        {
            return Task.FromResult<IResult>(Problems.Field("subscriptionId", "'subscriptionId' must be a subscription id as the trigger's Location header gave it."));
        }

        return EndpointErrors.RunAsync(
            async () => TypedResults.Json(
                new CallEndedUnsubscribeResult(subscriptionId, await subscriptions.UnsubscribeAsync(hookEvent, subscriptionId, cancellationToken).ConfigureAwait(false)),
                ConnectorJson.Context.CallEndedUnsubscribeResult),
            logger);
    }

    public Task<IResult> ListCallEndedSubscriptionsAsync(HttpRequest request, CancellationToken cancellationToken) =>
        RunAsync(async () =>
        {
            var all = await subscriptions.ListAsync(HookEvents.CallEnded, cancellationToken).ConfigureAwait(false);
            return TypedResults.Json(
                new CallEndedSubscriptionList([.. all.OrderBy(s => s.CreatedAt).Select(CallEndedSubscription.From)]),
                ConnectorJson.Context.CallEndedSubscriptionList);
        });

    public Task<IResult> ListCallEndedFailuresAsync(HttpRequest request, CancellationToken cancellationToken) =>
        RunAsync(async () =>
        {
            var failures = await subscriptions.ListFailuresAsync(MaxFailuresListed, cancellationToken).ConfigureAwait(false);
            return TypedResults.Json(
                new CallEndedDeliveryFailureList([.. failures.Select(CallEndedDeliveryFailure.From)]),
                ConnectorJson.Context.CallEndedDeliveryFailureList);
        });

    /// <summary>
    /// <c>POST /api/webhooks/synthflow</c>: at most 4 MiB (413 above, before and while reading), then the intake
    /// verifies the signature, stores once and queues. Answers Synthflow fast; the deliveries happen elsewhere.
    /// </summary>
    public async Task<IResult> ReceiveSynthflowWebhookAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.ContentLength > CallEventIntake.MaxBodyBytes)
        {
            return WebhookTooLarge();
        }

        var buffer = new ArrayBufferWriter<byte>((int)Math.Min(request.ContentLength ?? 16 * 1024, CallEventIntake.MaxBodyBytes) + 1);
        while (true)
        {
            var read = await request.Body.ReadAsync(buffer.GetMemory(16 * 1024), cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                break;
            }

            buffer.Advance(read);
            if (buffer.WrittenCount > CallEventIntake.MaxBodyBytes)
            {
                return WebhookTooLarge();
            }
        }

        var signature = request.Headers[CallEventIntake.SignatureHeader].ToString();
        return await RunAsync(async () =>
        {
            var result = await intake.AcceptAsync(buffer.WrittenMemory, signature.Length == 0 ? null : signature, cancellationToken).ConfigureAwait(false);
            return result.Status switch
            {
                WebhookIntakeStatus.Accepted => TypedResults.Json(new WebhookReceipt(), ConnectorJson.Context.WebhookReceipt),
                WebhookIntakeStatus.Duplicate => TypedResults.Json(new WebhookReceipt { Duplicate = true }, ConnectorJson.Context.WebhookReceipt),
                WebhookIntakeStatus.Ignored => TypedResults.Json(new WebhookReceipt { Ignored = true }, ConnectorJson.Context.WebhookReceipt),
                WebhookIntakeStatus.Unauthorized => Problems.Create(StatusCodes.Status401Unauthorized, "webhook-signature", "The webhook's signature is missing or wrong.", $"Synthflow signs each webhook in the '{CallEventIntake.SignatureHeader}' header with the workspace's webhook secret; nothing was stored."),
                WebhookIntakeStatus.NotConfigured => Problems.Create(StatusCodes.Status503ServiceUnavailable, "webhook-not-configured", "Webhooks are not accepted yet.", "Synthflow__WebhookSecret is not set, so signatures cannot be checked; nothing was stored."),
                WebhookIntakeStatus.Invalid => Problems.Field(result.Field ?? "body", result.Detail ?? "The body is not a Synthflow post-call webhook."),
                _ => throw new InvalidOperationException($"Unknown intake status {result.Status}."),
            };
        }).ConfigureAwait(false);
    }

    private static ProblemResult WebhookTooLarge() =>
        Problems.Create(StatusCodes.Status413PayloadTooLarge, "payload-too-large", "The body is too large.", $"Webhook bodies are limited to {CallEventIntake.MaxBodyBytes / (1024 * 1024)} MiB.");

    private static List<string>? Statuses(FieldErrors errors, IReadOnlyList<string>? statuses)
    {
        if (statuses is null || statuses.Count == 0)
        {
            return null;
        }

        if (statuses.Count > MaxStatuses)
        {
            errors.Add("statuses", $"'statuses' may hold at most {MaxStatuses} items.");
            return null;
        }

        var known = new List<string>();
        for (var i = 0; i < statuses.Count; i++)
        {
            var status = CallEndedStatuses.All.FirstOrDefault(s => string.Equals(s, statuses[i], StringComparison.OrdinalIgnoreCase));
            if (status is null)
            {
                errors.Add($"statuses[{i}]", $"'statuses[{i}]' must be one of the final statuses: {string.Join(", ", CallEndedStatuses.All)}.");
            }
            else if (!known.Contains(status, StringComparer.Ordinal))
            {
                known.Add(status);
            }
        }

        return known;
    }

    /// <summary>The subscription's address, absolute (Power Platform DELETEs it when the flow is deleted or its trigger changes).</summary>

    private Task<IResult> RunAsync(Func<Task<IResult>> action) => EndpointErrors.RunAsync(action, logger);

    /// <summary>A JSON answer with a <c>Location</c> header.</summary>
    internal sealed class CreatedResult(Uri location, IResult json) : IResult, IStatusCodeHttpResult
    {
        public int? StatusCode => StatusCodes.Status201Created;

        public Task ExecuteAsync(HttpContext httpContext)
        {
            ArgumentNullException.ThrowIfNull(httpContext);
            httpContext.Response.Headers.Location = location.AbsoluteUri;
            return json.ExecuteAsync(httpContext);
        }
    }
}
