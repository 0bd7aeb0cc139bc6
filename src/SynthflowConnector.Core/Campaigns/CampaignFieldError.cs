namespace SynthflowConnector.Campaigns;

/// <summary>
/// A campaign setting or recipient field that was refused: <see cref="Field"/> is the request field's path
/// (<c>callingHours.days[2]</c>, <c>leadTimezone</c>); the caller adds the recipient's row index where there is one.
/// The message may quote the refused value for time zones, times and days, never a phone number.
/// </summary>
public sealed record CampaignFieldError(string Field, string Message);
