namespace SynthflowConnector.Sandbox;

/// <summary>
/// The demo workspace a <see cref="SynthflowSandbox"/> starts with (unless <see cref="SandboxOptions.Seed"/> is
/// false). Ids are fixed so tests, benchmarks and demos can name them. Every number is fictional: US numbers use the
/// 555-01xx range, the UK one Ofcom's drama range (020 7946 0xxx), the German one an unassigned-looking 555 block.
/// </summary>
public static class SandboxSeed
{
    public const string SalesEastModelId = "6a1f3c52-0e4b-4d8a-9c11-5a0e7b2d0001";
    public const string SalesWestModelId = "6a1f3c52-0e4b-4d8a-9c11-5a0e7b2d0002";
    public const string CollectionsModelId = "6a1f3c52-0e4b-4d8a-9c11-5a0e7b2d0003";
    public const string AppointmentRemindersModelId = "6a1f3c52-0e4b-4d8a-9c11-5a0e7b2d0004";
    public const string FrontDeskModelId = "6a1f3c52-0e4b-4d8a-9c11-5a0e7b2d0005";

    public const string SalesEastName = "Sales East";
    public const string SalesWestName = "Sales West";
    public const string CollectionsName = "Collections";
    public const string AppointmentRemindersName = "Appointment Reminders";
    public const string FrontDeskName = "Front Desk";

    /// <summary>Attached to Sales East.</summary>
    public const string NewYork1 = "+12125550101";

    /// <summary>Attached to Sales East.</summary>
    public const string NewYork2 = "+12125550102";

    /// <summary>Attached to Sales East.</summary>
    public const string NewYork3 = "+16465550103";

    /// <summary>Attached to Sales West.</summary>
    public const string SanFrancisco1 = "+14155550104";

    /// <summary>Front Desk's inbound number, so not available (<c>is_available</c> false).</summary>
    public const string SanFrancisco2 = "+14155550105";

    /// <summary>Attached to Sales West.</summary>
    public const string SanFrancisco3 = "+16285550106";

    /// <summary>Unattached.</summary>
    public const string LosAngeles1 = "+12135550107";

    /// <summary>Attached to Collections.</summary>
    public const string Chicago1 = "+13125550108";

    /// <summary>Unattached.</summary>
    public const string Chicago2 = "+13125550109";

    /// <summary>Unattached.</summary>
    public const string Austin1 = "+15125550110";

    /// <summary>Unattached.</summary>
    public const string Miami1 = "+13055550111";

    /// <summary>A bring-your-own (custom SIP) number: no SID. Attached to Collections.</summary>
    public const string MiamiByo = "+13055550112";

    /// <summary>Unattached.</summary>
    public const string London1 = "+442079460123";

    /// <summary>Unattached.</summary>
    public const string Berlin1 = "+49305550123";

    /// <summary>Every seeded number with its SID (null for the BYO number), in seeding order.</summary>
    public static IReadOnlyList<(string Number, string? Sid)> Numbers { get; } =
    [
        (NewYork1, "PNd07578de05941bac37d7dd34bd2dfcc4"),
        (NewYork2, "PN5588a1f00ee07a5ec8df0e19aa6f51a1"),
        (NewYork3, "PNccf4616a25c7e05c1e9c1b42aa7e5aa2"),
        (SanFrancisco1, "PN1c29ccd085f07f7fbeb8b09b5c3ebcb4"),
        (SanFrancisco2, "PN1ae48134c5d0fbad7d9317508d0e4443"),
        (SanFrancisco3, "PN1f6d8f576e5026e2f369a764f307e2f7"),
        (LosAngeles1, "PN831689199fac091016dd32a77ea86e35"),
        (Chicago1, "PNff56b050ca99ffb5ae86bd3977d859f0"),
        (Chicago2, "PN3495b765bca2ce0c058d1dd75540a414"),
        (Austin1, "PN8debf5e380639a9bb9665da6c2368c63"),
        (Miami1, "PN6d9a5567ac522ac3abb5e02053711859"),
        (MiamiByo, null),
        (London1, "PN13745d12e37fafef7863b39f53fe5e43"),
        (Berlin1, "PNc0b466746b691ce4fe82dcd6f96dd2d5"),
    ];

    internal static void Apply(SynthflowSandbox sandbox)
    {
        foreach (var (number, sid) in Numbers)
        {
            sandbox.AddNumber(number, sid);
        }

        sandbox.AddAgent(SalesEastModelId, SalesEastName, AssistantTypes.Outbound, [NewYork1, NewYork2, NewYork3]);
        sandbox.AddAgent(SalesWestModelId, SalesWestName, AssistantTypes.Outbound, [SanFrancisco1, SanFrancisco3]);
        sandbox.AddAgent(CollectionsModelId, CollectionsName, AssistantTypes.Outbound, [Chicago1, MiamiByo]);

        // An outbound agent with an empty pool: placing a call without from_phone_number has nothing to use.
        sandbox.AddAgent(AppointmentRemindersModelId, AppointmentRemindersName, AssistantTypes.Outbound);
        sandbox.AddAgent(FrontDeskModelId, FrontDeskName, AssistantTypes.Inbound, phoneNumber: SanFrancisco2);
    }

    /// <summary>Where a number is, for <c>GET /numbers/{slug}</c>: ISO country, locality, region.</summary>
    internal static (string? IsoCountry, string? Locality, string? Region) Locate(string number) => number switch
    {
        _ when number.StartsWith("+1212", StringComparison.Ordinal) || number.StartsWith("+1646", StringComparison.Ordinal) => ("US", "New York", "NY"),
        _ when number.StartsWith("+1415", StringComparison.Ordinal) || number.StartsWith("+1628", StringComparison.Ordinal) => ("US", "San Francisco", "CA"),
        _ when number.StartsWith("+1213", StringComparison.Ordinal) => ("US", "Los Angeles", "CA"),
        _ when number.StartsWith("+1312", StringComparison.Ordinal) => ("US", "Chicago", "IL"),
        _ when number.StartsWith("+1512", StringComparison.Ordinal) => ("US", "Austin", "TX"),
        _ when number.StartsWith("+1305", StringComparison.Ordinal) => ("US", "Miami", "FL"),
        _ when number.StartsWith("+4420", StringComparison.Ordinal) => ("GB", "London", "England"),
        _ when number.StartsWith("+4930", StringComparison.Ordinal) => ("DE", "Berlin", "Berlin"),
        _ when number.StartsWith("+1", StringComparison.Ordinal) => ("US", null, null),
        _ when number.StartsWith("+44", StringComparison.Ordinal) => ("GB", null, null),
        _ when number.StartsWith("+49", StringComparison.Ordinal) => ("DE", null, null),
        _ => (null, null, null),
    };
}
