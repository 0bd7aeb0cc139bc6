using SynthflowConnector.Storage;
using SynthflowConnector.Tests.Infrastructure;

namespace SynthflowConnector.Tests.Storage;

public sealed class TableConnectionStringTests
{
    private const string Key = AzuriteFixture.AccountKey;

    [Theory]
    [InlineData("UseDevelopmentStorage=true")]
    [InlineData("UseDevelopmentStorage=True;")]
    public void Development_storage_points_at_the_local_emulator_with_its_fixed_account(string connectionString)
    {
        TableConnectionString parsed = TableConnectionString.Parse(connectionString);

        Assert.Equal(new Uri("http://127.0.0.1:10002/devstoreaccount1"), parsed.TableEndpoint);
        Assert.Equal("devstoreaccount1", parsed.AccountName);
        Assert.Equal("devstoreaccount1", parsed.SharedKeyCredential?.AccountName);
        Assert.Null(parsed.SharedAccessSignature);
    }

    [Fact]
    public void Development_storage_honours_a_proxy_host()
    {
        TableConnectionString parsed = TableConnectionString.Parse("UseDevelopmentStorage=true;DevelopmentStorageProxyUri=http://azurite");

        Assert.Equal(new Uri("http://azurite:10002/devstoreaccount1"), parsed.TableEndpoint);
    }

    [Theory]
    [InlineData("DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=" + Key + ";EndpointSuffix=core.windows.net", "https://acct.table.core.windows.net/")]
    [InlineData("AccountName=acct;AccountKey=" + Key, "https://acct.table.core.windows.net/")]
    [InlineData("defaultendpointsprotocol=http;accountname=acct;accountkey=" + Key + ";endpointsuffix=core.chinacloudapi.cn", "http://acct.table.core.chinacloudapi.cn/")]
    public void Account_key_form_derives_the_table_endpoint(string connectionString, string expectedEndpoint)
    {
        TableConnectionString parsed = TableConnectionString.Parse(connectionString);

        Assert.Equal(new Uri(expectedEndpoint), parsed.TableEndpoint);
        Assert.Equal("acct", parsed.AccountName);
        Assert.NotNull(parsed.SharedKeyCredential);
    }

    [Fact]
    public void Explicit_table_endpoint_wins_and_a_path_style_endpoint_names_the_account()
    {
        TableConnectionString parsed = TableConnectionString.Parse(
            $"DefaultEndpointsProtocol=http;AccountKey={Key};TableEndpoint=http://127.0.0.1:54321/devstoreaccount1;");

        Assert.Equal(new Uri("http://127.0.0.1:54321/devstoreaccount1"), parsed.TableEndpoint);
        Assert.Equal("devstoreaccount1", parsed.AccountName);
        Assert.Equal("devstoreaccount1", parsed.SharedKeyCredential?.AccountName);
    }

    [Fact]
    public void Sas_form_keeps_the_signature_without_the_leading_question_mark()
    {
        TableConnectionString parsed = TableConnectionString.Parse(
            "TableEndpoint=https://acct.table.core.windows.net;SharedAccessSignature=?sv=2019-02-02&ss=t&sig=a%2Bb%3D");

        Assert.Equal("sv=2019-02-02&ss=t&sig=a%2Bb%3D", parsed.SharedAccessSignature);
        Assert.Null(parsed.SharedKeyCredential);
        Assert.Equal("acct", parsed.AccountName);
    }

    [Theory]
    [InlineData("AccountName=acct", "AccountKey")]
    [InlineData("AccountName=acct;AccountKey=", "AccountKey")]
    [InlineData("AccountKey=" + Key, "AccountName")]
    [InlineData("DefaultEndpointsProtocol=ftp;AccountName=acct;AccountKey=" + Key, "DefaultEndpointsProtocol")]
    [InlineData("TableEndpoint=not a uri;AccountKey=" + Key, "TableEndpoint")]
    [InlineData("AccountName=acct;AccountName=other;AccountKey=" + Key, "AccountName")]
    public void Missing_or_bad_parts_are_named_and_the_key_is_never_echoed(string connectionString, string named)
    {
        FormatException error = Assert.Throws<FormatException>(() => TableConnectionString.Parse(connectionString));

        Assert.Contains(named, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Key[..12], error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Invalid_key_is_reported_without_its_value()
    {
        const string secretLookingKey = "s3cr3t!!notbase64";
        FormatException error = Assert.Throws<FormatException>(
            () => TableConnectionString.Parse($"AccountName=acct;AccountKey={secretLookingKey}"));

        Assert.Contains("AccountKey", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("s3cr3t", error.ToString(), StringComparison.Ordinal);
        Assert.Null(error.InnerException);
    }

    [Fact]
    public void Segment_without_equals_is_rejected_without_echoing_it()
    {
        FormatException error = Assert.Throws<FormatException>(
            () => TableConnectionString.Parse($"AccountName=acct;{Key[..20]};AccountKey={Key}"));

        Assert.Contains("Segment 2", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Key[..12], error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    public void Blank_connection_string_is_an_argument_error(string connectionString)
    {
        Assert.ThrowsAny<ArgumentException>(() => new TableClient(connectionString, "mytable"));
    }

    [Theory]
    [InlineData("ab")]
    [InlineData("1table")]
    [InlineData("my-table")]
    [InlineData("a123456789b123456789c123456789d123456789e123456789f123456789g123")] // 64 characters
    public void Invalid_table_names_are_rejected_up_front(string tableName)
    {
        ArgumentException error = Assert.Throws<ArgumentException>(() => new TableClient("UseDevelopmentStorage=true", tableName));

        Assert.Equal("tableName", error.ParamName);
    }

    [Fact]
    public void Client_exposes_name_account_and_table_uri()
    {
        var client = new TableClient("UseDevelopmentStorage=true", "Pool1");

        Assert.Equal("Pool1", client.Name);
        Assert.Equal("devstoreaccount1", client.AccountName);
        Assert.Equal(new Uri("http://127.0.0.1:10002/devstoreaccount1/Pool1"), client.Uri);
    }
}
