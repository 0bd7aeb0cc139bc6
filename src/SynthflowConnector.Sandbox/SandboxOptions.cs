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

    /// <summary>Seed of the random generator behind <see cref="SandboxFaults.RandomFailureRate"/>, for repeatable runs.</summary>
    public int? RandomSeed { get; init; }
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
