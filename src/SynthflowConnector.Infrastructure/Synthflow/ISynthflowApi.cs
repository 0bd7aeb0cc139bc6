using Refit;

namespace SynthflowConnector.Synthflow;

/// <summary>
/// The raw Synthflow Platform API v2 endpoints the client uses, as Refit declares them; Refit's source generator
/// writes the implementation at build time. Wrapped by <see cref="SynthflowClient"/>, which unwraps envelopes, pages
/// and maps errors. Routes are relative to <see cref="SynthflowEndpointHandler.Placeholder"/>, which the endpoint
/// handler swaps for the real base address.
/// </summary>
[Headers("Accept: application/json")]
internal interface ISynthflowApi
{
    [Get("/assistants/{model_id}")]
    Task<IApiResponse<Envelope<AssistantsPage>>> GetAssistantAsync([AliasAs("model_id")] string modelId, CancellationToken cancellationToken);

    [Get("/assistants/")]
    Task<IApiResponse<Envelope<AssistantsPage>>> ListAssistantsAsync(int limit, int offset, CancellationToken cancellationToken);

    [Put("/assistants/{model_id}/phone_numbers")]
    Task<IApiResponse<StatusEnvelope>> AttachByNumbersAsync([AliasAs("model_id")] string modelId, [Body] AttachByNumbersBody body, CancellationToken cancellationToken);

    [Put("/assistants/{model_id}/phone_numbers")]
    Task<IApiResponse<StatusEnvelope>> AttachBySlugsAsync([AliasAs("model_id")] string modelId, [Body] AttachBySlugsBody body, CancellationToken cancellationToken);

    [Delete("/assistants/{model_id}/phone_numbers/{slug}")]
    Task<IApiResponse<StatusEnvelope>> DetachPhoneNumberAsync([AliasAs("model_id")] string modelId, string slug, CancellationToken cancellationToken);

    /// <param name="isAvailable">"true", "false" or null (no filter): a string so the value goes out lower-case.</param>
    [Get("/numbers")]
    Task<IApiResponse<Envelope<NumbersPage>>> ListNumbersAsync(
        string workspace,
        int limit,
        int offset,
        [AliasAs("is_available")] string? isAvailable,
        CancellationToken cancellationToken);

    [Post("/calls")]
    Task<IApiResponse<CallCreatedEnvelope>> PlaceCallAsync([Body] PlaceCallRequest request, CancellationToken cancellationToken);

    [Get("/calls/{call_id}")]
    Task<IApiResponse<Envelope<CallsPage>>> GetCallAsync([AliasAs("call_id")] string callId, CancellationToken cancellationToken);

    /// <param name="fromDate">UNIX milliseconds; null sends no filter.</param>
    /// <param name="toDate">UNIX milliseconds; null sends no filter.</param>
    [Get("/calls")]
    Task<IApiResponse<Envelope<CallsPage>>> ListCallsAsync(
        [AliasAs("model_id")] string modelId,
        [AliasAs("lead_phone_number")] string? leadPhoneNumber,
        [AliasAs("from_date")] long? fromDate,
        [AliasAs("to_date")] long? toDate,
        int limit,
        int offset,
        CancellationToken cancellationToken);
}
