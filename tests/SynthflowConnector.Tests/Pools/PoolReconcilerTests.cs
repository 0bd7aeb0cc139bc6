using System.Net;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Moq;
using SynthflowConnector.Agents;
using SynthflowConnector.Calls;
using SynthflowConnector.Pools;
using SynthflowConnector.Synthflow;
using SynthflowConnector.Tests.Infrastructure;

namespace SynthflowConnector.Tests.Pools;

/// <summary>
/// The reconciler and the store on Azurite, with Synthflow as a mock where a test needs to act between two requests
/// (the seam a real sandbox cannot give deterministically).
/// </summary>
[Collection("Azurite")]
public sealed class PoolReconcilerTests(AzuriteFixture azurite)
{
    private const string Agent = "agent-x";
    private const string A = "+14155550101";
    private const string B = "+12125550102";
    private const string C = "+13125550103";
    private const string SlugB = "12125550102";
    private const string SlugC = "13125550103";

    private TablePoolStore Store(int pageSize = 200) => new(
        azurite.CreateConnectorTables(),
        Options.Create(new PoolsOptions { TableName = AzuriteFixture.UniqueTableName() }))
    {
        PageSize = pageSize,
    };

    private static PoolReconciler Reconciler(IPoolStore store, ISynthflowClient client, int maxDetach = 5) => new(
        store,
        client,
        new AttachedNumbersCache(Options.Create(new CallsOptions()), TimeProvider.System),
        Options.Create(new ReconcileOptions { MaxDetachPerRun = maxDetach }),
        TimeProvider.System,
        NullLogger<PoolReconciler>.Instance);

    private static SynthflowAgent AgentWith(params string[] numbers) => new()
    {
        ModelId = Agent,
        Type = AgentTypes.Outbound,
        AttachedPhoneNumbers = [.. numbers.Select(n => new AttachedPhoneNumber { Number = n, Slug = n[1..] })],
    };

    private static DesiredPool Pool(params string[] numbers) => new() { ModelId = Agent, PhoneNumbers = numbers, UpdatedAt = DateTimeOffset.UtcNow };

    [Fact]
    public async Task A_pool_edited_during_the_reconcile_is_not_applied_in_its_stale_version()
    {
        var store = Store();
        await store.SetDesiredAsync(Pool(A), PoolWriteCondition.None, CancellationToken.None);
        var client = new Mock<ISynthflowClient>(MockBehavior.Strict);
        var reads = 0;
        client.Setup(c => c.GetAgentAsync(Agent, It.IsAny<CancellationToken>())).Returns(async (string _, CancellationToken ct) =>
        {
            // Right after the reconcile's first read, a user adds B to the pool: B must not be detached.
            if (Interlocked.Increment(ref reads) == 1)
            {
                await store.SetDesiredAsync(Pool(A, B), PoolWriteCondition.None, ct);
            }

            return AgentWith(A, B);
        });

        var result = await Reconciler(store, client.Object).ReconcileAsync(Agent, force: false, CancellationToken.None);

        Assert.Equal(PoolOutcomes.InSync, result!.Outcome);
        Assert.Equal(2, reads); // planned from v1, saw the change before the DELETE, started over from v2
        client.Verify(c => c.DetachPhoneNumberAsync(It.IsAny<string>(), It.IsAny<string>(), It.IsAny<CancellationToken>()), Times.Never);
    }

    [Fact]
    public async Task A_DELETE_answered_404_is_another_reconciles_work_not_a_failure_and_not_counted()
    {
        var store = Store();
        await store.SetDesiredAsync(Pool(A), PoolWriteCondition.None, CancellationToken.None);
        var client = new Mock<ISynthflowClient>(MockBehavior.Strict);
        client.SetupSequence(c => c.GetAgentAsync(Agent, It.IsAny<CancellationToken>()))
            .ReturnsAsync(AgentWith(A, B, C))
            .ReturnsAsync(AgentWith(A));
        client.Setup(c => c.DetachPhoneNumberAsync(Agent, SlugB, It.IsAny<CancellationToken>())).Returns(Task.CompletedTask);
        client.Setup(c => c.DetachPhoneNumberAsync(Agent, SlugC, It.IsAny<CancellationToken>())).ThrowsAsync(Error(HttpStatusCode.NotFound));

        var result = await Reconciler(store, client.Object).ReconcileAsync(Agent, force: false, CancellationToken.None);

        Assert.Equal(PoolOutcomes.Applied, result!.Outcome);
        Assert.Equal([B], result.Detached);
        Assert.Equal(4, result.UpstreamCalls);
        Assert.Null(result.Error);
    }

    [Fact]
    public async Task A_failed_DELETE_does_not_stop_the_others_and_the_verify_read_decides()
    {
        var store = Store();
        await store.SetDesiredAsync(Pool(A), PoolWriteCondition.None, CancellationToken.None);
        var client = new Mock<ISynthflowClient>(MockBehavior.Strict);
        client.SetupSequence(c => c.GetAgentAsync(Agent, It.IsAny<CancellationToken>()))
            .ReturnsAsync(AgentWith(A, B, C))
            .ReturnsAsync(AgentWith(A, B));
        client.Setup(c => c.DetachPhoneNumberAsync(Agent, SlugB, It.IsAny<CancellationToken>())).ThrowsAsync(Error(HttpStatusCode.ServiceUnavailable));
        client.Setup(c => c.DetachPhoneNumberAsync(Agent, SlugC, It.IsAny<CancellationToken>())).Returns(Task.CompletedTask);

        var result = await Reconciler(store, client.Object).ReconcileAsync(Agent, force: false, CancellationToken.None);

        Assert.Equal(PoolOutcomes.Failed, result!.Outcome);
        Assert.Equal([C], result.Detached);
        Assert.Equal([B], result.Remaining.Detach);
        Assert.Empty(result.Remaining.Attach);
        Assert.Contains("503", result.Error, StringComparison.Ordinal);
        Assert.Equal(1, result.ConsecutiveFailures);
        Assert.Equal(PoolOutcomes.Failed, (await store.GetAsync(Agent, CancellationToken.None))!.Status!.Outcome);
    }

    [Fact]
    public async Task A_PUT_whose_effect_does_not_show_is_reported_failed_with_what_remains()
    {
        var store = Store();
        await store.SetDesiredAsync(Pool(A, B), PoolWriteCondition.None, CancellationToken.None);
        var client = new Mock<ISynthflowClient>(MockBehavior.Strict);
        client.Setup(c => c.GetAgentAsync(Agent, It.IsAny<CancellationToken>())).ReturnsAsync(AgentWith(A));
        client.Setup(c => c.AttachPhoneNumbersAsync(Agent, It.IsAny<AttachPhoneNumbers>(), It.IsAny<CancellationToken>())).Returns(Task.CompletedTask);

        var result = await Reconciler(store, client.Object).ReconcileAsync(Agent, force: false, CancellationToken.None);

        Assert.Equal(PoolOutcomes.Failed, result!.Outcome);
        Assert.Equal([B], result.Remaining.Attach);
        Assert.Empty(result.Attached);
        Assert.Contains("1 missing", result.Error, StringComparison.Ordinal);
        client.Verify(c => c.AttachPhoneNumbersAsync(Agent, It.Is<AttachPhoneNumbers>(a => a.Values.SequenceEqual(new[] { B, A })), It.IsAny<CancellationToken>()), Times.Once);
    }

    [Fact]
    public async Task Overlapping_status_writes_lose_no_failure_count()
    {
        var store = Store();
        await store.SetDesiredAsync(Pool(A), PoolWriteCondition.None, CancellationToken.None);

        await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => store.RecordStatusAsync(
            Agent,
            previous => new PoolStatus { At = DateTimeOffset.UtcNow, Outcome = PoolOutcomes.Failed, ConsecutiveFailures = (previous?.ConsecutiveFailures ?? 0) + 1 },
            CancellationToken.None)));

        Assert.Equal(10, (await store.GetAsync(Agent, CancellationToken.None))!.Status!.ConsecutiveFailures);
    }

    [Fact]
    public async Task The_list_joins_each_pool_with_its_status_across_pages()
    {
        var store = Store(pageSize: 4);
        for (var i = 0; i < 25; i++)
        {
            await store.SetDesiredAsync(Pool(A) with { ModelId = $"agent-{i:D2}" }, PoolWriteCondition.None, CancellationToken.None);
            if (i % 3 == 0)
            {
                await store.RecordStatusAsync($"agent-{i:D2}", _ => new PoolStatus { At = DateTimeOffset.UtcNow, Outcome = PoolOutcomes.InSync, ConsecutiveFailures = i }, CancellationToken.None);
            }
        }

        // A status row left by a pool deleted mid-run is not a pool.
        await store.RecordStatusAsync("agent-orphan", _ => new PoolStatus { At = DateTimeOffset.UtcNow, Outcome = PoolOutcomes.Failed }, CancellationToken.None);

        var pools = new List<PoolRecord>();
        await foreach (var pool in store.ListAsync(CancellationToken.None))
        {
            pools.Add(pool);
        }

        Assert.Equal(25, pools.Count);
        Assert.All(pools, pool =>
        {
            var i = int.Parse(pool.ModelId[6..], System.Globalization.CultureInfo.InvariantCulture);
            Assert.Equal(i % 3 == 0, pool.Status is not null);
            Assert.Equal(i % 3 == 0 ? i : 0, pool.Status?.ConsecutiveFailures ?? 0);
            Assert.Equal([A], pool.Desired.PhoneNumbers);
        });
    }

    [Fact]
    public async Task Reconcile_of_an_unmanaged_agent_is_null_and_touches_nothing()
    {
        var client = new Mock<ISynthflowClient>(MockBehavior.Strict);

        Assert.Null(await Reconciler(Store(), client.Object).ReconcileAsync(Agent, force: false, CancellationToken.None));
        Assert.Null(await Reconciler(Store(), client.Object).PlanAsync(Agent, force: false, CancellationToken.None));
    }

    private static SynthflowApiException Error(HttpStatusCode status) =>
        SynthflowApiException.FromResponse("detach-phone-number-from-assistant", status, """{"detail":{"description":"nope"}}"""u8, retryAfter: null);
}
