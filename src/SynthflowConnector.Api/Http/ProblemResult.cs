using System.Globalization;
using Microsoft.AspNetCore.Http;

namespace SynthflowConnector.Http;

/// <summary>Writes <c>application/problem+json</c> (and <c>Retry-After</c> when given) the same way under both hosts.</summary>
public sealed class ProblemResult(ConnectorProblem problem, TimeSpan? retryAfter = null) : IResult, IStatusCodeHttpResult
{
    private const string ContentType = "application/problem+json; charset=utf-8";

    public ConnectorProblem Problem { get; } = problem;

    public int? StatusCode => Problem.Status;

    public Task ExecuteAsync(HttpContext httpContext)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        if (retryAfter is { } delay)
        {
            httpContext.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(delay.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
        }

        var problem = Problem.Instance is null ? Problem with { Instance = httpContext.Request.Path.Value } : Problem;
        return TypedResults.Json(problem, ConnectorJson.Context.ConnectorProblem, ContentType, problem.Status).ExecuteAsync(httpContext);
    }
}

/// <summary>The problems the connector answers with. Types are stable URIs users can match on in flows.</summary>
public static class Problems
{
    // URNs, not URLs: stable names to match on, with nothing to fetch.
    private const string TypeBase = "urn:synthflow-connector:problem:";

    public static ProblemResult Validation(IReadOnlyDictionary<string, string[]> errors, string? detail = null) =>
        new(new ConnectorProblem
        {
            Type = TypeBase + "validation",
            Title = "The request is not valid.",
            Status = StatusCodes.Status400BadRequest,
            Detail = detail ?? string.Join(" ", errors.SelectMany(pair => pair.Value)),
            Errors = errors,
        });

    public static ProblemResult Field(string field, string message, int status = StatusCodes.Status400BadRequest) =>
        new(new ConnectorProblem
        {
            Type = TypeBase + status switch
            {
                StatusCodes.Status422UnprocessableEntity => "unprocessable",
                StatusCodes.Status409Conflict => "conflict",
                _ => "validation",
            },
            Title = status switch
            {
                StatusCodes.Status422UnprocessableEntity => "The request cannot be carried out as asked.",
                StatusCodes.Status409Conflict => "The request conflicts with the current state.",
                _ => "The request is not valid.",
            },
            Status = status,
            Detail = message,
            Errors = new Dictionary<string, string[]> { [field] = [message] },
        });

    public static ProblemResult Create(int status, string kind, string title, string? detail, string? synthflowRequestId = null, TimeSpan? retryAfter = null) =>
        new(
            new ConnectorProblem
            {
                Type = TypeBase + kind,
                Title = title,
                Status = status,
                Detail = detail,
                SynthflowRequestId = synthflowRequestId,
            },
            retryAfter);
}
