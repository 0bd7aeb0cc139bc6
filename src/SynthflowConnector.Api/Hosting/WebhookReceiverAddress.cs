using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using SynthflowConnector.Hooks;
using SynthflowConnector.Http;

namespace SynthflowConnector.Hosting;

/// <summary>
/// Where Synthflow should send post-call webhooks: <c>{base}/api/webhooks/synthflow</c>, the base being
/// <c>Connector__PublicBaseUrl</c>, else <c>WEBSITE_HOSTNAME</c> (App Service sets it; <c>func start</c> sets it to
/// its local address), else in sandbox mode the Host's own listening address (known once Kestrel has started).
/// Null in live mode without either: calls are then placed without a webhook address and only the sweep sees
/// them end.
/// </summary>
public sealed class WebhookReceiverAddress : IWebhookReceiverAddress
{
    public const string PublicBaseUrlSetting = "Connector:PublicBaseUrl";
    public const string WebsiteHostNameSetting = "WEBSITE_HOSTNAME";

    /// <summary>Set in every Functions worker (local.settings.json, App Service): the Host's own server is not reachable there.</summary>
    private const string FunctionsWorkerRuntimeSetting = "FUNCTIONS_WORKER_RUNTIME";

    private readonly Uri? _configuredBase;
    private readonly bool _useOwnServer;
    private readonly IServiceProvider _services;
    private Uri? _ownReceiver;

    public WebhookReceiverAddress(IConfiguration configuration, IServiceProvider services)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        _services = services;
        _configuredBase = ConfiguredBase(configuration);
        _useOwnServer = _configuredBase is null
            && ConnectorMode.IsSandbox(configuration)
            && string.IsNullOrEmpty(configuration[FunctionsWorkerRuntimeSetting]);
    }

    /// <summary>The route the receiver is served at, relative to a base URL.</summary>
    public static string ReceiverPath => $"{ConnectorRoutes.Prefix}/{ConnectorRoutes.SynthflowWebhook}";

    /// <summary>True when the address comes from a setting (not from the Host's own listening address).</summary>
    public bool IsConfigured => _configuredBase is not null;

    public Uri? ReceiverUrl => _configuredBase is { } configured ? Combine(configured) : _useOwnServer ? OwnReceiver() : null;

    /// <summary>The base from the settings, or null; a malformed <c>Connector__PublicBaseUrl</c> stops the app at start.</summary>
    public static Uri? ConfiguredBase(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        if (configuration[PublicBaseUrlSetting] is { Length: > 0 } configured)
        {
            if (!Uri.TryCreate(configured.Trim(), UriKind.Absolute, out var uri) || uri.Scheme is not ("https" or "http")
                || !string.IsNullOrEmpty(uri.Query) || !string.IsNullOrEmpty(uri.Fragment) || !string.IsNullOrEmpty(uri.UserInfo))
            {
                throw new InvalidOperationException("Connector__PublicBaseUrl must be an absolute http(s) URL without query or fragment, e.g. https://func-synthflow.azurewebsites.net.");
            }

            return uri;
        }

        if (configuration[WebsiteHostNameSetting] is { Length: > 0 } hostName
            && Uri.TryCreate($"https://{hostName.Trim()}", UriKind.Absolute, out var site))
        {
            // func start sets WEBSITE_HOSTNAME to its own address (localhost:7072), served over plain http.
            return site.IsLoopback ? new UriBuilder(site) { Scheme = Uri.UriSchemeHttp }.Uri : site;
        }

        return null;
    }

    private Uri? OwnReceiver()
    {
        if (Volatile.Read(ref _ownReceiver) is { } known)
        {
            return known;
        }

        // Kestrel fills in its addresses (the real port for port 0) once it listens; before that, nothing is known.
        var addresses = _services.GetService<IServer>()?.Features.Get<IServerAddressesFeature>()?.Addresses;
        var http = addresses?.FirstOrDefault(a => a.StartsWith("http://", StringComparison.OrdinalIgnoreCase))
            ?? addresses?.FirstOrDefault();
        if (http is null || !Uri.TryCreate(Loopback(http), UriKind.Absolute, out var listening) || listening.Port == 0)
        {
            return null;
        }

        var receiver = Combine(listening);
        Volatile.Write(ref _ownReceiver, receiver);
        return receiver;
    }

    /// <summary>Wildcard listening hosts (<c>0.0.0.0</c>, <c>[::]</c>, <c>+</c>, <c>*</c>) are reached on loopback.</summary>
    private static string Loopback(string address)
    {
        foreach (var wildcard in new[] { "://0.0.0.0", "://[::]", "://+", "://*" })
        {
            if (address.Contains(wildcard, StringComparison.Ordinal))
            {
                return address.Replace(wildcard, "://localhost", StringComparison.Ordinal);
            }
        }

        return address;
    }

    private static Uri Combine(Uri baseUri) => new($"{baseUri.GetLeftPart(UriPartial.Path).TrimEnd('/')}/{ReceiverPath}");
}

/// <summary>
/// The secret Synthflow signs webhooks with. Sandbox mode: the simulator's (<c>Synthflow__WebhookSecret</c> when set,
/// else generated at start). Live mode: <c>Synthflow__WebhookSecret</c>, or null, and webhooks are refused.
/// </summary>
public sealed class WebhookSecretSource(IConfiguration configuration, IServiceProvider services) : IWebhookSecretSource
{
    public const string SecretSetting = "Synthflow:WebhookSecret";

    private readonly bool _sandbox = ConnectorMode.IsSandbox(configuration);
    private readonly string? _configured = string.IsNullOrWhiteSpace(configuration[SecretSetting]) ? null : configuration[SecretSetting];

    public string? Secret => _sandbox && services.GetService<SandboxHost>() is { } sandbox ? sandbox.WebhookSecret : _configured;
}
