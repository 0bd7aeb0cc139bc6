using System.Net;
using System.Security.Cryptography;
using System.Text;
using Azure;
using Azure.Core;
using Azure.Core.Pipeline;
using Microsoft.Extensions.Time.Testing;
using SynthflowConnector.Storage;
using SynthflowConnector.Tests.Infrastructure;

namespace SynthflowConnector.Tests.Storage;

/// <summary>Request signing and bearer tokens, checked on the wire without a server.</summary>
public sealed class TableAuthenticationTests
{
    private static readonly DateTimeOffset FixedNow = new(2024, 5, 6, 7, 8, 9, TimeSpan.Zero);

    [Theory]
    // Expected signatures computed outside .NET (Python hmac/sha256 over the documented string-to-sign).
    [InlineData(
        "http://127.0.0.1:10002/devstoreaccount1/mytable(PartitionKey='a',RowKey='b')",
        "LpCqaWA9xMxNXG8t4IbBJ8BKIpVPeUrHYFt127XsrYY=")]
    [InlineData(
        "https://devstoreaccount1.table.core.windows.net/mytable?comp=acl&timeout=30",
        "q4keca5w3vhl0LkVrI4NBYAXRAGAQeT6lnSd9mEsjbg=")]
    public async Task SharedKeyLite_signature_matches_known_vector(string url, string expectedSignature)
    {
        var handler = new CapturingHandler();
        var policy = new TableSharedKeyPipelinePolicy(
            new TableSharedKeyCredential(AzuriteFixture.AccountName, AzuriteFixture.AccountKey), new FakeTimeProvider(FixedNow));
#pragma warning disable CA2000 // owned by the pipeline for the test's lifetime
        var pipeline = new HttpPipeline(new HttpClientTransport(new HttpClient(handler)), [policy]);
#pragma warning restore CA2000

        using HttpMessage message = pipeline.CreateMessage();
        message.Request.Method = RequestMethod.Get;
        message.Request.Uri.Reset(new Uri(url));
        await pipeline.SendAsync(message, CancellationToken.None);

        HttpRequestMessage sent = Assert.Single(handler.Requests);
        Assert.Equal("Mon, 06 May 2024 07:08:09 GMT", Assert.Single(sent.Headers.GetValues("x-ms-date")));
        Assert.Equal($"SharedKeyLite devstoreaccount1:{expectedSignature}", sent.Headers.Authorization?.ToString());
    }

    [Fact]
    public async Task SharedKeyLite_signs_the_encoded_path_as_sent_including_the_account_segment_of_path_style_urls()
    {
        var handler = new CapturingHandler();
        var client = new TableClient(
            new Uri("http://127.0.0.1:10002/devstoreaccount1"),
            "mytable",
            new TableSharedKeyCredential(AzuriteFixture.AccountName, AzuriteFixture.AccountKey),
            StorageTestOptions.With(handler));

        await client.DeleteEntityAsync("O'Brien Zoë", "电话");

        HttpRequestMessage sent = Assert.Single(handler.Requests);
        string path = sent.RequestUri!.AbsolutePath;
        Assert.Equal("/devstoreaccount1/mytable(PartitionKey='O%27%27Brien%20Zo%C3%AB',RowKey='%E7%94%B5%E8%AF%9D')", path);

        // Recomputed here from the documented rule: Date + "\n" + "/" + account + encoded path.
        string date = Assert.Single(sent.Headers.GetValues("x-ms-date"));
        string stringToSign = date + "\n/devstoreaccount1" + path;
        string expected = Convert.ToBase64String(
            HMACSHA256.HashData(Convert.FromBase64String(AzuriteFixture.AccountKey), Encoding.UTF8.GetBytes(stringToSign)));
        Assert.Equal("SharedKeyLite", sent.Headers.Authorization?.Scheme);
        Assert.Equal($"devstoreaccount1:{expected}", sent.Headers.Authorization?.Parameter);
    }

    [Fact]
    public async Task Every_request_carries_the_protocol_headers_and_json_bodies_are_typed()
    {
        var handler = new CapturingHandler();
        var client = new TableClient(
            new Uri("https://acct.table.core.windows.net"),
            "mytable",
            new TableSharedKeyCredential("acct", AzuriteFixture.AccountKey),
            StorageTestOptions.With(handler));

        await client.UpsertEntityAsync(new SimpleEntity { PartitionKey = "p", RowKey = "r", Name = "n" });

        HttpRequestMessage sent = Assert.Single(handler.Requests);
        Assert.Equal("MERGE", sent.Method.Method);
        Assert.Equal("2019-02-02", Assert.Single(sent.Headers.GetValues("x-ms-version")));
        Assert.Equal("3.0", Assert.Single(sent.Headers.GetValues("DataServiceVersion")));
        Assert.Equal("application/json;odata=nometadata", sent.Headers.Accept.ToString());
        Assert.Equal("application/json", sent.Content?.Headers.ContentType?.MediaType);
        Assert.False(sent.Headers.Contains("If-Match"), "an upsert must not be conditional");
        Assert.Equal("{\"PartitionKey\":\"p\",\"RowKey\":\"r\",\"Name\":\"n\",\"Count\":0}", handler.Bodies[0]);
    }

    [Fact]
    public async Task TokenCredential_sends_a_bearer_token_for_the_storage_scope()
    {
        var handler = new CapturingHandler();
        var credential = new FakeTokenCredential("token-123");
        var client = new TableClient(new Uri("https://acct.table.core.windows.net/"), "mytable", credential, StorageTestOptions.With(handler));

        await client.CreateIfNotExistsAsync();

        HttpRequestMessage sent = Assert.Single(handler.Requests);
        Assert.Equal("Bearer token-123", sent.Headers.Authorization?.ToString());
        Assert.Equal(new Uri("https://acct.table.core.windows.net/Tables"), sent.RequestUri);
        Assert.Equal(["https://storage.azure.com/.default"], Assert.Single(credential.RequestedScopes));
        Assert.Equal("acct", client.AccountName);
    }

    [Theory]
    [InlineData("http://127.0.0.1:10002/devstoreaccount1", "/devstoreaccount1/Tables")]
    [InlineData("http://127.0.0.1:10002/devstoreaccount1/", "/devstoreaccount1/Tables")]
    [InlineData("https://acct.table.core.windows.net", "/Tables")]
    [InlineData("https://acct.table.core.windows.net/", "/Tables")]
    public async Task Endpoint_with_or_without_trailing_slash_yields_single_slash_paths(string endpoint, string expectedPath)
    {
        var handler = new CapturingHandler();
        var client = new TableClient(new Uri(endpoint), "mytable", new TableSharedKeyCredential("acct", AzuriteFixture.AccountKey), StorageTestOptions.With(handler));

        await client.CreateIfNotExistsAsync();

        Assert.Equal(expectedPath, Assert.Single(handler.Requests).RequestUri!.AbsolutePath);
        Assert.Equal(new Uri(endpoint.TrimEnd('/') + "/mytable"), client.Uri);
    }

    [Fact]
    public async Task TokenCredential_is_refused_over_plain_http()
    {
        var handler = new CapturingHandler();
        var client = new TableClient(new Uri("http://acct.table.core.windows.net"), "mytable", new FakeTokenCredential("t"), StorageTestOptions.With(handler));

        await Assert.ThrowsAsync<InvalidOperationException>(() => client.CreateIfNotExistsAsync());
        Assert.Empty(handler.Requests);
    }

    [Fact]
    public async Task Sas_from_a_connection_string_is_appended_verbatim_and_nothing_is_signed()
    {
        var handler = new CapturingHandler(HttpStatusCode.OK, "{\"value\":[]}");
        var client = new TableClient(
            "TableEndpoint=https://acct.table.core.windows.net/;SharedAccessSignature=?sv=2019-02-02&tn=mytable&sig=ab%2Bcd%3D",
            "mytable",
            StorageTestOptions.With(handler));

        await foreach (SimpleEntity _ in client.QueryAsync<SimpleEntity>(filter: "Count gt 1"))
        {
        }

        HttpRequestMessage sent = Assert.Single(handler.Requests);
        Assert.Equal("/mytable()", sent.RequestUri!.AbsolutePath);
        Assert.Contains("sv=2019-02-02&tn=mytable&sig=ab%2Bcd%3D", sent.RequestUri.Query, StringComparison.Ordinal);
        Assert.Contains("$filter=Count%20gt%201", sent.RequestUri.Query, StringComparison.Ordinal);
        Assert.Null(sent.Headers.Authorization);
    }

    [Fact]
    public void Credential_ToString_does_not_reveal_the_key()
    {
        var credential = new TableSharedKeyCredential("acct", AzuriteFixture.AccountKey);

        Assert.Contains("acct", credential.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(AzuriteFixture.AccountKey[..12], credential.ToString(), StringComparison.Ordinal);
    }

    private sealed class FakeTokenCredential(string token) : TokenCredential
    {
        public List<string[]> RequestedScopes { get; } = [];

        public override AccessToken GetToken(TokenRequestContext requestContext, CancellationToken cancellationToken)
        {
            RequestedScopes.Add(requestContext.Scopes);
            return new AccessToken(token, DateTimeOffset.UtcNow.AddHours(1));
        }

        public override ValueTask<AccessToken> GetTokenAsync(TokenRequestContext requestContext, CancellationToken cancellationToken) =>
            new(GetToken(requestContext, cancellationToken));
    }
}
