using System.Security.Cryptography;
using System.Text;
using SynthflowConnector.Synthflow;

namespace SynthflowConnector.Calls;

/// <summary>A validated make-a-call request.</summary>
public sealed record MakeCallCommand
{
    public required string ModelId { get; init; }
    public required string Phone { get; init; }
    public required string Name { get; init; }
    public string? FromPhoneNumber { get; init; }
    public CallerIdStrategy? CallerIdStrategy { get; init; }
    public IReadOnlyList<CustomVariable>? CustomVariables { get; init; }
    public string? LeadEmail { get; init; }
    public string? LeadTimezone { get; init; }
    public string? Prompt { get; init; }
    public string? Greeting { get; init; }

    /// <summary>The request's own webhook URL: Synthflow still posts to the connector's receiver, which forwards the webhook here.</summary>
    public Uri? ForwardWebhookUrl { get; init; }

    /// <summary>A digest of everything asked, so a key reused for a different call is recognised.</summary>
    public string Hash()
    {
        var canonical = new StringBuilder()
            .Append(ModelId).Append('\u001f').Append(Phone).Append('\u001f').Append(Name).Append('\u001f')
            .Append(FromPhoneNumber).Append('\u001f').Append(CallerIdStrategy?.ToName()).Append('\u001f')
            .Append(LeadEmail).Append('\u001f').Append(LeadTimezone).Append('\u001f')
            .Append(Prompt).Append('\u001f').Append(Greeting).Append('\u001f');
        foreach (var variable in (CustomVariables ?? []).OrderBy(v => v.Key, StringComparer.Ordinal))
        {
            canonical.Append(variable.Key).Append('\u001e').Append(variable.Value).Append('\u001f');
        }

        if (ForwardWebhookUrl is not null)
        {
            // Only when set, so the digests of requests without one stay what they were before the field existed.
            canonical.Append('\u001d').Append(ForwardWebhookUrl.AbsoluteUri);
        }

        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(canonical.ToString())));
    }
}
