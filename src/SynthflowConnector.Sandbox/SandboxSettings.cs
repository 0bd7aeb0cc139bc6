using System.Globalization;
using System.Security.Cryptography;
using Microsoft.Extensions.Configuration;
using SynthflowConnector.Sandbox;

namespace SynthflowConnector.Hosting;

/// <summary>
/// The <c>Sandbox</c> configuration section (environment: <c>Sandbox__CallDuration</c> …) read into
/// <see cref="SandboxOptions"/>. Durations are seconds (<c>3</c>, <c>0.5</c>) or <c>hh:mm:ss</c>; a value that does
/// not parse stops the start with a message naming the setting.
/// </summary>
internal static class SandboxSettings
{
    public const string Section = "Sandbox";

    /// <summary>The secret Synthflow signs webhooks with (<c>Synthflow__WebhookSecret</c>).</summary>
    public const string WebhookSecretKey = "Synthflow:WebhookSecret";

    public static SandboxOptions Read(IConfiguration configuration, string webhookSecret)
    {
        var section = configuration.GetSection(Section);
        var defaults = new SandboxOptions();
        return defaults with
        {
            CallDuration = Duration(section, "CallDuration", positive: true) ?? defaults.CallDuration,
            CallsPerSecond = Limit(section, "CallsPerSecond"),
            MaxConcurrentCalls = Limit(section, "MaxConcurrentCalls"),
            WebhookDelay = Duration(section, "WebhookDelay", positive: false) ?? TimeSpan.Zero,
            DropWebhooks = Flag(section, "DropWebhooks"),
            DuplicateWebhooks = Flag(section, "DuplicateWebhooks"),
            WebhookDropRate = Rate(section, "WebhookDropRate"),
            WebhookSecret = webhookSecret,
        };
    }

    /// <summary><c>Synthflow__WebhookSecret</c> when set, else 32 random bytes, base64.</summary>
    public static string WebhookSecret(IConfiguration configuration) =>
        configuration[WebhookSecretKey] is { Length: > 0 } configured && !string.IsNullOrWhiteSpace(configured)
            ? configured
            : Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    private static TimeSpan? Duration(IConfigurationSection section, string key, bool positive)
    {
        if (Value(section, key) is not { } text)
        {
            return null;
        }

        TimeSpan? value = double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) && double.IsFinite(seconds) && Math.Abs(seconds) < TimeSpan.MaxValue.TotalSeconds
            ? TimeSpan.FromSeconds(seconds)
            : TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out var span) ? span : null;
        return value is { } duration && (positive ? duration > TimeSpan.Zero : duration >= TimeSpan.Zero)
            ? duration
            : throw Invalid(key, text, positive ? "a positive duration (seconds, or hh:mm:ss)" : "a duration of zero or more (seconds, or hh:mm:ss)");
    }

    private static int? Limit(IConfigurationSection section, string key) =>
        Value(section, key) is not { } text ? null
        : int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var limit) && limit >= 1 ? limit
        : throw Invalid(key, text, "a whole number of at least 1 (leave it unset for no limit)");

    private static bool Flag(IConfigurationSection section, string key) =>
        Value(section, key) is not { } text ? false
        : bool.TryParse(text, out var flag) ? flag
        : throw Invalid(key, text, "true or false");

    private static double Rate(IConfigurationSection section, string key) =>
        Value(section, key) is not { } text ? 0
        : double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var rate) && rate is >= 0 and <= 1 ? rate
        : throw Invalid(key, text, "a share from 0 to 1");

    private static string? Value(IConfigurationSection section, string key) =>
        section[key] is { } text && !string.IsNullOrWhiteSpace(text) ? text.Trim() : null;

    private static InvalidOperationException Invalid(string key, string value, string expected) =>
        new($"{Section}__{key} must be {expected}, not '{value}'.");
}
