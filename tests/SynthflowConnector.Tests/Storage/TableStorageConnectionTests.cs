using Azure.Data.Tables;
using Azure.Identity;
using Microsoft.Extensions.Configuration;
using SynthflowConnector.Storage;
using SynthflowConnector.Tests.Infrastructure;

namespace SynthflowConnector.Tests.Storage;

/// <summary>The <c>AzureWebJobsStorage</c> settings, in every form the Azure Functions documentation defines.</summary>
public sealed class TableStorageConnectionTests
{
    [Fact]
    public void A_connection_string_setting_is_used_as_is()
    {
        IConfiguration config = Config(("AzureWebJobsStorage", "UseDevelopmentStorage=true"));

        TableServiceClient client = TableStorageConnection.CreateServiceClient(config);

        Assert.Equal(new Uri("http://127.0.0.1:10002/devstoreaccount1"), client.Uri);
        Assert.Equal("devstoreaccount1", client.AccountName);
    }

    [Fact]
    public void A_named_connection_can_come_from_the_ConnectionStrings_section()
    {
        IConfiguration config = Config(("ConnectionStrings:Tables", "DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=" + AzuriteFixture.AccountKey));

        TableServiceClient client = TableStorageConnection.CreateServiceClient(config, connectionName: "Tables");

        Assert.Equal("acct.table.core.windows.net", client.Uri.Host);
        Assert.Equal("acct", client.AccountName);
    }

    [Fact]
    public void Identity_based_connection_uses_tableServiceUri()
    {
        IConfiguration config = Config(("AzureWebJobsStorage:tableServiceUri", "https://acct.table.core.windows.net"));

        TableServiceClient client = TableStorageConnection.CreateServiceClient(config);

        Assert.Equal("acct.table.core.windows.net", client.Uri.Host);
        Assert.Equal("acct", client.AccountName);
    }

    [Fact]
    public void Identity_based_connection_falls_back_to_accountName()
    {
        IConfiguration config = Config(("AzureWebJobsStorage:accountName", "acct2"));

        TableServiceClient client = TableStorageConnection.CreateServiceClient(config);

        Assert.Equal("acct2.table.core.windows.net", client.Uri.Host);
        Assert.Equal("acct2", client.AccountName);
    }

    [Fact]
    public void Credential_follows_the_Functions_identity_settings()
    {
        IConfiguration config = Config(
            ("mi:credential", "managedidentity"),
            ("mi:clientId", Guid.NewGuid().ToString()),
            ("system:credential", "managedidentity"),
            ("sp:tenantId", Guid.NewGuid().ToString()),
            ("sp:clientId", Guid.NewGuid().ToString()),
            ("sp:clientSecret", "not-a-real-secret"),
            ("plain:tableServiceUri", "https://acct.table.core.windows.net"));

        Assert.IsType<ManagedIdentityCredential>(TableStorageConnection.CreateCredential(config.GetSection("mi")));
        Assert.IsType<ManagedIdentityCredential>(TableStorageConnection.CreateCredential(config.GetSection("system")));
        Assert.IsType<ClientSecretCredential>(TableStorageConnection.CreateCredential(config.GetSection("sp")));
        Assert.IsType<DefaultAzureCredential>(TableStorageConnection.CreateCredential(config.GetSection("plain")));
    }

    [Fact]
    public void Missing_configuration_names_the_setting()
    {
        InvalidOperationException error = Assert.Throws<InvalidOperationException>(
            () => TableStorageConnection.CreateServiceClient(Config()));

        Assert.Contains("AzureWebJobsStorage", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_missing_setting_fails_the_first_use_naming_it()
    {
        var tables = new ConnectorTables(new ConfigurationBuilder().Build());

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => tables.GetAsync(AzuriteFixture.UniqueTableName(), CancellationToken.None));

        Assert.Contains("AzureWebJobsStorage", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("AccountName=acct;AccountKey=not*base64*secret")]
    [InlineData("garbage-secret")]
    [InlineData("DefaultEndpointsProtocol=https;AccountName=acct;Accountkey-secret")]
    public void An_unusable_connection_string_names_the_setting_and_never_echoes_it(string connectionString)
    {
        InvalidOperationException error = Assert.Throws<InvalidOperationException>(
            () => TableStorageConnection.CreateServiceClient(Config(("AzureWebJobsStorage", connectionString))));

        Assert.Contains("'AzureWebJobsStorage'", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("secret", error.Message, StringComparison.OrdinalIgnoreCase);
        Assert.Null(error.InnerException);
    }

    [Theory]
    [InlineData("AzureWebJobsStorage:tableServiceUri", "acct.table.core.windows.net", "AzureWebJobsStorage:tableServiceUri")]
    [InlineData("AzureWebJobsStorage:accountName", "Not_An_Account", "AzureWebJobsStorage__accountName")]
    public void An_invalid_identity_setting_is_named(string key, string value, string named)
    {
        InvalidOperationException error = Assert.Throws<InvalidOperationException>(
            () => TableStorageConnection.CreateServiceClient(Config((key, value))));

        Assert.Contains(named, error.Message, StringComparison.Ordinal);
    }

    private static IConfiguration Config(params (string Key, string Value)[] settings) =>
        new ConfigurationBuilder()
            .AddInMemoryCollection(settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value)))
            .Build();
}

[Collection("Azurite")]
public sealed class TableStorageConnectionAzuriteTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task Tables_from_configuration_talk_to_the_configured_account_and_are_created_once()
    {
        var counter = new RequestCountingPolicy();
        var tables = azurite.CreateConnectorTables(StorageTestOptions.Counting(counter));
        var name = AzuriteFixture.UniqueTableName();

        TableClient table = await tables.GetAsync(name, CancellationToken.None);
        Assert.Same(table, await tables.GetAsync(name, CancellationToken.None));
        Assert.Equal(1, counter.Count); // one CreateIfNotExists for both

        await table.UpsertEntityAsync(new SimpleEntity { PartitionKey = "p", RowKey = "r", Name = "configured" });
        Assert.Equal("configured", (await azurite.CreateTableClient(name).GetEntityAsync<SimpleEntity>("p", "r")).Value.Name);
    }
}
