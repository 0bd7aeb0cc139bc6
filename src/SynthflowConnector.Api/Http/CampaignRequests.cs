using System.Globalization;
using System.Xml;
using SynthflowConnector.Calls;
using SynthflowConnector.Campaigns;
using SynthflowConnector.PhoneNumbers;

namespace SynthflowConnector.Http;

/// <summary>
/// The shape checks of the campaign and suppression requests: sizes, types and formats the API owns. What a value
/// means (phones, names, zones, calling hours, retry statuses) is the campaign service's to check; it names the fields
/// the same way (<c>recipients[3].phone</c>).
/// </summary>
public static class CampaignRequests
{
    public const int MaxRecipients = 10_000;
    public const int MaxSuppressionsPerRequest = 10_000;
    public const int MaxReasonLength = 500;

    /// <summary>10,000 recipients with names and custom variables: far above the 64 KiB of the other actions.</summary>
    public const int MaxCreateBodyBytes = 16 * 1024 * 1024;

    public const int MaxBulkSuppressBodyBytes = 4 * 1024 * 1024;

    public static CreateCampaignCommand? ToCommand(CreateCampaignRequest body, FieldErrors errors)
    {
        ArgumentNullException.ThrowIfNull(body);
        ArgumentNullException.ThrowIfNull(errors);
        ConnectorValidation.ModelId(errors, body.ModelId);
        if (body.CallerIdStrategy is { } strategy && !CallerIdStrategies.TryParse(strategy, out _))
        {
            errors.Add("callerIdStrategy", $"'callerIdStrategy' must be one of {string.Join(", ", CallerIdStrategies.Names)}.");
        }

        var recipients = Recipients(body.Recipients, errors);
        var spacing = Spacing(body.Retry?.MinSpacing, errors);
        return errors.Any ? null : new CreateCampaignCommand
        {
            ModelId = body.ModelId,
            Name = body.Name,
            Recipients = recipients,
            CallerIdStrategy = body.CallerIdStrategy,
            CallingHours = body.CallingHours is { } hours ? new CallingHoursInput(hours.Start, hours.End, hours.Days) : null,
            DefaultTimezone = body.DefaultTimezone,
            Retry = body.Retry is { } retry ? new CampaignRetryInput(retry.MaxAttempts, spacing, retry.On) : null,
            StartAt = body.StartAt,
        };
    }

    /// <summary>The bulk add's numbers: 1 to 10,000, each E.164 with an optional reason.</summary>
    public static List<(string Phone, string? Reason)>? Suppressions(SuppressNumbersRequest body, FieldErrors errors)
    {
        ArgumentNullException.ThrowIfNull(body);
        ArgumentNullException.ThrowIfNull(errors);
        if (body.Numbers is not { Count: > 0 and <= MaxSuppressionsPerRequest } numbers)
        {
            errors.Add("numbers", $"'numbers' must hold 1 to {MaxSuppressionsPerRequest:N0} items, each {{\"phone\": \"+14155550123\", \"reason\": \"…\"}}.");
            return null;
        }

        var parsed = new List<(string, string?)>(numbers.Count);
        for (var i = 0; i < numbers.Count; i++)
        {
            if (numbers[i] is not { } item)
            {
                errors.Add($"numbers[{i}]", $"'numbers[{i}]' must be an object with a 'phone'.");
                continue;
            }

            var phone = errors.PhoneNumber($"numbers[{i}].phone", item.Phone);
            var reason = errors.Text($"numbers[{i}].reason", item.Reason, MaxReasonLength);
            if (phone is not null)
            {
                parsed.Add((phone, reason));
            }
        }

        return errors.Any ? null : parsed;
    }

    /// <summary>
    /// A phone number from a URL path, forgivingly: <c>+14155550123</c> (the <c>+</c> sent as <c>%2B</c> or as is), or the
    /// same digits without the <c>+</c>; spaces, dots, dashes and brackets are ignored. Digits without <c>+</c> must start
    /// with the country code: they are read as E.164 with the <c>+</c> left out.
    /// </summary>
    public static string? PathPhone(FieldErrors errors, string? raw, string field = "phone")
    {
        ArgumentNullException.ThrowIfNull(errors);
        // A route value may reach here still percent-encoded (the Functions worker hands some over as sent): '%2B' is the
        // '+'. No phone number holds a '%', so decoding it is never ambiguous.
        var decoded = raw is not null && raw.Contains('%', StringComparison.Ordinal) ? Uri.UnescapeDataString(raw) : raw;
        var compact = new string((decoded ?? string.Empty).Where(c => c is not (' ' or '.' or '-' or '(' or ')')).ToArray());
        var candidate = compact.StartsWith('+') ? compact : "+" + compact;
        if (E164.IsValid(candidate))
        {
            return candidate;
        }

        errors.Add(field, $"'{field}' must be a phone number in E.164 form, with the country code: '+14155550123' (in a URL the '+' is written %2B) or the same digits without the '+', '14155550123'.");
        return null;
    }

    /// <summary>The suppression's optional reason.</summary>
    public static string? Reason(FieldErrors errors, string? reason) => errors.Text("reason", reason, MaxReasonLength);

    private static List<CampaignRecipientInput>? Recipients(IReadOnlyList<CampaignRecipientRequest?>? recipients, FieldErrors errors)
    {
        if (recipients is not { Count: > 0 })
        {
            errors.Add("recipients", $"'recipients' is required: 1 to {MaxRecipients:N0} people to call, each {{\"phone\": \"+14155550123\", \"name\": \"Ada\"}}.");
            return null;
        }

        if (recipients.Count > MaxRecipients)
        {
            errors.Add("recipients", $"'recipients' holds {recipients.Count:N0} people; a campaign takes at most {MaxRecipients:N0}. Split the list into several campaigns.");
            return null;
        }

        var inputs = new List<CampaignRecipientInput>(recipients.Count);
        for (var i = 0; i < recipients.Count; i++)
        {
            if (recipients[i] is not { } recipient)
            {
                errors.Add($"recipients[{i}]", $"'recipients[{i}]' must be an object with 'phone' and 'name'.");
                continue;
            }

            inputs.Add(new CampaignRecipientInput(recipient.Phone, recipient.Name, recipient.CustomVariables, recipient.LeadTimezone));
        }

        return inputs;
    }

    /// <summary><c>hh:mm:ss</c> (<c>00:30:00</c>, <c>1.00:00:00</c>) or ISO 8601 (<c>PT30M</c>, as flows write durations).</summary>
    private static TimeSpan? Spacing(string? text, FieldErrors errors)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        if (TimeSpan.TryParseExact(text.Trim(), "c", CultureInfo.InvariantCulture, out var spacing) && spacing > TimeSpan.Zero)
        {
            return spacing;
        }

        if (text.Trim().StartsWith('P'))
        {
            try
            {
                var iso = XmlConvert.ToTimeSpan(text.Trim());
                if (iso > TimeSpan.Zero)
                {
                    return iso;
                }
            }
            catch (FormatException)
            {
                // Reported below.
            }
        }

        errors.Add("retry.minSpacing", "'retry.minSpacing' must be a positive duration: 'hh:mm:ss' (e.g. 00:30:00) or ISO 8601 (e.g. PT30M).");
        return null;
    }
}
