using Microsoft.AspNetCore.Http;

namespace SynthflowConnector.Http;

/// <summary>A JSON answer carrying the pool's version in the <c>ETag</c> header as well as in the body.</summary>
internal sealed class ETagResult(IResult inner, string etag) : IResult, IStatusCodeHttpResult
{
    public int? StatusCode => (inner as IStatusCodeHttpResult)?.StatusCode ?? StatusCodes.Status200OK;

    public Task ExecuteAsync(HttpContext httpContext)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        if (etag.Length > 0)
        {
            httpContext.Response.Headers.ETag = etag;
        }

        return inner.ExecuteAsync(httpContext);
    }
}
