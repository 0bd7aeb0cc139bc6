using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SynthflowConnector.Hooks;
using SynthflowConnector.Synthflow;

namespace SynthflowConnector.Http;

/// <summary>
/// The "When a campaign completes" trigger's subscription API: the same subscriptions, callback policy, answers and
/// deliveries as "When a call ends" (<see cref="HookEndpoints"/>), for the <see cref="HookEvents.CampaignCompleted"/> event.
/// </summary>
public sealed class CampaignHookEndpoints(
    HookSubscriptionService subscriptions,
    IOptions<SynthflowOptions> options,
    ILogger<CampaignHookEndpoints> logger)
{
    public async Task<IResult> SubscribeCampaignCompletedAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var (body, problem) = await ConnectorValidation.ReadJsonAsync(request, CampaignApiJson.Context.SubscribeCampaignCompletedRequest, cancellationToken).ConfigureAwait(false);
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

        if (errors.Any)
        {
            return errors.ToProblem();
        }

        return await HookEndpoints.SubscribeAsync(
            subscriptions, request, HookEvents.CampaignCompleted, ConnectorRoutes.CampaignCompletedHooks, new SubscribeCommand(callbackUrl!, body.ModelId, null), logger, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>200 also when the id is unknown (the platform retries deletes).</summary>
    public Task<IResult> UnsubscribeCampaignCompletedAsync(HttpRequest request, string subscriptionId, CancellationToken cancellationToken) =>
        HookEndpoints.UnsubscribeAsync(subscriptions, HookEvents.CampaignCompleted, subscriptionId, logger, cancellationToken);
}
