using Microsoft.Extensions.Logging;
using SynthflowConnector.PhoneNumbers;

namespace SynthflowConnector.Campaigns;

// The commands and results the API codes against, the suppression list; the services are in their own files.

public sealed record CampaignRecipientInput(string? Phone, string? Name, IReadOnlyDictionary<string, string?>? CustomVariables, string? LeadTimezone);

public sealed record CallingHoursInput(string? Start, string? End, IReadOnlyList<string>? Days);

public sealed record CampaignRetryInput(int? MaxAttempts, TimeSpan? MinSpacing, IReadOnlyList<string>? On);

/// <summary>A create request as received (the API checks JSON shape; the service checks meaning and names fields like <c>recipients[3].phone</c>).</summary>
public sealed record CreateCampaignCommand
{
    public string? ModelId { get; init; }
    public string? Name { get; init; }
    public IReadOnlyList<CampaignRecipientInput>? Recipients { get; init; }
    public string? CallerIdStrategy { get; init; }
    public CallingHoursInput? CallingHours { get; init; }
    public string? DefaultTimezone { get; init; }
    public CampaignRetryInput? Retry { get; init; }
    public DateTimeOffset? StartAt { get; init; }
}

public sealed record CreateCampaignOutcome(Campaign? Campaign, CampaignCounts? Counts, IReadOnlyList<CampaignFieldError>? Errors, bool Replayed = false, bool KeyConflict = false);

public sealed record CampaignView(Campaign Campaign, CampaignCounts Counts, DateTimeOffset? NextDispatchAt);

public enum CampaignCommandResult
{
    Done,
    NotFound,

    /// <summary>Not allowed from the current state (e.g. resume a completed campaign): 409.</summary>
    Conflict,
}

/// <summary>What one dispatcher run did; <paramref name="MoreDue"/>: its budget ran out while recipients were still due (run again at once).</summary>
public sealed record DispatchSummary(int CampaignsSeen, int CallsPlaced, int Skipped, int Throttled, bool MoreDue = false);

/// <summary>The do-not-call list: numbers no campaign dials (checked at dial time, so an addition counts at once).</summary>
public sealed partial class SuppressionService(ISuppressionStore suppressions, TimeProvider timeProvider, ILogger<SuppressionService> logger)
{
    /// <summary>The most numbers one bulk add takes, and one list returns.</summary>
    public const int MaxBatch = 1000;

    /// <exception cref="ArgumentException">The number is not E.164 (the API checks it first).</exception>
    public async Task<Suppression> AddAsync(string phone, string? reason, CancellationToken cancellationToken)
    {
        var suppression = New(phone, reason);
        await suppressions.AddAsync(suppression, cancellationToken).ConfigureAwait(false);
        LogAdded(logger, new MaskedPhoneNumber(suppression.Phone));
        return suppression;
    }

    /// <summary>Adds every number (idempotent); all are checked before any is stored.</summary>
    /// <exception cref="ArgumentException">A number is not E.164, or more than <see cref="MaxBatch"/> numbers.</exception>
    public async Task<int> AddManyAsync(IReadOnlyList<(string Phone, string? Reason)> numbers, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(numbers);
        if (numbers.Count > MaxBatch)
        {
            throw new ArgumentException($"At most {MaxBatch} numbers at once.", nameof(numbers));
        }

        var all = numbers.Select(n => New(n.Phone, n.Reason)).DistinctBy(s => s.Phone, StringComparer.Ordinal).ToList();
        await Parallel.ForEachAsync(
            all,
            new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = cancellationToken },
            async (suppression, token) => await suppressions.AddAsync(suppression, token).ConfigureAwait(false)).ConfigureAwait(false);
        LogAddedMany(logger, all.Count);
        return all.Count;
    }

    public async Task<bool> RemoveAsync(string phone, CancellationToken cancellationToken)
    {
        var number = Normalize(phone);
        var removed = E164.IsValid(number) && await suppressions.RemoveAsync(number, cancellationToken).ConfigureAwait(false);
        LogRemoved(logger, new MaskedPhoneNumber(number), removed);
        return removed;
    }

    public Task<Suppression?> GetAsync(string phone, CancellationToken cancellationToken)
    {
        var number = Normalize(phone);
        return E164.IsValid(number) ? suppressions.GetAsync(number, cancellationToken) : Task.FromResult<Suppression?>(null);
    }

    public Task<IReadOnlyList<Suppression>> ListAsync(int max, CancellationToken cancellationToken) =>
        suppressions.ListAsync(Math.Clamp(max, 1, MaxBatch), cancellationToken);

    private Suppression New(string phone, string? reason)
    {
        var number = Normalize(phone);
        if (!E164.IsValid(number))
        {
            throw new ArgumentException("The number must be E.164: +, country code and number, digits only.", nameof(phone));
        }

        return new Suppression
        {
            Phone = number,
            Reason = string.IsNullOrWhiteSpace(reason) ? null : reason.Trim()[..Math.Min(reason.Trim().Length, 500)],
            AddedAt = timeProvider.GetUtcNow(),
        };
    }

    private static string Normalize(string phone) => (phone ?? string.Empty).Trim();

    [LoggerMessage(Level = LogLevel.Information, Message = "Suppressed {Recipient}")]
    private static partial void LogAdded(ILogger logger, MaskedPhoneNumber recipient);

    [LoggerMessage(Level = LogLevel.Information, Message = "Suppressed {Count} numbers")]
    private static partial void LogAddedMany(ILogger logger, int count);

    [LoggerMessage(Level = LogLevel.Information, Message = "Unsuppress {Recipient}: removed {Removed}")]
    private static partial void LogRemoved(ILogger logger, MaskedPhoneNumber recipient, bool removed);
}
