namespace SynthflowConnector.Sandbox;

/// <summary>How a <see cref="SynthflowSandbox"/> starts.</summary>
public sealed record SandboxOptions
{
    /// <summary>The key clients must send as <c>Authorization: Bearer …</c>; null picks a random one.</summary>
    public string? ApiKey { get; init; }

    /// <summary>The workspace id <c>GET /numbers</c> and <c>GET /numbers/{slug}</c> expect.</summary>
    public string Workspace { get; init; } = "demo-workspace";

    /// <summary>Seed the demo workspace (<see cref="SandboxSeed"/>); false starts empty.</summary>
    public bool Seed { get; init; } = true;

    /// <summary>Seed of the random generators behind <see cref="SandboxFaults.RandomFailureRate"/> and <see cref="SandboxWebhooks.DropRate"/>, for repeatable runs.</summary>
    public int? RandomSeed { get; init; }

    /// <summary>
    /// How long a placed call lives, from <c>pending</c> to its final status (<see cref="SynthflowSandbox.CallDuration"/>,
    /// setting <c>Sandbox__CallDuration</c>). It turns <c>in-progress</c> half-way. Must be positive.
    /// </summary>
    public TimeSpan CallDuration { get; init; } = SynthflowSandbox.DefaultCallDuration;

    /// <summary>CAPS: new calls accepted per rolling second (<c>Sandbox__CallsPerSecond</c>); null (the default) is no limit.</summary>
    public int? CallsPerSecond { get; init; }

    /// <summary>Calls pending or in progress at once (<c>Sandbox__MaxConcurrentCalls</c>); null (the default) is no limit.</summary>
    public int? MaxConcurrentCalls { get; init; }

    /// <summary>The workspace's webhook secret: post-call webhooks carry <c>Synthflow-Signature</c> when set, none when null.</summary>
    public string? WebhookSecret { get; init; }

    /// <summary>Wait on the sandbox's clock between a call's end and its webhook (<c>Sandbox__WebhookDelay</c>).</summary>
    public TimeSpan WebhookDelay { get; init; }

    /// <summary>Drop every post-call webhook (<c>Sandbox__DropWebhooks</c>), so only polling learns how calls ended.</summary>
    public bool DropWebhooks { get; init; }

    /// <summary>Share of post-call webhooks dropped at random, 0 to 1 (<c>Sandbox__WebhookDropRate</c>).</summary>
    public double WebhookDropRate { get; init; }

    /// <summary>Send every post-call webhook twice (<c>Sandbox__DuplicateWebhooks</c>).</summary>
    public bool DuplicateWebhooks { get; init; }
}

/// <summary>
/// What <c>PUT /assistants/{model_id}/phone_numbers</c> does with the agent's pool. Synthflow does not document it,
/// so the sandbox can play both readings and code that must converge is tested against each.
/// </summary>
public enum AttachSemantics
{
    /// <summary>The given numbers join the pool (union). The default: the endpoint is called "attach".</summary>
    Add,

    /// <summary>The pool becomes exactly the given numbers (HTTP PUT's usual meaning).</summary>
    Replace,
}

/// <summary>One request as the sandbox saw it.</summary>
/// <param name="At">Arrival time, from the sandbox's <see cref="TimeProvider"/>.</param>
/// <param name="Method">HTTP method.</param>
/// <param name="Path">Path including the prefix, e.g. <c>/v2/calls</c>.</param>
/// <param name="QueryString">The raw query string as sent (with its leading <c>?</c>, or empty).</param>
/// <param name="Body">The request body, or null when empty.</param>
/// <param name="StatusCode">
/// The status the sandbox produced; 0 when it produced none (connection dropped before processing, request held by
/// <see cref="SandboxFaults.TimeoutNext"/>, or the client gave up during the latency). With
/// <see cref="SandboxFaultNames.DropAfterProcessing"/> it is the status of the work that was done but never delivered.
/// </param>
/// <param name="Fault">The injected fault (a <see cref="SandboxFaultNames"/> value), or null.</param>
public sealed record SandboxRequest(DateTimeOffset At, string Method, string Path, string QueryString, string? Body, int StatusCode, string? Fault);

/// <summary>The values of <see cref="SandboxRequest.Fault"/>.</summary>
public static class SandboxFaultNames
{
    public const string DropConnection = "drop-connection";
    public const string Timeout = "timeout";
    public const string Fail = "fail";
    public const string RandomFailure = "random-failure";
    public const string DropAfterProcessing = "drop-after-processing";
}

/// <summary>One post-call webhook as the sandbox handled it.</summary>
/// <param name="CallId">The call it reports.</param>
/// <param name="Url">The call's <c>external_webhook_url</c>.</param>
/// <param name="At">When it was sent (or dropped), on the sandbox's clock.</param>
/// <param name="StatusCode">The receiver's status; null when dropped or when no answer came.</param>
/// <param name="Error">Why no answer came (an <see cref="HttpRequestError"/> name or <c>Timeout</c>); null otherwise.</param>
/// <param name="IsDuplicate">The second copy of a duplicated webhook.</param>
/// <param name="Dropped">Dropped by a knob: never sent.</param>
public sealed record SandboxWebhookAttempt(string CallId, string Url, DateTimeOffset At, int? StatusCode, string? Error, bool IsDuplicate, bool Dropped);
