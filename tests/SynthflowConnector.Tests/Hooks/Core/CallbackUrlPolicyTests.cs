using System.Net;
using SynthflowConnector.Hooks;

namespace SynthflowConnector.Tests.Hooks.Core;

public sealed class CallbackUrlPolicyTests
{
    // url, allowed in live mode, allowed in sandbox mode
    public static TheoryData<string, bool, bool> Urls => new()
    {
        { "https://prod-12.westus.logic.azure.com:443/workflows/abc/triggers/manual/paths/invoke?sig=xyz", true, true },
        { "https://flows.example/hook", true, true },
        { "https://8.8.8.8/hook", true, true },
        { "https://[2001:4860:4860::8888]/hook", true, true },
        { "http://flows.example/hook", false, false },
        { "ftp://flows.example/hook", false, false },
        { "https://user:pass@flows.example/hook", false, false },
        { "http://127.0.0.1:7071/hook", false, true },
        { "http://127.8.9.10/hook", false, true },
        { "https://127.0.0.1/hook", false, true },
        { "http://[::1]:8080/hook", false, true },
        { "http://localhost:7071/hook", false, true },
        { "https://localhost/hook", false, true },
        { "https://LOCALHOST./hook", false, true },
        { "https://api.localhost/hook", false, true },
        { "http://2130706433/hook", false, true }, // 127.0.0.1 in decimal
        { "https://0x7f.1/hook", false, true },
        { "https://10.0.0.5/hook", false, false },
        { "https://172.16.0.1/hook", false, false },
        { "https://172.31.255.255/hook", false, false },
        { "https://172.32.0.1/hook", true, true },
        { "https://192.168.1.1/hook", false, false },
        { "https://100.64.0.1/hook", false, false },
        { "https://169.254.169.254/latest/meta-data", false, false },
        { "https://169.254.1.1/hook", false, false },
        { "https://0.0.0.0/hook", false, false },
        { "https://224.0.0.1/hook", false, false },
        { "https://255.255.255.255/hook", false, false },
        { "https://[fd00:ec2::254]/latest/meta-data", false, false },
        { "https://[fc00::1]/hook", false, false },
        { "https://[fe80::1]/hook", false, false },
        { "https://[::]/hook", false, false },
        { "https://[::ffff:10.0.0.1]/hook", false, false },
        { "https://[::ffff:169.254.169.254]/hook", false, false },
        { "https://[64:ff9b::a9fe:a9fe]/hook", false, false },
        { "https://[2002:c0a8:0101::1]/hook", false, false },
        { "http://10.0.0.5/hook", false, false },
    };

    [Theory]
    [MemberData(nameof(Urls))]
    public void Each_url_is_allowed_or_refused_by_mode(string url, bool live, bool sandbox)
    {
        var uri = new Uri(url);

        Assert.Equal(live, CallbackUrlPolicy.Check(uri, sandbox: false) is null);
        Assert.Equal(sandbox, CallbackUrlPolicy.Check(uri, sandbox: true) is null);
    }

    [Fact]
    public void A_refusal_says_why_without_echoing_the_url()
    {
        var why = CallbackUrlPolicy.Check(new Uri("http://flows.example/hook?sig=s3cret"), sandbox: false);

        Assert.Equal("The callback URL must use https.", why);
    }

    [Fact]
    public void Relative_and_overlong_urls_are_refused()
    {
        Assert.NotNull(CallbackUrlPolicy.Check(new Uri("/hook", UriKind.Relative), sandbox: true));
        Assert.NotNull(CallbackUrlPolicy.Check(new Uri("https://flows.example/" + new string('a', CallbackUrlPolicy.MaxLength)), sandbox: false));
    }

    [Theory]
    [InlineData("8.8.8.8", false)]
    [InlineData("20.42.65.92", false)]
    [InlineData("2606:4700::1111", false)]
    [InlineData("127.0.0.1", true)]
    [InlineData("::1", true)]
    [InlineData("169.254.169.254", true)]
    [InlineData("fd00:ec2::254", true)]
    [InlineData("::ffff:127.0.0.1", true)]
    [InlineData("192.0.0.8", true)]
    public void Resolved_addresses_are_checked_by_range_for_the_senders_connect_time_check(string address, bool blocked) =>
        Assert.Equal(blocked, CallbackUrlPolicy.IsBlockedAddress(IPAddress.Parse(address)));
}
