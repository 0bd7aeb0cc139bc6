using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Security.Cryptography;

namespace SynthflowConnector.Campaigns;

/// <summary>The API's names of campaign and recipient states (lower case, kebab-case), and the campaign ids and keys.</summary>
public static class CampaignNames
{
    /// <summary>Prefix of every campaign attempt's make-a-call Idempotency-Key.</summary>
    public const string KeyPrefix = "campaign-";

    public static IReadOnlyList<string> CampaignStates { get; } = ["scheduled", "running", "paused", "completed", "canceled"];

    public static IReadOnlyList<string> RecipientStates { get; } = ["pending", "calling", "waiting-retry", "done", "skipped", "canceled"];

    public static string ToName(this CampaignState state) => CampaignStates[(int)state];

    public static string ToName(this RecipientState state) => RecipientStates[(int)state];

    public static bool TryParseRecipientState(string? name, [NotNullWhen(true)] out RecipientState? state)
    {
        var index = name is null ? -1 : IndexOf(RecipientStates, name.Trim());
        state = index < 0 ? null : (RecipientState)index;
        return state is not null;
    }

    public static bool TryParseCampaignState(string? name, [NotNullWhen(true)] out CampaignState? state)
    {
        var index = name is null ? -1 : IndexOf(CampaignStates, name.Trim());
        state = index < 0 ? null : (CampaignState)index;
        return state is not null;
    }

    /// <summary>A new campaign id: 128 random bits as 32 lower-case hex digits (URL- and table-key-safe, no dashes).</summary>
    public static string NewCampaignId() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));

    /// <summary>The make-a-call key of one attempt: <c>campaign-{campaignId}-{index}-{attempt}</c>.</summary>
    public static string AttemptKey(string campaignId, int index, int attempt) =>
        string.Create(CultureInfo.InvariantCulture, $"{KeyPrefix}{campaignId}-{index}-{attempt}");

    /// <summary>Reads an <see cref="AttemptKey"/>; false for any other key (a plain make-a-call request's).</summary>
    public static bool TryParseAttemptKey(string? key, [NotNullWhen(true)] out string? campaignId, out int index, out int attempt)
    {
        campaignId = null;
        index = attempt = 0;
        if (key is null || !key.StartsWith(KeyPrefix, StringComparison.Ordinal))
        {
            return false;
        }

        var parts = key[KeyPrefix.Length..].Split('-');
        if (parts.Length != 3 || parts[0].Length == 0
            || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out index)
            || !int.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out attempt)
            || attempt < 1)
        {
            return false;
        }

        campaignId = parts[0];
        return true;
    }

    /// <summary>A recipient's stored zone (resolved at create, so known); UTC if the host lost it.</summary>
    internal static TimeZoneInfo Zone(string timeZoneId) => IanaTimeZones.TryFind(timeZoneId, out var zone) ? zone : TimeZoneInfo.Utc;

    private static int IndexOf(IReadOnlyList<string> names, string name)
    {
        for (var i = 0; i < names.Count; i++)
        {
            if (string.Equals(names[i], name, StringComparison.OrdinalIgnoreCase))
            {
                return i;
            }
        }

        return -1;
    }
}
