using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SynthflowConnector.Hooks;

namespace SynthflowConnector.Functions;

/// <summary>
/// The "When a call ends" trigger's polling safety net on Hooks__SweepSchedule (six-field NCRONTAB; the setting must
/// exist in the app settings, the Functions host resolves %Hooks__SweepSchedule% itself). Hooks__SweepEnabled=false
/// turns it into a no-op. The host keeps it a singleton across instances.
/// </summary>
public sealed partial class SweepTimerFunction(CallEndSweep sweep, IOptions<HooksOptions> options, ILogger<SweepTimerFunction> logger)
{
    [Function("SweepEndedCalls")]
    public async Task Run([TimerTrigger("%Hooks__SweepSchedule%")] TimerInfo timer, CancellationToken cancellationToken)
    {
        if (!options.Value.SweepEnabled)
        {
            LogOff(logger);
            return;
        }

        // The sweep logs its own summary.
        await sweep.RunAsync(cancellationToken).ConfigureAwait(false);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "The call-end sweep is off (Hooks__SweepEnabled is false)")]
    private static partial void LogOff(ILogger logger);
}
