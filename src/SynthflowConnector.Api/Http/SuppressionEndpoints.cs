using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using SynthflowConnector.Campaigns;

namespace SynthflowConnector.Http;

/// <summary>
/// The suppression (do-not-call) list: a number on it is never dialled by a campaign, also when it was added after the
/// campaign started. The number in the path is forgiving (<see cref="CampaignRequests.PathPhone"/>).
/// </summary>
public sealed class SuppressionEndpoints(SuppressionService suppressions, ILogger<SuppressionEndpoints> logger)
{
    /// <summary>The most numbers the list answers; <c>truncated</c> says when there are more.</summary>
    public const int MaxListed = 1000;

    /// <summary>The most numbers one call of the service adds.</summary>
    private const int ServiceBatch = 1000;

    /// <summary><c>PUT /api/suppressions/{phone}</c>, body <c>{reason?}</c> (or none): adds or replaces. Idempotent.</summary>
    public async Task<IResult> SuppressNumberAsync(HttpRequest request, string phone, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var errors = new FieldErrors();
        var number = CampaignRequests.PathPhone(errors, phone);
        if (errors.Any)
        {
            return errors.ToProblem();
        }

        string? reason = null;
        if (HasBody(request))
        {
            var (body, problem) = await ConnectorValidation.ReadJsonAsync(request, CampaignApiJson.Context.SuppressNumberRequest, cancellationToken).ConfigureAwait(false);
            if (problem is not null)
            {
                return problem;
            }

            reason = CampaignRequests.Reason(errors, body!.Reason);
            if (errors.Any)
            {
                return errors.ToProblem();
            }
        }

        return await RunAsync(async () => TypedResults.Json(
            CampaignViews.Suppressed(await suppressions.AddAsync(number!, reason, cancellationToken).ConfigureAwait(false)),
            CampaignApiJson.Context.SuppressedNumber)).ConfigureAwait(false);
    }

    /// <summary><c>DELETE /api/suppressions/{phone}</c>: 200 with <c>deleted: false</c> when the number was not on the list.</summary>
    public Task<IResult> RemoveSuppressionAsync(HttpRequest request, string phone, CancellationToken cancellationToken)
    {
        var errors = new FieldErrors();
        var number = CampaignRequests.PathPhone(errors, phone);
        if (errors.Any)
        {
            return Task.FromResult<IResult>(errors.ToProblem());
        }

        return RunAsync(async () => TypedResults.Json(
            new SuppressionRemoved(number!, await suppressions.RemoveAsync(number!, cancellationToken).ConfigureAwait(false)),
            CampaignApiJson.Context.SuppressionRemoved));
    }

    /// <summary><c>GET /api/suppressions/{phone}</c>: 404 when the number is not on the list.</summary>
    public Task<IResult> GetSuppressionAsync(HttpRequest request, string phone, CancellationToken cancellationToken)
    {
        var errors = new FieldErrors();
        var number = CampaignRequests.PathPhone(errors, phone);
        if (errors.Any)
        {
            return Task.FromResult<IResult>(errors.ToProblem());
        }

        return RunAsync(async () => await suppressions.GetAsync(number!, cancellationToken).ConfigureAwait(false) is { } found
            ? TypedResults.Json(CampaignViews.Suppressed(found), CampaignApiJson.Context.SuppressedNumber)
            : Problems.Create(StatusCodes.Status404NotFound, "not-found", "The number is not suppressed.", "The number is not on the suppression list."));
    }

    public Task<IResult> ListSuppressionsAsync(HttpRequest request, CancellationToken cancellationToken) =>
        RunAsync(async () =>
        {
            var found = await suppressions.ListAsync(MaxListed, cancellationToken).ConfigureAwait(false);
            return TypedResults.Json(
                new SuppressedNumberList([.. found.Select(CampaignViews.Suppressed)], found.Count >= MaxListed),
                CampaignApiJson.Context.SuppressedNumberList);
        });

    /// <summary><c>POST /api/suppressions</c> <c>{numbers: [{phone, reason?}]}</c>, 1 to 10,000; one bad number refuses the whole request.</summary>
    public async Task<IResult> SuppressNumbersAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var (body, problem) = await ConnectorValidation.ReadJsonAsync(request, CampaignApiJson.Context.SuppressNumbersRequest, cancellationToken, CampaignRequests.MaxBulkSuppressBodyBytes).ConfigureAwait(false);
        if (problem is not null)
        {
            return problem;
        }

        var errors = new FieldErrors();
        var numbers = CampaignRequests.Suppressions(body!, errors);
        if (errors.Any)
        {
            return errors.ToProblem();
        }

        return await RunAsync(async () =>
        {
            // The service takes a bounded batch; a retry after a failure part-way is safe (adding is idempotent).
            var added = 0;
            foreach (var chunk in numbers!.Chunk(ServiceBatch))
            {
                added += await suppressions.AddManyAsync(chunk, cancellationToken).ConfigureAwait(false);
            }

            return TypedResults.Json(new SuppressNumbersResult(added), CampaignApiJson.Context.SuppressNumbersResult);
        }).ConfigureAwait(false);
    }

    /// <summary>The body of the single add is optional: a PUT with none suppresses without a reason.</summary>
    private static bool HasBody(HttpRequest request) =>
        request.ContentLength is > 0 || (request.ContentLength is null && !string.IsNullOrEmpty(request.ContentType));

    private Task<IResult> RunAsync(Func<Task<IResult>> action) => EndpointErrors.RunAsync(action, logger);
}
