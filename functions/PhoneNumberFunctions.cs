using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using SynthflowConnector.Http;

namespace SynthflowConnector.Functions;

public sealed class PhoneNumberFunctions(ConnectorEndpoints endpoints)
{
    [Function("ListAgentPhoneNumbers")]
    public Task<IResult> ListAgentPhoneNumbers(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = ConnectorRoutes.AgentPhoneNumbers)] HttpRequest request,
        string modelId,
        CancellationToken cancellationToken)
        => endpoints.ListAgentPhoneNumbersAsync(request, modelId, cancellationToken);

    [Function("AttachPhoneNumbers")]
    public Task<IResult> AttachPhoneNumbers(
        [HttpTrigger(AuthorizationLevel.Function, "put", Route = ConnectorRoutes.AgentPhoneNumbers)] HttpRequest request,
        string modelId,
        CancellationToken cancellationToken)
        => endpoints.AttachPhoneNumbersAsync(request, modelId, cancellationToken);

    [Function("DetachPhoneNumber")]
    public Task<IResult> DetachPhoneNumber(
        [HttpTrigger(AuthorizationLevel.Function, "delete", Route = ConnectorRoutes.AgentPhoneNumber)] HttpRequest request,
        string modelId,
        string slug,
        CancellationToken cancellationToken)
        => endpoints.DetachPhoneNumberAsync(request, modelId, slug, cancellationToken);

    [Function("ListPhoneNumbers")]
    public Task<IResult> ListPhoneNumbers(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = ConnectorRoutes.PhoneNumbers)] HttpRequest request,
        CancellationToken cancellationToken)
        => endpoints.ListPhoneNumbersAsync(request, cancellationToken);
}
