using Azure.Storage.Queues;
using Microsoft.Extensions.Configuration;
using SynthflowConnector.Storage;
using SynthflowConnector.Tests.Infrastructure;

namespace SynthflowConnector.Tests.Hooks.Storage;

/// <summary>The queue connection reads <c>AzureWebJobsStorage</c> the way the Functions QueueTrigger does.</summary>
public sealed class QueueStorageConnectionTests
{
    private static IConfiguration Config(params (string Key, string Value)[] settings) =>
        new ConfigurationBuilder().AddInMemoryCollection(settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value))).Build();

    [Fact]
    public void Development_storage_is_azurites_queue_port()
    {
        var client = QueueStorageConnection.CreateServiceClient(Config(("AzureWebJobsStorage", "UseDevelopmentStorage=true")));

        Assert.Equal(new Uri("http://127.0.0.1:10001/devstoreaccount1"), client.Uri);
    }

    [Fact]
    public void Identity_based_settings_name_the_queue_endpoint()
    {
        Assert.Equal(
            new Uri("https://myacct.queue.core.windows.net/"),
            QueueStorageConnection.CreateServiceClient(Config(("AzureWebJobsStorage:accountName", "myacct"), ("AzureWebJobsStorage:credential", "managedidentity"))).Uri);
        Assert.Equal(
            new Uri("https://queues.example.net/"),
            QueueStorageConnection.CreateServiceClient(Config(("AzureWebJobsStorage:queueServiceUri", "https://queues.example.net"))).Uri);
    }

    [Fact]
    public void A_missing_or_broken_setting_is_named_and_its_value_never_quoted()
    {
        var missing = Assert.Throws<InvalidOperationException>(() => QueueStorageConnection.CreateServiceClient(Config()));
        Assert.Contains("AzureWebJobsStorage__queueServiceUri", missing.Message, StringComparison.Ordinal);

        var broken = Assert.Throws<InvalidOperationException>(() =>
            QueueStorageConnection.CreateServiceClient(Config(("AzureWebJobsStorage", "AccountName=a;AccountKey=SECRETKEY;Nonsense"))));
        Assert.DoesNotContain("SECRETKEY", broken.Message, StringComparison.Ordinal);
        Assert.Contains("'AzureWebJobsStorage'", broken.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_message_encoding_is_always_base64()
    {
        var options = new QueueClientOptions { MessageEncoding = QueueMessageEncoding.None };

        QueueStorageConnection.CreateServiceClient(Config(("AzureWebJobsStorage", "UseDevelopmentStorage=true")), options: options);

        Assert.Equal(QueueMessageEncoding.Base64, options.MessageEncoding);
        Assert.NotNull(AzuriteFixture.StorageConfiguration("UseDevelopmentStorage=true")["AzureWebJobsStorage"]);
    }
}
