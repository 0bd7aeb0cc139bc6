using System.Net;
using System.Text.Json;
using SynthflowConnector.Tests.Http;
using SynthflowConnector.Tests.Infrastructure;
using static SynthflowConnector.Tests.Campaigns.Api.CampaignApi;

namespace SynthflowConnector.Tests.Campaigns.Api;

/// <summary>
/// The campaign actions on the real Host over HTTP (Kestrel on loopback, Azurite, the sandbox), the dispatcher off:
/// create, replay, get, list, recipients page by page, pause, resume and cancel. The Azurite collection runs one test at
/// a time but shares the tables, so the assertions look at their own campaigns.
/// </summary>
[Collection("Azurite")]
public sealed class CampaignApiTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private ConnectorHostHarness _host = null!;

    public async Task InitializeAsync() => _host = await StartAsync(azurite);

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task Create_answers_201_with_the_Location_state_and_counts_and_get_reads_it_back()
    {
        using var response = await _host.Client.PostAsync(CampaignsUri, Json(Body(recipients: 3)));

        var created = await JsonAsync(response, HttpStatusCode.Created);
        var id = created.GetProperty("campaignId").GetString()!;
        Assert.True(id.Length >= 22, "at least 128 random bits");
        Assert.Equal(new Uri(_host.Client.BaseAddress!, $"/api/campaigns/{id}"), response.Headers.Location);
        Assert.Equal("running", created.GetProperty("state").GetString());
        Assert.False(created.GetProperty("idempotentReplay").GetBoolean());
        var counts = created.GetProperty("counts");
        Assert.Equal(3, counts.GetProperty("total").GetInt32());
        Assert.Equal(3, counts.GetProperty("byState").GetProperty("pending").GetInt32());
        Assert.Equal(0, counts.GetProperty("byState").GetProperty("waiting-retry").GetInt32());

        var campaign = await JsonAsync(await _host.Client.GetAsync(response.Headers.Location), HttpStatusCode.OK);
        Assert.Equal(id, campaign.GetProperty("campaignId").GetString());
        Assert.Equal("Spring renewals", campaign.GetProperty("name").GetString());
        Assert.Equal(SalesEast, campaign.GetProperty("modelId").GetString());
        Assert.Equal("09:00", campaign.GetProperty("callingHours").GetProperty("start").GetString());
        Assert.Equal(["mon", "tue", "wed", "thu", "fri"], campaign.GetProperty("callingHours").GetProperty("days").EnumerateArray().Select(d => d.GetString()));
        Assert.Equal(2, campaign.GetProperty("retry").GetProperty("maxAttempts").GetInt32());
        Assert.Equal("00:30:00", campaign.GetProperty("retry").GetProperty("minSpacing").GetString());
        Assert.Equal(3, campaign.GetProperty("counts").GetProperty("total").GetInt32());

        var listed = await JsonAsync(await _host.Client.GetAsync(CampaignsUri), HttpStatusCode.OK);
        Assert.Contains(listed.GetProperty("campaigns").EnumerateArray(), c => c.GetProperty("campaignId").GetString() == id);
        Assert.Equal(0, _host.Sandbox.CountRequests("POST", "/v2/calls"));
    }

    public static TheoryData<string, string> BadCampaigns => new()
    {
        { """{"name":"x","recipients":[{"phone":"+12125550100","name":"A"}]}""", "modelId" },
        { """{"modelId":"../etc","name":"x","recipients":[{"phone":"+12125550100","name":"A"}]}""", "modelId" },
        { """{"modelId":"m","name":"x"}""", "recipients" },
        { """{"modelId":"m","name":"x","recipients":[]}""", "recipients" },
        { """{"modelId":"m","name":"x","recipients":[{"phone":"+12125550100","name":"A"},null]}""", "recipients[1]" },
        { """{"modelId":"m","name":"x","recipients":[{"phone":"+12125550100","name":"A"}],"callerIdStrategy":"loudest"}""", "callerIdStrategy" },
        { """{"modelId":"m","name":"x","recipients":[{"phone":"+12125550100","name":"A"}],"retry":{"minSpacing":"soon"}}""", "retry.minSpacing" },
        { """{"modelId":"m","name":"x","recipients":[{"phone":"+12125550100","name":"A","customVariables":{"a":{"b":1}}}]}""", "recipients[0].customVariables" },
        { """{"modelId":"m","name":"x","recipients":[{"phone":"+12125550100","name":"A"}],"startAt":"next tuesday"}""", "startAt" },
        { """{"modelId":"m","name":"x","recipients":"everyone"}""", "recipients" },
    };

    [Theory]
    [MemberData(nameof(BadCampaigns))]
    public async Task Bad_shapes_are_400_naming_the_field_and_nothing_is_stored(string body, string field)
    {
        var before = await CountCampaignsAsync(_host.Client);

        await HttpAssert.ProblemAsync(await _host.Client.PostAsync(CampaignsUri, HttpAssert.Raw(body)), HttpStatusCode.BadRequest, field);

        Assert.Equal(before, await CountCampaignsAsync(_host.Client));
    }

    [Theory]
    [InlineData("+1212555012", "recipients[3].phone")]
    [InlineData("2125550199", "recipients[3].phone")]
    public async Task A_bad_recipient_is_refused_with_its_row_index_and_nothing_is_stored(string phone, string field)
    {
        var recipients = Recipients(5).ToList();
        recipients[3] = new { phone, name = "Row three" };
        var before = await CountCampaignsAsync(_host.Client);

        await HttpAssert.ProblemAsync(
            await _host.Client.PostAsync(CampaignsUri, Json(new { modelId = SalesEast, name = "x", recipients })),
            HttpStatusCode.BadRequest,
            field);

        Assert.Equal(before, await CountCampaignsAsync(_host.Client));
    }

    [Fact]
    public async Task More_than_10000_recipients_are_refused_before_anything_is_stored()
    {
        var before = await CountCampaignsAsync(_host.Client);

        var problem = await HttpAssert.ProblemAsync(await _host.Client.PostAsync(CampaignsUri, Json(Body(recipients: 10_001))), HttpStatusCode.BadRequest, "recipients");

        Assert.Contains("10,000", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(before, await CountCampaignsAsync(_host.Client));
    }

    [Fact]
    public async Task A_repeated_Idempotency_Key_answers_the_first_campaign_and_another_body_with_it_is_422()
    {
        var key = "run-" + Guid.NewGuid().ToString("N");
        using var first = new HttpRequestMessage(HttpMethod.Post, CampaignsUri) { Content = Json(Body()), Headers = { { "Idempotency-Key", key } } };
        using var again = new HttpRequestMessage(HttpMethod.Post, CampaignsUri) { Content = Json(Body()), Headers = { { "Idempotency-Key", key } } };
        using var other = new HttpRequestMessage(HttpMethod.Post, CampaignsUri) { Content = Json(Body(name: "Another")), Headers = { { "Idempotency-Key", key } } };

        using var created = await _host.Client.SendAsync(first);
        var createdBody = await JsonAsync(created, HttpStatusCode.Created);
        var before = await CountCampaignsAsync(_host.Client);
        using var replayed = await _host.Client.SendAsync(again);
        var replayBody = await JsonAsync(replayed, HttpStatusCode.Created);

        // As Make a call: the replay answers like the first request (same status, same resource), flagged as a replay.
        Assert.Equal(createdBody.GetProperty("campaignId").GetString(), replayBody.GetProperty("campaignId").GetString());
        Assert.Equal(created.Headers.Location, replayed.Headers.Location);
        Assert.True(replayBody.GetProperty("idempotentReplay").GetBoolean());
        await HttpAssert.ProblemAsync(await _host.Client.SendAsync(other), HttpStatusCode.UnprocessableEntity, "Idempotency-Key");
        Assert.Equal(before, await CountCampaignsAsync(_host.Client));
    }

    [Fact]
    public async Task Recipients_come_page_by_page_following_nextLink_and_filter_by_state()
    {
        var created = await JsonAsync(await _host.Client.PostAsync(CampaignsUri, Json(Body(recipients: 7))), HttpStatusCode.Created);
        var id = created.GetProperty("campaignId").GetString()!;

        var seen = new List<int>();
        var next = $"/api/campaigns/{id}/recipients?pageSize=3";
        var pages = 0;
        while (next is not null)
        {
            var page = await JsonAsync(await _host.Client.GetAsync(new Uri(next, UriKind.RelativeOrAbsolute)), HttpStatusCode.OK);
            pages++;
            foreach (var recipient in page.GetProperty("value").EnumerateArray())
            {
                seen.Add(recipient.GetProperty("index").GetInt32());
                Assert.Equal("pending", recipient.GetProperty("state").GetString());
                Assert.Equal(0, recipient.GetProperty("attempts").GetInt32());
                Assert.Equal("America/New_York", recipient.GetProperty("timeZone").GetString());
            }

            next = page.TryGetProperty("nextLink", out var link) ? link.GetString() : null;
            Assert.True(next is null || Uri.IsWellFormedUriString(next, UriKind.Absolute), $"nextLink must be absolute: {next}");
        }

        Assert.Equal(Enumerable.Range(0, 7), seen);
        Assert.Equal(3, pages);
        var done = await JsonAsync(await _host.Client.GetAsync(new Uri($"/api/campaigns/{id}/recipients?state=done", UriKind.Relative)), HttpStatusCode.OK);
        Assert.Empty(done.GetProperty("value").EnumerateArray());
    }

    [Theory]
    [InlineData("state=asleep", "state")]
    [InlineData("pageSize=0", "pageSize")]
    [InlineData("pageSize=1001", "pageSize")]
    [InlineData("pageSize=ten", "pageSize")]
    public async Task Bad_recipient_queries_are_400_naming_the_parameter(string query, string field)
    {
        var created = await JsonAsync(await _host.Client.PostAsync(CampaignsUri, Json(Body(recipients: 1))), HttpStatusCode.Created);

        await HttpAssert.ProblemAsync(
            await _host.Client.GetAsync(new Uri($"/api/campaigns/{created.GetProperty("campaignId").GetString()}/recipients?{query}", UriKind.Relative)),
            HttpStatusCode.BadRequest,
            field);
    }

    [Fact]
    public async Task Pause_resume_and_cancel_are_idempotent_and_impossible_transitions_are_409()
    {
        var created = await JsonAsync(await _host.Client.PostAsync(CampaignsUri, Json(Body(recipients: 2))), HttpStatusCode.Created);
        var id = created.GetProperty("campaignId").GetString();

        async Task<string?> CommandAsync(string verb) =>
            (await JsonAsync(await _host.Client.PostAsync(new Uri($"/api/campaigns/{id}/{verb}", UriKind.Relative), null), HttpStatusCode.OK)).GetProperty("state").GetString();

        Assert.Equal("paused", await CommandAsync("pause"));
        Assert.Equal("paused", await CommandAsync("pause"));
        Assert.Equal("running", await CommandAsync("resume"));
        Assert.Equal("running", await CommandAsync("resume"));
        Assert.Equal("canceled", await CommandAsync("cancel"));
        Assert.Equal("canceled", await CommandAsync("cancel"));
        await HttpAssert.ProblemAsync(await _host.Client.PostAsync(new Uri($"/api/campaigns/{id}/resume", UriKind.Relative), null), HttpStatusCode.Conflict);
        await HttpAssert.ProblemAsync(await _host.Client.PostAsync(new Uri($"/api/campaigns/{id}/pause", UriKind.Relative), null), HttpStatusCode.Conflict);

        var campaign = await JsonAsync(await _host.Client.GetAsync(new Uri($"/api/campaigns/{id}", UriKind.Relative)), HttpStatusCode.OK);
        Assert.Equal(2, campaign.GetProperty("counts").GetProperty("byState").GetProperty("canceled").GetInt32());
        Assert.Equal(0, _host.Sandbox.CountRequests("POST", "/v2/calls"));
    }

    [Theory]
    [InlineData("GET", "/api/campaigns/0123456789abcdef0123456789abcdef", HttpStatusCode.NotFound)]
    [InlineData("GET", "/api/campaigns/0123456789abcdef0123456789abcdef/recipients", HttpStatusCode.NotFound)]
    [InlineData("POST", "/api/campaigns/0123456789abcdef0123456789abcdef/pause", HttpStatusCode.NotFound)]
    [InlineData("POST", "/api/campaigns/0123456789abcdef0123456789abcdef/cancel", HttpStatusCode.NotFound)]
    [InlineData("GET", "/api/campaigns/bad%20id", HttpStatusCode.BadRequest)]
    [InlineData("POST", "/api/campaigns/bad%20id/resume", HttpStatusCode.BadRequest)]
    public async Task Unknown_campaigns_are_404_and_malformed_ids_400(string method, string path, HttpStatusCode status)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), path);

        var problem = await HttpAssert.ProblemAsync(await _host.Client.SendAsync(request), status, status == HttpStatusCode.BadRequest ? "campaignId" : null);

        Assert.False(string.IsNullOrEmpty(problem.GetProperty("detail").GetString()));
    }

    [Fact]
    public async Task Every_campaign_route_needs_the_function_key()
    {
        var before = await CountCampaignsAsync(_host.Client);

        await HttpAssert.ProblemAsync(await _host.Anonymous.PostAsync(CampaignsUri, Json(Body())), HttpStatusCode.Unauthorized);
        await HttpAssert.ProblemAsync(await _host.Anonymous.GetAsync(CampaignsUri), HttpStatusCode.Unauthorized);
        await HttpAssert.ProblemAsync(await _host.Anonymous.PostAsync(new Uri("/api/campaigns/x/cancel", UriKind.Relative), null), HttpStatusCode.Unauthorized);

        Assert.Equal(before, await CountCampaignsAsync(_host.Client));
    }
}
