using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using SynthflowConnector.Hooks;
using SynthflowConnector.Synthflow;

namespace SynthflowConnector.Campaigns;

public static class PacingServiceCollectionExtensions
{
    /// <summary>
    /// Account-wide pacing: <see cref="PacingLimits"/> (resolved once from <c>Synthflow__*</c> and, in sandbox mode, the
    /// <see cref="SandboxAccountLimits"/> the composition root registers), the per-process <see cref="PacingCoordinator"/>, <see cref="AccountPacer"/> (used by make-a-call
    /// when registered) and its call-ended observer. Needs an <see cref="IAccountPacingStore"/> (the infrastructure's).
    /// </summary>
    public static IServiceCollection AddConnectorPacing(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(sp => PacingLimits.Resolve(sp.GetRequiredService<IOptions<SynthflowOptions>>().Value, sp.GetService<SandboxAccountLimits>()));
        services.TryAddSingleton<PacingCoordinator>();
        services.TryAddTransient<AccountPacer>();
        services.TryAddEnumerable(ServiceDescriptor.Transient<ICallEndedObserver, AccountPacerObserver>());
        services.TryAddEnumerable(ServiceDescriptor.Transient<ICallEndAcceptedObserver, AccountPacerEarlyRelease>());
        return services;
    }
}
