namespace SynthflowConnector.Tests.Hooks.Api;

/// <summary>Settings that give a test Host tables and queues of its own (on the shared Azurite) and a webhook secret.</summary>
internal static class HookSettings
{
    public const string WebhookSecret = "whsec-test-2f7c1e9a";

    public static Dictionary<string, string?> Unique(IDictionary<string, string?>? overrides = null)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Synthflow:WebhookSecret"] = WebhookSecret,

            // The sweep runs on wall-clock time in the Host: off unless a test drives it.
            ["Hooks:SweepEnabled"] = "false",
        };
        foreach (var (key, value) in overrides ?? new Dictionary<string, string?>())
        {
            settings[key] = value;
        }

        return settings;
    }
}
