namespace SynthflowConnector.Sandbox;

/// <summary>
/// How a sandbox call ends, chosen by the <b>last digit of the recipient number</b>, so a flow author can try every
/// branch by changing one digit:
/// <list type="table">
/// <listheader><term>Last digit</term><description>Final status, end_call_reason (what the call carries)</description></listheader>
/// <item><term>0, 9</term><description><c>completed</c>, <c>agent_ended_call</c>: interested, demo booked; positive analysis, collected variables, recording.</description></item>
/// <item><term>1</term><description><c>completed</c>, <c>human_ended_call</c>: neutral, "wants to think about it"; partial analysis.</description></item>
/// <item><term>2</term><description><c>completed</c>, <c>custom_end_call</c> with <c>custom_end_call_reason</c> <c>callback_requested</c>.</description></item>
/// <item><term>3</term><description><c>completed</c>, <c>human_ended_call</c>: the lead opts out (<c>opted_in</c>/<c>no_opt_out</c> false, negative sentiment).</description></item>
/// <item><term>4</term><description><c>no-answer</c>, <c>timeout</c>: duration 0, no transcript, no recording.</description></item>
/// <item><term>5</term><description><c>busy</c>, no end_call_reason: duration 0.</description></item>
/// <item><term>6</term><description><c>failed</c>, <c>error</c>, with an <c>error_message</c>: duration 0.</description></item>
/// <item><term>7</term><description><c>left_voicemail</c>, <c>voicemail_message_left</c>: voicemail transcript and recording.</description></item>
/// <item><term>8</term><description><c>hangup_on_voicemail</c>, <c>voicemail</c>: the agent hung up on a voicemail greeting.</description></item>
/// </list>
/// Connected outcomes (completed, left_voicemail, hangup_on_voicemail) last <see cref="SynthflowSandbox.CallDuration"/>
/// rounded to whole seconds (at least 1); the others have duration 0. Calls moved by hand with
/// <see cref="SynthflowSandbox.SetCallStatus"/> take the content of their status's representative digit.
/// </summary>
public static class SandboxOutcomes
{
    private const string Yes = "true";
    private const string No = "false";
    private const string Partial = "partial";
    private const string NotApplicable = "not_applicable";

    private static readonly string[] Fields =
        ["call_completion", "answered_by_human", "opted_in", "no_opt_out", "user_sentiment", "call_summary", "goal", "appointment"];

    private static readonly SandboxOutcome[] ByDigit = Table();

    /// <summary>The digit whose outcome stands for each final status, for calls moved by hand.</summary>
    private static readonly Dictionary<string, int> RepresentativeDigit = new(StringComparer.Ordinal)
    {
        ["completed"] = 0, ["no-answer"] = 4, ["busy"] = 5, ["failed"] = 6, ["left_voicemail"] = 7, ["hangup_on_voicemail"] = 8,
    };

    /// <summary>The analysis fields, in the order every outcome lists them.</summary>
    public static IReadOnlyList<string> AnalysisFields => Fields;

    private static SandboxOutcome[] Table()
    {
        var booked = Completed("agent_ended_call", null, "Hello {name}, this is Ava from the Synthflow sandbox. Do you have a minute?|Sure, go ahead.|Would Thursday at 15:00 suit you for a demo?|Thursday works, book it.|Done. Thank you, goodbye!|Bye.", [(Yes, "The agent finished its script."), (Yes, "A person answered and spoke."), (Yes, "The lead agreed to be contacted."), (Yes, "The lead did not ask to be removed."), (Yes, "The lead sounded positive."), (Yes, "The lead is interested and booked a demo for Thursday 15:00."), (Yes, "Demo booked."), (Yes, "Appointment on Thursday at 15:00.")], [("interested", "yes"), ("preferred_day", "Thursday"), ("appointment_time", "15:00")]);
        return
        [
            booked,
            Completed("human_ended_call", null, "Hello {name}, this is Ava from the Synthflow sandbox. Do you have a minute?|I'm busy, what is it about?|A short demo of our product.|I need to think about it. Bye.", [(Partial, "The lead hung up before the end of the script."), (Yes, "A person answered and spoke."), (NotApplicable, "Consent was not discussed."), (Yes, "The lead did not ask to be removed."), (Partial, "The lead sounded neutral."), (Yes, "The lead wants to think about it and ended the call."), (No, "No demo booked."), (No, "No appointment.")], [("interested", "maybe")]),
            Completed("custom_end_call", "callback_requested", "Hello {name}, this is Ava from the Synthflow sandbox. Do you have a minute?|Not now, call me back tomorrow at 10.|Of course, I will call you tomorrow at 10:00. Goodbye!", [(Yes, "The custom end-call condition fired."), (Yes, "A person answered and spoke."), (Yes, "The lead agreed to be called back."), (Yes, "The lead did not ask to be removed."), (Partial, "The lead sounded neutral."), (Yes, "The lead asked for a callback tomorrow at 10:00."), (Partial, "A callback was scheduled instead of a demo."), (No, "No appointment.")], [("callback_time", "tomorrow 10:00")]),
            Completed("human_ended_call", null, "Hello {name}, this is Ava from the Synthflow sandbox. Do you have a minute?|No. Take me off your list and do not call again.|Understood, you will not be called again. Goodbye.", [(Yes, "The agent handled the request."), (Yes, "A person answered and spoke."), (No, "The lead refused further contact."), (No, "The lead asked not to be called again."), (No, "The lead sounded annoyed."), (Yes, "The lead opted out of further calls."), (No, "No demo booked."), (No, "No appointment.")], [("opt_out", "yes")]),
            NotConnected("no-answer", "timeout", null, "Nobody answered."),
            NotConnected("busy", null, null, "The line was busy."),
            NotConnected("failed", "error", "The carrier rejected the call (Synthflow sandbox).", "The call could not be placed."),
            Voicemail("left_voicemail", "voicemail_message_left", "Hi {name}, this is Ava from the Synthflow sandbox. Sorry I missed you, please call us back. Goodbye!", "A message was left on voicemail."),
            Voicemail("hangup_on_voicemail", "voicemail", null, "The agent hung up on a voicemail greeting."),
            booked,
        ];
    }

    /// <summary>The outcome of a call to <paramref name="phoneNumber"/>: by its last digit (a number without one ends like digit 0).</summary>
    public static SandboxOutcome For(string phoneNumber)
    {
        ArgumentNullException.ThrowIfNull(phoneNumber);
        var last = phoneNumber.Length == 0 ? '0' : phoneNumber[^1];
        return ByDigit[char.IsAsciiDigit(last) ? last - '0' : 0];
    }

    /// <summary>
    /// The outcome a call set to <paramref name="status"/> by hand ends with: the planned one when it has that status,
    /// else the representative one, else (canceled, spam…) a call that never connected.
    /// </summary>
    internal static SandboxOutcome ForStatus(string status, SandboxOutcome planned) =>
        planned.Status == status ? planned
        : RepresentativeDigit.TryGetValue(status, out var digit) ? ByDigit[digit]
        : NotConnected(status, null, null, "The call ended without a conversation.");

    private static SandboxOutcome Completed(string reason, string? custom, string script, (string? Value, string Feedback)[] analysis, (string, string)[] collected) => new()
    {
        Status = "completed",
        EndCallReason = reason,
        CustomEndCallReason = custom,
        Connected = true,
        Recorded = true,
        TranscriptTemplate = Dialogue(script),
        Analysis = [.. Fields.Zip(analysis, (name, field) => new SandboxAnalysisField(name, field.Value, field.Feedback))],
        CollectedVariables = collected.ToDictionary(pair => pair.Item1, pair => pair.Item2, StringComparer.Ordinal),
    };

    private static SandboxOutcome NotConnected(string status, string? reason, string? error, string summary) => new()
    {
        Status = status,
        EndCallReason = reason,
        ErrorMessage = error,
        Analysis =
        [
            new("call_completion", No, summary),
            new("answered_by_human", No, "Nobody picked up."),
            .. Fields.Skip(2).Select(name => new SandboxAnalysisField(name, name == "call_summary" ? null : NotApplicable, name == "call_summary" ? summary : "No conversation took place.")),
        ],
    };

    private static SandboxOutcome Voicemail(string status, string reason, string? message, string summary) => new()
    {
        Status = status,
        EndCallReason = reason,
        Connected = true,
        Recorded = message is not null,
        TranscriptTemplate = message is null ? string.Empty : "\nbot: " + message,
        Analysis =
        [
            new("call_completion", message is null ? No : Partial, summary),
            new("answered_by_human", No, "A voicemail greeting answered."),
            .. Fields.Skip(2).Select(name => new SandboxAnalysisField(name, name == "call_summary" ? Yes : NotApplicable, name == "call_summary" ? summary : "No conversation took place.")),
        ],
    };

    /// <summary>Alternating bot/human lines, written as Synthflow writes transcripts (<c>"\nbot: …\nhuman: …"</c>).</summary>
    private static string Dialogue(string script) =>
        string.Concat(script.Split('|').Select((line, i) => (i % 2 == 0 ? "\nbot: " : "\nhuman: ") + line));
}

/// <summary>One row of <see cref="SandboxOutcomes"/>: what a call ends with.</summary>
public sealed record SandboxOutcome
{
    /// <summary>The final status (get-phone-call's enum).</summary>
    public required string Status { get; init; }

    /// <summary>One of get-phone-call's end-call reasons, or null (busy).</summary>
    public string? EndCallReason { get; init; }

    /// <summary>Set when <see cref="EndCallReason"/> is <c>custom_end_call</c>.</summary>
    public string? CustomEndCallReason { get; init; }

    /// <summary>The webhook's <c>error_message</c> (failed calls only).</summary>
    public string? ErrorMessage { get; init; }

    /// <summary>Someone or something picked up: the call has a duration.</summary>
    public bool Connected { get; init; }

    /// <summary>The call has a <c>recording_url</c>.</summary>
    public bool Recorded { get; init; }

    /// <summary>The transcript with <c>{name}</c> standing for the recipient's name; empty when nothing was said.</summary>
    public string TranscriptTemplate { get; init; } = string.Empty;

    /// <summary>The post-call analysis, one entry per field of <see cref="SandboxOutcomes.AnalysisFields"/>.</summary>
    public required IReadOnlyList<SandboxAnalysisField> Analysis { get; init; }

    /// <summary>Variables the agent collected (name → value); also the return value of the <c>extract_info_1</c> action.</summary>
    public IReadOnlyDictionary<string, string> CollectedVariables { get; init; } = new Dictionary<string, string>();

    /// <summary>The transcript of a call to <paramref name="name"/>.</summary>
    public string TranscriptFor(string name) => TranscriptTemplate.Replace("{name}", name, StringComparison.Ordinal);
}

/// <summary>
/// One analysis judgment: <paramref name="Value"/> is <c>"true"</c>, <c>"false"</c>, <c>"partial"</c>,
/// <c>"not_applicable"</c> or null (written as JSON <c>true</c>/<c>false</c>, a string, or <c>null</c>), and
/// <paramref name="Feedback"/> goes out as <c>{name}_feedback</c>.
/// </summary>
public sealed record SandboxAnalysisField(string Name, string? Value, string Feedback);
