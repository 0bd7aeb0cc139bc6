using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

namespace SynthflowConnector.Http;

/// <summary>
/// The Host's stand-in for Functions keys: every route but health needs <c>x-functions-key</c> (or <c>?code=</c>)
/// equal to <c>Connector__ApiKey</c>. In sandbox mode with no key set, one is generated and printed at start.
/// </summary>
public sealed partial class ConnectorApiKey
{
    public const string HeaderName = "x-functions-key";
    public const string QueryName = "code";
    public const string SettingName = "Connector:ApiKey";
    private readonly byte[] _expectedHash;

    public ConnectorApiKey(IConfiguration configuration, ILogger<ConnectorApiKey> logger)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var configured = configuration[SettingName];
        var sandbox = ConnectorMode.IsSandbox(configuration);
        if (string.IsNullOrWhiteSpace(configured))
        {
            if (!sandbox)
            {
                throw new InvalidOperationException("Connector__ApiKey must be set when Synthflow__ApiKey is set: the Host would otherwise let anyone place calls.");
            }

            configured = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24));
            LogGenerated(logger, configured);
        }
        else if (configured.Length < 16)
        {
            throw new InvalidOperationException("Connector__ApiKey must be at least 16 characters.");
        }

        _expectedHash = SHA256.HashData(Encoding.UTF8.GetBytes(configured));
    }

    /// <summary>Constant-time comparison (of digests, so lengths never leak either).</summary>
    public bool IsValid(string? presented) =>
        !string.IsNullOrEmpty(presented)
        && CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(presented)), _expectedHash);

    public static IEndpointFilter Filter { get; } = new KeyFilter();

    [LoggerMessage(Level = LogLevel.Warning, Message = "SANDBOX: Connector__ApiKey is not set; this run's key is {Key}. Send it as the x-functions-key header.")]
    private static partial void LogGenerated(ILogger logger, string key);

    private sealed class KeyFilter : IEndpointFilter
    {
        public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
        {
            var http = context.HttpContext;
            var key = http.RequestServices.GetService(typeof(ConnectorApiKey)) as ConnectorApiKey
                ?? throw new InvalidOperationException("ConnectorApiKey is not registered.");
            var presented = http.Request.Headers[HeaderName].ToString();
            if (string.IsNullOrEmpty(presented))
            {
                presented = http.Request.Query[QueryName].ToString();
            }

            return key.IsValid(presented)
                ? await next(context).ConfigureAwait(false)
                : Problems.Create(401, "unauthorized", "A valid function key is required.", $"Send the key in the '{HeaderName}' header (or the '{QueryName}' query parameter).");
        }
    }
}
