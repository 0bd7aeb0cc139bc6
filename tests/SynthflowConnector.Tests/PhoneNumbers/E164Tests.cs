using SynthflowConnector.PhoneNumbers;

namespace SynthflowConnector.Tests.PhoneNumbers;

public sealed class E164Tests
{
    [Theory]
    [InlineData("+14155550101", true)]
    [InlineData("+447700900123", true)]
    [InlineData("+1234567", true)]
    [InlineData("+123456789012345", true)]
    [InlineData("+1234567890123456", false)]
    [InlineData("+123456", false)]
    [InlineData("14155550101", false)]
    [InlineData("+04155550101", false)]
    [InlineData("+1 415 555 0101", false)]
    [InlineData("", false)]
    [InlineData(null, false)]
    public void IsValid_follows_E164(string? number, bool valid) => Assert.Equal(valid, E164.IsValid(number));

    [Theory]
    [InlineData("+14155550101", "+1415*****01")]
    [InlineData("14155550101", "1415*****01")]
    [InlineData("+447700900123", "+4477******23")]
    [InlineData("not-a-number", "***")]
    [InlineData("", "(none)")]
    public void Mask_keeps_prefix_and_last_two_digits(string number, string masked) => Assert.Equal(masked, E164.Mask(number));
}
