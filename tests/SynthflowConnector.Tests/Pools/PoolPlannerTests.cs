using SynthflowConnector.Pools;

namespace SynthflowConnector.Tests.Pools;

/// <summary>The planner is a pure function: every combination of mode, diff, pause, guard and force.</summary>
public sealed class PoolPlannerTests
{
    private const string A = "+14155550101";
    private const string B = "+12125550102";
    private const string C = "+13125550103";
    private const string D = "+447700900123";

    private static DesiredPool Pool(PoolMode mode, bool paused = false, params string[] numbers) => new()
    {
        ModelId = "agent",
        PhoneNumbers = numbers,
        Mode = mode,
        Paused = paused,
    };

    public static TheoryData<PoolMode, string[], string[], string[], string[], string[]> Cases => new()
    {
        // mode, desired, actual, attach, detach, target (the PUT body)
        { PoolMode.Exact, [A, B], [A, B], [], [], [A, B] },
        { PoolMode.Exact, [A, B, C], [A], [C, B], [], [C, B, A] },
        { PoolMode.Exact, [A], [A, B, C], [], [C, B], [A] },
        { PoolMode.Exact, [A, D], [A, B], [D], [B], [A, D] },
        { PoolMode.Exact, [], [A, B], [], [B, A], [] },
        { PoolMode.Exact, [], [], [], [], [] },
        { PoolMode.Exact, [A, B], [], [B, A], [], [B, A] },
        { PoolMode.Additive, [A, B], [A, B], [], [], [A, B] },
        { PoolMode.Additive, [A, B], [A], [B], [], [B, A] },
        { PoolMode.Additive, [A], [A, C], [], [], [A, C] },
        { PoolMode.Additive, [A, D], [A, B], [D], [], [B, A, D] },
        { PoolMode.Additive, [], [A, B], [], [], [B, A] },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Plans_missing_and_extra_numbers_by_mode(PoolMode mode, string[] desired, string[] actual, string[] attach, string[] detach, string[] target)
    {
        var plan = PoolPlanner.Plan(Pool(mode, false, desired), actual, maxDetach: 10, force: false);

        Assert.Equal(Sorted(attach), plan.Attach);
        Assert.Equal(Sorted(detach), plan.Detach);
        Assert.Equal(Sorted(target), plan.Target);
        Assert.Equal(attach.Length == 0 && detach.Length == 0, plan.InSync);
        Assert.False(plan.Blocked);
        Assert.Null(plan.BlockedReason);
    }

    [Fact]
    public void Duplicates_on_either_side_are_ignored()
    {
        var plan = PoolPlanner.Plan(Pool(PoolMode.Exact, false, A, A, B), [B, B, C, C], maxDetach: 10, force: false);

        Assert.Equal([A], plan.Attach);
        Assert.Equal([C], plan.Detach);
        Assert.Equal(Sorted([A, B]), plan.Target);
    }

    [Fact]
    public void The_additive_target_keeps_every_attached_number_so_a_replacing_PUT_drops_nothing()
    {
        var plan = PoolPlanner.Plan(Pool(PoolMode.Additive, false, D), [A, B, C], maxDetach: 0, force: false);

        Assert.Equal(Sorted([A, B, C, D]), plan.Target);
        Assert.Empty(plan.Detach);
        Assert.False(plan.Blocked);
    }

    [Theory]
    [InlineData(2, false, false)]
    [InlineData(3, false, false)]
    [InlineData(4, false, true)] // one over the guard
    [InlineData(4, true, false)] // forced
    public void The_guard_blocks_plans_detaching_more_than_the_limit_unless_forced(int extras, bool force, bool blocked)
    {
        var actual = new[] { A, B, C, D }.Take(extras).ToArray();

        var plan = PoolPlanner.Plan(Pool(PoolMode.Exact, false), actual, maxDetach: 3, force);

        Assert.Equal(extras, plan.Detach.Count);
        Assert.Equal(blocked, plan.Blocked);
        if (blocked)
        {
            Assert.Contains("Reconcile__MaxDetachPerRun (3)", plan.BlockedReason, StringComparison.Ordinal);
            Assert.Contains("force=true", plan.BlockedReason, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Empty_desired_in_exact_mode_detaches_everything_subject_to_the_guard()
    {
        var allowed = PoolPlanner.Plan(Pool(PoolMode.Exact, false), [A, B], maxDetach: 2, force: false);
        var guarded = PoolPlanner.Plan(Pool(PoolMode.Exact, false), [A, B], maxDetach: 1, force: false);

        Assert.Equal(Sorted([A, B]), allowed.Detach);
        Assert.Empty(allowed.Target);
        Assert.False(allowed.Blocked);
        Assert.True(guarded.Blocked);
    }

    [Fact]
    public void A_zero_limit_blocks_any_detach_but_never_an_attach()
    {
        var attachOnly = PoolPlanner.Plan(Pool(PoolMode.Exact, false, A, B), [A], maxDetach: 0, force: false);
        var detach = PoolPlanner.Plan(Pool(PoolMode.Exact, false, A), [A, B], maxDetach: 0, force: false);

        Assert.False(attachOnly.Blocked);
        Assert.True(detach.Blocked);
    }

    [Fact]
    public void A_paused_pool_with_work_is_blocked_even_when_forced_and_shows_the_diff()
    {
        var plan = PoolPlanner.Plan(Pool(PoolMode.Exact, true, A, C), [A, B], maxDetach: 10, force: true);

        Assert.True(plan.Blocked);
        Assert.Contains("paused", plan.BlockedReason, StringComparison.Ordinal);
        Assert.Equal([C], plan.Attach);
        Assert.Equal([B], plan.Detach);
    }

    [Fact]
    public void An_in_sync_pool_is_never_blocked_paused_or_not()
    {
        var paused = PoolPlanner.Plan(Pool(PoolMode.Exact, true, A), [A], maxDetach: 0, force: false);

        Assert.True(paused.InSync);
        Assert.False(paused.Blocked);
        Assert.True(paused.Diff.IsEmpty);
    }

    [Fact]
    public void Bad_arguments_are_refused()
    {
        Assert.Throws<ArgumentNullException>(() => PoolPlanner.Plan(null!, [], 1, false));
        Assert.Throws<ArgumentNullException>(() => PoolPlanner.Plan(Pool(PoolMode.Exact), null!, 1, false));
        Assert.Throws<ArgumentOutOfRangeException>(() => PoolPlanner.Plan(Pool(PoolMode.Exact), [], -1, false));
    }

    private static string[] Sorted(string[] numbers) => [.. numbers.Order(StringComparer.Ordinal)];
}
