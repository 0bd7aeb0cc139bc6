using System.Globalization;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using SynthflowConnector.Campaigns;

namespace SynthflowConnector.Http;

/// <summary>
/// The campaign actions, host-neutral like <see cref="ConnectorEndpoints"/>: create (honouring <c>Idempotency-Key</c>),
/// list, get, the recipients page by page, and pause, resume and cancel. Bad input is refused before anything is stored.
/// </summary>
public sealed class CampaignEndpoints(CampaignService campaigns, ILogger<CampaignEndpoints> logger)
{
    public const int DefaultPageSize = 100;
    public const int MaxPageSize = 1000;
    private const int MaxContinuationTokenLength = 1024;

    public async Task<IResult> CreateCampaignAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var (body, problem) = await ConnectorValidation.ReadJsonAsync(request, CampaignApiJson.Context.CreateCampaignRequest, cancellationToken, CampaignRequests.MaxCreateBodyBytes).ConfigureAwait(false);
        if (problem is not null)
        {
            return problem;
        }

        var errors = new FieldErrors();
        var key = ConnectorEndpoints.ValidateIdempotencyKey(request.Headers[ConnectorEndpoints.IdempotencyKeyHeader].ToString(), null, errors);
        var command = CampaignRequests.ToCommand(body!, errors);
        if (errors.Any)
        {
            return errors.ToProblem();
        }

        return await RunAsync(async () =>
        {
            var outcome = await campaigns.CreateAsync(command!, key, cancellationToken).ConfigureAwait(false);
            if (outcome.KeyConflict)
            {
                // As Make a call answers a key reused with another body.
                return Problems.Field(
                    ConnectorEndpoints.IdempotencyKeyHeader,
                    "This Idempotency-Key was already used to create a campaign with a different body. Use a new key for a new campaign, or send the same body to get the first answer again.",
                    StatusCodes.Status422UnprocessableEntity);
            }

            if (outcome.Errors is { Count: > 0 } refused)
            {
                var fieldErrors = new FieldErrors();
                foreach (var error in refused)
                {
                    fieldErrors.Add(error.Field, error.Message);
                }

                return fieldErrors.ToProblem();
            }

            var campaign = outcome.Campaign ?? throw new InvalidOperationException("The campaign service created no campaign and named no error.");

            // A replay answers exactly as the first create did (201, the same Location), flagged like Make a call's replay.
            return new HookEndpoints.CreatedResult(
                LocationOf(request, campaign.Id),
                TypedResults.Json(
                    new CampaignCreated
                    {
                        CampaignId = campaign.Id,
                        State = CampaignStateNames.Of(campaign.State),
                        Counts = CampaignViews.Counts(outcome.Counts),
                        IdempotentReplay = outcome.Replayed,
                    },
                    CampaignApiJson.Context.CampaignCreated,
                    statusCode: StatusCodes.Status201Created));
        }).ConfigureAwait(false);
    }

    public Task<IResult> ListCampaignsAsync(HttpRequest request, CancellationToken cancellationToken) =>
        RunAsync(async () =>
        {
            var all = await campaigns.ListAsync(cancellationToken).ConfigureAwait(false);
            return TypedResults.Json(
                new CampaignList([.. all.OrderByDescending(view => view.Campaign.CreatedAt).Select(CampaignViews.Details)]),
                CampaignApiJson.Context.CampaignList);
        });

    public Task<IResult> GetCampaignAsync(HttpRequest request, string campaignId, CancellationToken cancellationToken)
    {
        if (BadId(campaignId) is { } bad)
        {
            return Task.FromResult<IResult>(bad);
        }

        return RunAsync(async () => await campaigns.GetAsync(campaignId, cancellationToken).ConfigureAwait(false) is { } view
            ? TypedResults.Json(CampaignViews.Details(view), CampaignApiJson.Context.CampaignDetails)
            : NotFound(campaignId));
    }

    /// <summary><c>?state=&amp;pageSize=&amp;continuationToken=</c>; the answer's <c>nextLink</c> is the next page's URL.</summary>
    public Task<IResult> ListCampaignRecipientsAsync(HttpRequest request, string campaignId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var errors = new FieldErrors();
        if (!ConnectorValidation.IsSafeIdentifier(campaignId))
        {
            errors.Add("campaignId", CampaignIdMessage);
        }

        var stateText = request.Query["state"].ToString();
        RecipientState? state = null;
        if (stateText.Length > 0)
        {
            if (RecipientStateNames.TryParse(stateText, out var parsed))
            {
                state = parsed;
            }
            else
            {
                errors.Add("state", $"'state' must be one of {string.Join(", ", RecipientStateNames.All)}.");
            }
        }

        var pageSizeText = request.Query["pageSize"].ToString();
        var pageSize = DefaultPageSize;
        if (pageSizeText.Length > 0 && (!int.TryParse(pageSizeText, NumberStyles.None, CultureInfo.InvariantCulture, out pageSize) || pageSize is < 1 or > MaxPageSize))
        {
            errors.Add("pageSize", $"'pageSize' must be a whole number from 1 to {MaxPageSize}.");
        }

        var token = request.Query["continuationToken"].ToString();
        if (token.Length > MaxContinuationTokenLength || token.Any(char.IsControl))
        {
            errors.Add("continuationToken", "'continuationToken' must be the value of an earlier page's nextLink.");
        }

        if (errors.Any)
        {
            return Task.FromResult<IResult>(errors.ToProblem());
        }

        return RunAsync(async () =>
        {
            var page = await campaigns.ListRecipientsAsync(campaignId, state, token.Length > 0 ? token : null, pageSize, cancellationToken).ConfigureAwait(false);
            if (page is null)
            {
                return NotFound(campaignId);
            }

            return TypedResults.Json(
                new CampaignRecipientPage
                {
                    Value = [.. page.Items.Select(CampaignViews.Recipient)],
                    NextLink = page.ContinuationToken is { Length: > 0 } next ? NextLink(request, campaignId, stateText, pageSize, next) : null,
                },
                CampaignApiJson.Context.CampaignRecipientPage);
        });
    }

    public Task<IResult> PauseCampaignAsync(HttpRequest request, string campaignId, CancellationToken cancellationToken) =>
        CommandAsync(campaignId, "pause", campaigns.PauseAsync, cancellationToken);

    public Task<IResult> ResumeCampaignAsync(HttpRequest request, string campaignId, CancellationToken cancellationToken) =>
        CommandAsync(campaignId, "resume", campaigns.ResumeAsync, cancellationToken);

    public Task<IResult> CancelCampaignAsync(HttpRequest request, string campaignId, CancellationToken cancellationToken) =>
        CommandAsync(campaignId, "cancel", campaigns.CancelAsync, cancellationToken);

    private Task<IResult> CommandAsync(
        string campaignId,
        string verb,
        Func<string, CancellationToken, Task<(CampaignCommandResult Result, CampaignView? View)>> command,
        CancellationToken cancellationToken)
    {
        if (BadId(campaignId) is { } bad)
        {
            return Task.FromResult<IResult>(bad);
        }

        return RunAsync(async () =>
        {
            var (result, view) = await command(campaignId, cancellationToken).ConfigureAwait(false);
            return result switch
            {
                CampaignCommandResult.Done when view is not null => TypedResults.Json(CampaignViews.Details(view), CampaignApiJson.Context.CampaignDetails),
                CampaignCommandResult.NotFound => NotFound(campaignId),
                CampaignCommandResult.Conflict => Problems.Field(
                    "state",
                    $"The campaign is {(view is null ? "in a state" : CampaignStateNames.Of(view.Campaign.State))} where it cannot {verb}: {Allowed(verb)}",
                    StatusCodes.Status409Conflict),
                _ => throw new InvalidOperationException($"The campaign service answered {result} to {verb} without the campaign."),
            };
        });
    }

    private static string Allowed(string verb) => verb switch
    {
        "pause" => "only a scheduled or running campaign can be paused.",
        "resume" => "only a paused campaign can be resumed (a running one is left as it is).",
        _ => "a completed campaign has nothing left to cancel.",
    };

    private const string CampaignIdMessage = "'campaignId' must be a campaign id as create answered it.";

    private static ProblemResult? BadId(string campaignId) =>
        ConnectorValidation.IsSafeIdentifier(campaignId) ? null : Problems.Field("campaignId", CampaignIdMessage);

    private static ProblemResult NotFound(string campaignId) =>
        Problems.Create(StatusCodes.Status404NotFound, "not-found", "No such campaign.", $"There is no campaign '{campaignId}'.");

    /// <summary>The campaign's address, absolute like the trigger's Location.</summary>
    private static Uri LocationOf(HttpRequest request, string campaignId) =>
        new($"{request.Scheme}://{request.Host}{request.PathBase}/{ConnectorRoutes.Prefix}/{ConnectorRoutes.Campaigns}/{Uri.EscapeDataString(campaignId)}");

    private static string NextLink(HttpRequest request, string campaignId, string state, int pageSize, string token)
    {
        var query = QueryString.Empty;
        if (state.Length > 0)
        {
            query = query.Add("state", state);
        }

        query = query.Add("pageSize", pageSize.ToString(CultureInfo.InvariantCulture)).Add("continuationToken", token);
        return $"{request.Scheme}://{request.Host}{request.PathBase}/{ConnectorRoutes.Prefix}/{ConnectorRoutes.Campaigns}/{Uri.EscapeDataString(campaignId)}/recipients{query.ToUriComponent()}";
    }

    private Task<IResult> RunAsync(Func<Task<IResult>> action) => EndpointErrors.RunAsync(action, logger);
}
