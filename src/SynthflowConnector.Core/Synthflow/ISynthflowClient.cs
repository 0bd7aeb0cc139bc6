namespace SynthflowConnector.Synthflow;

/// <summary>
/// The Synthflow Platform API v2 operations this product uses. Failures surface as
/// <see cref="SynthflowApiException"/> (an error answer) or <see cref="SynthflowTransportException"/> (no answer).
/// </summary>
public interface ISynthflowClient
{
    /// <summary><c>GET /assistants/{model_id}</c>: one agent with its attached numbers.</summary>
    Task<SynthflowAgent> GetAgentAsync(string modelId, CancellationToken cancellationToken = default);

    /// <summary><c>GET /assistants/</c>, paged lazily. List items carry no attached numbers.</summary>
    IAsyncEnumerable<SynthflowAgent> ListAgentsAsync(CancellationToken cancellationToken = default);

    /// <summary><c>PUT /assistants/{model_id}/phone_numbers</c>. Whether Synthflow adds or replaces is undocumented.</summary>
    Task AttachPhoneNumbersAsync(string modelId, AttachPhoneNumbers numbers, CancellationToken cancellationToken = default);

    /// <summary><c>DELETE /assistants/{model_id}/phone_numbers/{slug}</c>.</summary>
    Task DetachPhoneNumberAsync(string modelId, string slug, CancellationToken cancellationToken = default);

    /// <summary><c>GET /numbers</c> of the configured workspace, paged lazily.</summary>
    IAsyncEnumerable<WorkspacePhoneNumber> ListPhoneNumbersAsync(bool? isAvailable = null, CancellationToken cancellationToken = default);

    /// <summary><c>POST /calls</c>. Never retried: a lost answer means the call may exist (see <see cref="SynthflowTransportException"/>).</summary>
    Task<CallPlaced> PlaceCallAsync(PlaceCallRequest request, CancellationToken cancellationToken = default);

    /// <summary><c>GET /calls/{call_id}</c>.</summary>
    Task<SynthflowCall> GetCallAsync(string callId, CancellationToken cancellationToken = default);

    /// <summary><c>GET /calls</c> of one agent, filtered by lead and time window, paged lazily.</summary>
    IAsyncEnumerable<SynthflowCall> ListCallsAsync(CallSearch search, CancellationToken cancellationToken = default);
}
