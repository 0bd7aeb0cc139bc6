using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using SynthflowConnector.Calls;
using SynthflowConnector.Hooks;
using SynthflowConnector.PhoneNumbers;
using SynthflowConnector.Synthflow;

namespace SynthflowConnector.Campaigns;

/// <summary>
/// Checks a create request's meaning and builds the campaign and its recipients: every refused field is reported (up to
/// <see cref="MaxErrors"/>), each recipient's by its row (<c>recipients[3].phone</c>); duplicates by phone merged, the first
/// occurrence kept with its row index; each recipient's time zone resolved.
/// </summary>
internal sealed class CampaignRequestReader(RecipientTimeZoneResolver zones)
{
    public const int MaxRecipients = 10_000;
    public const int MaxErrors = 100;
    public const int MaxNameLength = 200;
    public const int MaxAttemptsLimit = 5;
    public static readonly TimeSpan MinSpacingFloor = TimeSpan.FromMinutes(1);
    public static readonly TimeSpan MinSpacingCeiling = TimeSpan.FromDays(7);

    public sealed record Read(Campaign? Campaign, IReadOnlyList<CampaignRecipient>? Recipients, IReadOnlyList<CampaignFieldError> Errors);

    public Read Build(CreateCampaignCommand command, string campaignId, DateTimeOffset now)
    {
        var errors = new List<CampaignFieldError>();
        var modelId = Required(command.ModelId, "modelId", errors);
        var name = Required(command.Name, "name", errors);
        if (name is { Length: > MaxNameLength })
        {
            errors.Add(new("name", $"name is longer than {MaxNameLength} characters."));
        }

        CallerIdStrategy? strategy = null;
        if (!string.IsNullOrWhiteSpace(command.CallerIdStrategy) && !CallerIdStrategies.TryParse(command.CallerIdStrategy, out strategy))
        {
            errors.Add(new("callerIdStrategy", $"callerIdStrategy must be one of {string.Join(", ", CallerIdStrategies.Names)}."));
        }

        var hours = CallingHours.Parse(command.CallingHours?.Start, command.CallingHours?.End, command.CallingHours?.Days);
        errors.AddRange(hours.Errors);
        var defaultZone = string.IsNullOrWhiteSpace(command.DefaultTimezone) ? null : command.DefaultTimezone.Trim();
        if (defaultZone is not null && !IanaTimeZones.TryFind(defaultZone, out _))
        {
            errors.Add(new(RecipientTimeZoneResolver.DefaultTimezoneField, $"defaultTimezone '{Clip(defaultZone)}' is not a known IANA time-zone id (for example America/New_York)."));
            defaultZone = null;
        }

        var retry = ReadRetry(command.Retry, errors);
        var recipients = ReadRecipients(command.Recipients, campaignId, defaultZone, errors);
        if (errors.Count > 0 || hours.Value is null || modelId is null || name is null || retry is null || recipients is null)
        {
            return new Read(null, null, errors.Take(MaxErrors).ToList());
        }

        var campaign = new Campaign
        {
            Id = campaignId,
            ModelId = modelId,
            Name = name,
            State = command.StartAt is { } startAt && startAt > now ? CampaignState.Scheduled : CampaignState.Running,
            CallerIdStrategy = strategy,
            CallingHours = hours.Value,
            DefaultTimezone = defaultZone,
            Retry = retry,
            CreatedAt = now,
            StartAt = command.StartAt,
            RecipientCount = recipients.Count,
        };

        // Each recipient's first attempt is due at its first calling window from the start.
        var from = command.StartAt is { } start && start > now ? start : now;
        var due = recipients.Select(r => r with { NextAttemptAt = hours.Value.NextOpening(from, CampaignNames.Zone(r.TimeZoneId)) }).ToList();
        return new Read(campaign, due, []);
    }

    /// <summary>A digest of the request, so a replayed Idempotency-Key with another body is recognised.</summary>
    public static string Hash(CreateCampaignCommand command)
    {
        var text = new StringBuilder();
        void Add(object? value) => text.Append(Convert.ToString(value, CultureInfo.InvariantCulture)).Append('\u001f');
        Add(command.ModelId);
        Add(command.Name);
        Add(command.CallerIdStrategy);
        Add(command.CallingHours?.Start);
        Add(command.CallingHours?.End);
        Add(command.CallingHours?.Days is { } days ? string.Join('\u001e', days) : null);
        Add(command.DefaultTimezone);
        Add(command.Retry?.MaxAttempts);
        Add(command.Retry?.MinSpacing?.Ticks);
        Add(command.Retry?.On is { } on ? string.Join('\u001e', on) : null);
        Add(command.StartAt?.UtcTicks);
        foreach (var recipient in command.Recipients ?? [])
        {
            text.Append('\u001d');
            Add(recipient.Phone);
            Add(recipient.Name);
            Add(recipient.LeadTimezone);
            foreach (var (key, value) in recipient.CustomVariables ?? new Dictionary<string, string?>())
            {
                text.Append(key).Append('\u001e').Append(value).Append('\u001f');
            }
        }

        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())));
    }

    private List<CampaignRecipient>? ReadRecipients(IReadOnlyList<CampaignRecipientInput>? inputs, string campaignId, string? defaultZone, List<CampaignFieldError> errors)
    {
        if (inputs is not { Count: > 0 })
        {
            errors.Add(new("recipients", "recipients is empty: list at least one person to call."));
            return null;
        }

        if (inputs.Count > MaxRecipients)
        {
            errors.Add(new("recipients", $"recipients has {inputs.Count} rows; a campaign takes at most {MaxRecipients}."));
            return null;
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        var recipients = new List<CampaignRecipient>(inputs.Count);
        for (var i = 0; i < inputs.Count && errors.Count < MaxErrors; i++)
        {
            var row = $"recipients[{i}]";
            var input = inputs[i];
            if (input is null)
            {
                errors.Add(new(row, $"{row} is empty."));
                continue;
            }

            var phone = input.Phone?.Trim();
            if (phone is null || !E164.IsValid(phone))
            {
                errors.Add(new($"{row}.phone", $"{row}.phone must be an E.164 number: +, country code and number, digits only (for example +14155550123)."));
                continue;
            }

            var name = input.Name?.Trim();
            if (string.IsNullOrEmpty(name) || name.Length > MaxNameLength)
            {
                errors.Add(new($"{row}.name", $"{row}.name is required, at most {MaxNameLength} characters."));
            }

            var variables = ReadVariables(input.CustomVariables, row, errors);
            var zone = zones.Resolve(phone, input.LeadTimezone, defaultZone);
            if (!zone.IsResolved)
            {
                errors.Add(new($"{row}.{zone.Error.Field}", $"{row}.{zone.Error.Field}: {zone.Error.Message}"));
                continue;
            }

            if (string.IsNullOrEmpty(name) || name.Length > MaxNameLength || !seen.Add(phone))
            {
                continue; // Refused above, or a duplicate of an earlier row: the first occurrence wins.
            }

            recipients.Add(new CampaignRecipient
            {
                CampaignId = campaignId,
                Index = i,
                Phone = phone,
                Name = name,
                CustomVariables = variables,
                LeadTimezone = string.IsNullOrWhiteSpace(input.LeadTimezone) ? null : input.LeadTimezone.Trim(),
                TimeZoneId = zone.Zone.Id,
                State = RecipientState.Pending,
            });
        }

        return recipients;
    }

    private static List<CustomVariable>? ReadVariables(IReadOnlyDictionary<string, string?>? variables, string row, List<CampaignFieldError> errors)
    {
        if (variables is not { Count: > 0 })
        {
            return null;
        }

        var list = new List<CustomVariable>(variables.Count);
        foreach (var (key, value) in variables)
        {
            if (string.IsNullOrWhiteSpace(key) || key.Length > 100)
            {
                errors.Add(new($"{row}.customVariables", $"{row}.customVariables has a blank or over-long (100+) name."));
                return null;
            }

            list.Add(new CustomVariable { Key = key, Value = value ?? string.Empty });
        }

        return list;
    }

    private static CampaignRetryPolicy? ReadRetry(CampaignRetryInput? input, List<CampaignFieldError> errors)
    {
        var policy = new CampaignRetryPolicy();
        if (input is null)
        {
            return policy;
        }

        var failed = false;
        if (input.MaxAttempts is { } max)
        {
            if (max is < 1 or > MaxAttemptsLimit)
            {
                errors.Add(new("retry.maxAttempts", $"retry.maxAttempts must be between 1 and {MaxAttemptsLimit} (was {max})."));
                failed = true;
            }

            policy = policy with { MaxAttempts = max };
        }

        if (input.MinSpacing is { } spacing)
        {
            if (spacing < MinSpacingFloor || spacing > MinSpacingCeiling)
            {
                errors.Add(new("retry.minSpacing", $"retry.minSpacing must be between {MinSpacingFloor:c} and {MinSpacingCeiling:c}."));
                failed = true;
            }

            policy = policy with { MinSpacing = spacing };
        }

        if (input.On is { } on)
        {
            var statuses = new List<string>();
            for (var i = 0; i < on.Count; i++)
            {
                if (string.IsNullOrWhiteSpace(on[i]) || !CallStatuses.IsFinal(on[i]) || string.Equals(on[i]!.Trim(), "completed", StringComparison.OrdinalIgnoreCase))
                {
                    errors.Add(new($"retry.on[{i}]", $"retry.on[{i}] must be a final status other than completed ({string.Join(", ", CallStatuses.Final.Skip(1))})."));
                    failed = true;
                    continue;
                }

                statuses.Add(CallStatuses.Normalize(on[i]!));
            }

            policy = policy with { On = statuses.Distinct(StringComparer.Ordinal).ToList() };
        }

        return failed ? null : policy;
    }

    private static string? Required(string? value, string field, List<CampaignFieldError> errors)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            errors.Add(new(field, $"{field} is required."));
            return null;
        }

        return value.Trim();
    }

    private static string Clip(string value) => value.Length <= 64 ? value : value[..64] + "…";
}
