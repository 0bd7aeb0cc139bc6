using Azure;
using Azure.Identity;
using SynthflowConnector.Storage;

namespace SynthflowConnector.Tests.Storage;

/// <summary>What each storage failure becomes at the adapter boundary (the stores' own cases run on Azurite).</summary>
public sealed class StorageFaultsTests
{
    [Theory]
    [InlineData(500, "InternalError")]
    [InlineData(503, "ServerBusy")]
    [InlineData(403, "AuthorizationFailure")]
    [InlineData(404, "TableNotFound")]
    public async Task A_failing_service_is_StoreUnavailable_with_its_status(int status, string code)
    {
        var error = await Assert.ThrowsAsync<StoreUnavailableException>(
            () => StorageFaults.RunAsync(() => Task.FromException(new RequestFailedException(status, "failed", code, null))));

        Assert.Equal(status, error.Status);
        Assert.Equal($"Table storage answered {status} ({code}).", error.Message);
        Assert.IsType<RequestFailedException>(error.InnerException);
    }

    [Theory]
    [InlineData(409, "EntityAlreadyExists")]
    [InlineData(412, "UpdateConditionNotSatisfied")]
    public async Task A_conflict_no_store_expected_is_StoreContention(int status, string code)
    {
        await Assert.ThrowsAsync<StoreContentionException>(
            () => StorageFaults.RunAsync(() => Task.FromException(new RequestFailedException(status, "conflict", code, null))));
    }

    [Fact]
    public async Task An_identity_that_gets_no_token_is_StoreUnavailable()
    {
        var error = await Assert.ThrowsAsync<StoreUnavailableException>(
            () => StorageFaults.RunAsync(() => Task.FromException(new CredentialUnavailableException("no managed identity endpoint"))));

        Assert.Null(error.Status);
        Assert.Contains("identity", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Retries_that_all_went_unanswered_are_StoreUnavailable()
    {
        // What the SDK throws when every try hit its network timeout or lost its connection.
        var unanswered = new AggregateException(
            "Retry failed after 3 tries.",
            new TaskCanceledException("The operation was cancelled because it exceeded the configured timeout of 0:00:10."),
            new IOException("Unable to read data from the transport connection."),
            new RequestFailedException("Connection refused (127.0.0.1:10001)"));

        var error = await Assert.ThrowsAsync<StoreUnavailableException>(
            () => StorageFaults.RunAsync(() => Task.FromException(unanswered), StorageFaults.QueueService));

        Assert.Null(error.Status);
        Assert.Equal("Queue storage did not answer (3 tries).", error.Message);
        Assert.Same(unanswered, error.InnerException);
    }

    [Fact]
    public async Task An_aggregate_of_anything_else_is_not_called_a_storage_outage()
    {
        var bug = new AggregateException(new InvalidOperationException("a bug"));

        Assert.Same(bug, await Assert.ThrowsAsync<AggregateException>(() => StorageFaults.RunAsync(() => Task.FromException(bug))));
    }

    [Fact]
    public async Task A_paged_read_failing_on_a_later_page_is_translated_after_the_items_already_read()
    {
        var read = new List<int>();

        await Assert.ThrowsAsync<StoreUnavailableException>(async () =>
        {
            await foreach (var item in StorageFaults.RunAsync(FailsAfterTwo()))
            {
                read.Add(item);
            }
        });

        Assert.Equal([1, 2], read);
    }

    [Fact]
    public async Task Cancellation_is_not_a_storage_failure()
    {
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(
            () => StorageFaults.RunAsync(() => Task.FromCanceled(cancelled.Token)));
    }

    private static async IAsyncEnumerable<int> FailsAfterTwo()
    {
        yield return 1;
        yield return 2;
        await Task.Yield();
        throw new RequestFailedException(0, "Connection refused");
    }
}
