using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace SynthflowConnector.Tests.Http;

internal static class HttpAssert
{
    /// <summary>Asserts an RFC 7807 answer with this status (and, when given, an error for this field); returns its body.</summary>
    public static async Task<JsonElement> ProblemAsync(HttpResponseMessage response, HttpStatusCode status, string? field = null)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"expected {(int)status}, got {(int)response.StatusCode}: {text}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(text).RootElement.Clone();
        Assert.Equal((int)status, problem.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrEmpty(problem.GetProperty("title").GetString()));
        Assert.StartsWith("urn:synthflow-connector:problem:", problem.GetProperty("type").GetString(), StringComparison.Ordinal);
        if (field is not null)
        {
            Assert.True(
                problem.TryGetProperty("errors", out var errors) && errors.TryGetProperty(field, out _),
                $"expected an error for '{field}': {text}");
        }

        return problem;
    }

    public static async Task<T> OkAsync<T>(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"expected 200, got {(int)response.StatusCode}: {text}");
        return JsonSerializer.Deserialize<T>(text, JsonSerializerOptions.Web)!;
    }

    public static HttpContent Json(object body) => JsonContent.Create(body);

    public static HttpContent Raw(string body, string contentType = "application/json") =>
        new StringContent(body, System.Text.Encoding.UTF8, contentType);
}
