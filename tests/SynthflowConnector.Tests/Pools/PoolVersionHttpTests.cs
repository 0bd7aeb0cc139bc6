using System.Net;
using SynthflowConnector.Tests.Http;
using SynthflowConnector.Tests.Infrastructure;
using static SynthflowConnector.Tests.Pools.PoolTestSupport;

namespace SynthflowConnector.Tests.Pools;

/// <summary>
/// An If-Match that is not an etag at all is the request's fault: 400 naming If-Match (it once answered 503 "storage
/// unavailable"), through the real Host over HTTP, with the pool left as it was.
/// </summary>
[Collection("Azurite")]
public sealed class PoolVersionHttpTests(AzuriteFixture azurite)
{
    [Theory]
    [InlineData("garbage")]
    [InlineData("\"quoted-but-not-ours\"")]
    public async Task A_malformed_If_Match_on_PUT_and_DELETE_is_400_naming_If_Match(string ifMatch)
    {
        await using var host = await ConnectorHostHarness.StartAsync(azurite, Workspace());
        var created = await SetPoolAsync(host.Client, Support, [N[2]]);

        var onPut = await HttpAssert.ProblemAsync(
            await PutPoolAsync(host.Client, Support, new { phoneNumbers = new[] { N[3] } }, ifMatch: ifMatch), HttpStatusCode.BadRequest, "If-Match");
        using var delete = new HttpRequestMessage(HttpMethod.Delete, PoolUri(Support));
        delete.Headers.TryAddWithoutValidation("If-Match", ifMatch);
        var onDelete = await HttpAssert.ProblemAsync(await host.Client.SendAsync(delete), HttpStatusCode.BadRequest, "If-Match");

        Assert.DoesNotContain("storage-unavailable", onPut.GetProperty("type").GetString(), StringComparison.Ordinal);
        Assert.DoesNotContain("storage-unavailable", onDelete.GetProperty("type").GetString(), StringComparison.Ordinal);
        var kept = await GetPoolAsync(host.Client, Support);
        Assert.Equal([N[2]], kept.PhoneNumbers);
        Assert.Equal(created.ETag, kept.ETag);
    }
}
