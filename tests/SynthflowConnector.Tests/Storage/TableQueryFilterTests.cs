using SynthflowConnector.Storage;

namespace SynthflowConnector.Tests.Storage;

public sealed class TableQueryFilterTests
{
    [Fact]
    public void Strings_are_quoted_with_embedded_quotes_doubled()
    {
        string filter = TableClient.CreateQueryFilter($"PartitionKey eq {"O'Brien"} and Name ne {"' or true or '"}");

        Assert.Equal("PartitionKey eq 'O''Brien' and Name ne ''' or true or '''", filter);
    }

    [Fact]
    public void Every_supported_type_becomes_its_OData_literal()
    {
        var id = Guid.Parse("0f8fad5b-d9cb-469f-a165-70867728950e");
        var when = new DateTimeOffset(2024, 1, 2, 3, 4, 5, TimeSpan.FromHours(1)).AddTicks(1234567);
        var unspecified = new DateTime(2024, 1, 2, 3, 4, 5, DateTimeKind.Unspecified);

        string filter = TableClient.CreateQueryFilter(
            $"a eq {when} and b eq {id} and c eq {true} and d eq {5_000_000_000L} and e eq {-7} and f eq {2.5} and g eq {3.0} and h eq {unspecified} and i eq {CallState.InCall} and j eq {(string?)null} and k eq {new byte[] { 0xAB, 0x01 }}");

        Assert.Equal(
            "a eq datetime'2024-01-02T02:04:05.1234567Z' and b eq guid'0f8fad5b-d9cb-469f-a165-70867728950e' and c eq true and d eq 5000000000L "
            + "and e eq -7 and f eq 2.5 and g eq 3.0 and h eq datetime'2024-01-02T03:04:05.0000000Z' and i eq 'InCall' and j eq null and k eq X'ab01'",
            filter);
    }

    [Fact]
    public void Unsupported_values_are_refused_rather_than_formatted_unsafely()
    {
        Assert.Throws<NotSupportedException>(() => TableClient.CreateQueryFilter($"a eq {new object()}"));
        Assert.Throws<NotSupportedException>(() => TableClient.CreateQueryFilter($"a eq {double.NaN}"));
    }
}
