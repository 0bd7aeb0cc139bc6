using Azure.Identity;
using Microsoft.Extensions.Configuration;
using SynthflowConnector.Storage;
using SynthflowConnector.Tests.Infrastructure;

namespace SynthflowConnector.Tests.Storage;

public sealed class TableStorageConnectionTests
{
    [Fact]
    public void A_connection_string_setting_is_used_as_is()
    {
        IConfiguration config = Config(("AzureWebJobsStorage", "UseDevelopmentStorage=true"));

        TableClient client = TableStorageConnection.CreateTableClient(config, "pools");

        Assert.Equal(new Uri("http://127.0.0.1:10002/devstoreaccount1/pools"), client.Uri);
    }

    [Fact]
    public void A_named_connection_can_come_from_the_ConnectionStrings_section()
    {
        IConfiguration config = Config(("ConnectionStrings:Tables", "AccountName=acct;AccountKey=" + AzuriteFixture.AccountKey));

        TableClient client = TableStorageConnection.CreateTableClient(config, "pools", connectionName: "Tables");

        Assert.Equal(new Uri("https://acct.table.core.windows.net/pools"), client.Uri);
    }

    [Fact]
    public void Identity_based_connection_uses_tableServiceUri()
    {
        IConfiguration config = Config(("AzureWebJobsStorage:tableServiceUri", "https://acct.table.core.windows.net"));

        TableClient client = TableStorageConnection.CreateTableClient(config, "pools");

        Assert.Equal(new Uri("https://acct.table.core.windows.net/pools"), client.Uri);
    }

    [Fact]
    public void Identity_based_connection_falls_back_to_accountName()
    {
        IConfiguration config = Config(("AzureWebJobsStorage:accountName", "acct2"));

        TableClient client = TableStorageConnection.CreateTableClient(config, "pools");

        Assert.Equal(new Uri("https://acct2.table.core.windows.net/pools"), client.Uri);
        Assert.Equal("acct2", client.AccountName);
    }

    [Fact]
    public void Credential_follows_the_Functions_identity_settings()
    {
        IConfiguration config = Config(
            ("mi:credential", "managedidentity"),
            ("mi:clientId", Guid.NewGuid().ToString()),
            ("sp:tenantId", Guid.NewGuid().ToString()),
            ("sp:clientId", Guid.NewGuid().ToString()),
            ("sp:clientSecret", "not-a-real-secret"),
            ("plain:tableServiceUri", "https://acct.table.core.windows.net"));

        Assert.IsType<ManagedIdentityCredential>(TableStorageConnection.CreateCredential(config.GetSection("mi")));
        Assert.IsType<ClientSecretCredential>(TableStorageConnection.CreateCredential(config.GetSection("sp")));
        Assert.IsType<DefaultAzureCredential>(TableStorageConnection.CreateCredential(config.GetSection("plain")));
    }

    [Fact]
    public void Missing_configuration_names_the_setting()
    {
        InvalidOperationException error = Assert.Throws<InvalidOperationException>(
            () => TableStorageConnection.CreateTableClient(Config(), "pools"));

        Assert.Contains("AzureWebJobsStorage", error.Message, StringComparison.Ordinal);
    }

    private static IConfiguration Config(params (string Key, string Value)[] settings) =>
        new ConfigurationBuilder()
            .AddInMemoryCollection(settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value)))
            .Build();
}

[Collection("Azurite")]
public sealed class TableStorageConnectionAzuriteTests
{
    private readonly AzuriteFixture _azurite;

    public TableStorageConnectionAzuriteTests(AzuriteFixture azurite)
    {
        _azurite = azurite;
    }

    [Fact]
    public async Task Client_from_configuration_talks_to_the_configured_account()
    {
        IConfiguration config = new ConfigurationBuilder()
            .AddInMemoryCollection([new KeyValuePair<string, string?>("AzureWebJobsStorage", _azurite.ConnectionString)])
            .Build();
        TableClient table = TableStorageConnection.CreateTableClient(config, AzuriteFixture.UniqueTableName());

        await table.CreateIfNotExistsAsync();
        await table.UpsertEntityAsync(new SimpleEntity { PartitionKey = "p", RowKey = "r", Name = "configured" });

        Assert.Equal("configured", (await table.GetEntityAsync<SimpleEntity>("p", "r")).Value.Name);
    }
}
