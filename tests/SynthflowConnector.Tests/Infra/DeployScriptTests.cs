namespace SynthflowConnector.Tests.Infra;

/// <summary>
/// <c>./build.sh deploy</c> checks its arguments before it touches Azure (the deployment itself needs a subscription
/// and is not run by the tests; its steps are tested on their own: the template, the package, the connector copy).
/// </summary>
public sealed class DeployScriptTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromMinutes(1);

    [Fact]
    public async Task Without_a_resource_group_it_prints_its_usage()
    {
        var deploy = await Command.BuildShAsync(["deploy"], Deadline);

        Assert.Equal(2, deploy.ExitCode);
        Assert.Contains("usage: ./build.sh deploy <resource-group> [location]", deploy.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("synthflowApiKey=sk-on-the-command-line")]
    [InlineData("synthflowWebhookSecret=whsec-on-the-command-line")]
    public async Task A_secret_on_the_command_line_is_refused(string argument)
    {
        var deploy = await Command.BuildShAsync(["deploy", "rg-synthflow-test", "westeurope", argument], Deadline);

        Assert.Equal(2, deploy.ExitCode);
        Assert.Contains("SYNTHFLOW_API_KEY / SYNTHFLOW_WEBHOOK_SECRET", deploy.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("on-the-command-line", deploy.Output + deploy.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_override_that_is_not_name_equals_value_is_refused()
    {
        var deploy = await Command.BuildShAsync(["deploy", "rg-synthflow-test", "westeurope", "synthflowRegion"], Deadline);

        Assert.Equal(2, deploy.ExitCode);
        Assert.Contains("usage: ./build.sh deploy", deploy.Error, StringComparison.Ordinal);
    }
}
