using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Options;
using SynthflowConnector.Campaigns;

namespace SynthflowConnector.Functions;

/// <summary>
/// Dispatches the due attempts of running campaigns on Campaigns__DispatchSchedule (six-field NCRONTAB; the setting must
/// exist in the app settings, the Functions host resolves %Campaigns__DispatchSchedule% itself). Each run has a budget
/// just under the period. Safe on several instances at once: per-attempt idempotency keys prevent double dials and the
/// shared pacer keeps the account's limits.
/// </summary>
public sealed class CampaignDispatchTimerFunction(CampaignDispatcher dispatcher, IOptions<CampaignsOptions> options, TimeProvider timeProvider)
{
    [Function("DispatchCampaigns")]
    public async Task Run([TimerTrigger("%Campaigns__DispatchSchedule%")] TimerInfo timer, CancellationToken cancellationToken)
    {
        if (!options.Value.DispatchEnabled)
        {
            return;
        }

        await dispatcher.RunAsync(options.Value.DispatchBudget(timeProvider.GetUtcNow()), cancellationToken).ConfigureAwait(false);
    }
}
