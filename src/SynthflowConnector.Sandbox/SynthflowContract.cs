namespace SynthflowConnector.Sandbox;

/// <summary>
/// Rules of Synthflow's contract the sandbox enforces, taken from its docs (docs/synthflow/) and not from the product's
/// client, for the same reason as the wire types: a rule shared with the client cannot catch the client getting it wrong.
/// </summary>
internal static class SynthflowContract
{
    /// <summary>A number's slug is the number without its leading <c>+</c> (outbound-number-pooling.md: <c>"slug": "16286666348"</c>).</summary>
    public static string SlugOf(string number) => number.StartsWith('+') ? number[1..] : number;

    /// <summary>The number a slug names; a slug sent with its <c>+</c> still names that number.</summary>
    public static string NumberOf(string slug) => slug.StartsWith('+') ? slug : "+" + slug;

    /// <summary>The 14 values of get-phone-call's <c>status</c> enum.</summary>
    public static IReadOnlySet<string> CallStatuses { get; } = new HashSet<string>(StringComparer.Ordinal)
    {
        "pending", "ringing", "in-progress", "completed", "no-answer", "busy", "failed", "canceled", "user-canceled",
        "hangup_on_voicemail", "left_voicemail", "spam", "paused", "registered",
    };

    /// <summary>Statuses of a call that has not ended (webhooks.md: everything else is final).</summary>
    public static IReadOnlySet<string> LiveStatuses { get; } = new HashSet<string>(StringComparer.Ordinal)
    {
        "pending", "ringing", "in-progress", "paused", "registered",
    };

    /// <summary>The 10 values of get-phone-call's <c>end_call_reason</c> enum.</summary>
    public static IReadOnlySet<string> EndCallReasons { get; } = new HashSet<string>(StringComparer.Ordinal)
    {
        "human_pick_up_cut_off", "voicemail", "voicemail_cut_off", "voicemail_message_left", "agent_ended_call",
        "human_ended_call", "custom_end_call", "user_canceled", "timeout", "error",
    };
}

/// <summary>The values of an assistant's <c>type</c> (the subset's <c>type</c> enum).</summary>
internal static class AssistantTypes
{
    public const string Outbound = "outbound";
    public const string Inbound = "inbound";
    public const string Widget = "widget";
}
