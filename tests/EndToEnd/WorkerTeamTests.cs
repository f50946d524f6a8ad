using Momentum.Runner.Execution;

namespace Momentum.EndToEnd;

/// <summary>
/// The shell's <see cref="WorkerTeam"/>, the threads it lends Core (<see cref="Momentum.Training.IWorkerTeam"/>): helpers
/// that sleep wake for the next job, failures on any thread are reported, and a disposed team refuses work.
/// </summary>
public sealed class WorkerTeamTests
{
    [Fact]
    public async Task Helpers_that_fell_asleep_wake_for_the_next_step_and_stop_when_disposed()
    {
        var team = new WorkerTeam(3);
        var seen = new int[3];
        team.Run(t => seen[t]++);
        Thread.Sleep(100); // far beyond the spins before sleeping
        team.Run(t => seen[t]++);
        Assert.Equal([2, 2, 2], seen);
        Thread.Sleep(100);
        // Dispose joins the helpers; a lost wake-up would hang it.
        await Task.Run(team.Dispose).WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public void When_the_caller_and_a_helper_both_fail_both_are_reported_once()
    {
        using var team = new WorkerTeam(2);
        var e = Assert.Throws<AggregateException>(() => team.Run(t => throw new InvalidOperationException($"part {t}")));
        Assert.Equal(["part 0", "part 1"], e.InnerExceptions.Select(x => x.Message).Order());
        var seen = new int[2];
        team.Run(t => seen[t]++);
        Assert.Equal([1, 1], seen);
    }

    [Fact]
    public void A_team_rethrows_what_fails_on_a_helper_and_keeps_working()
    {
        using var team = new WorkerTeam(3);
        var e = Assert.Throws<AggregateException>(() => team.Run(t => { if (t == 2) throw new InvalidOperationException("helper"); }));
        Assert.IsType<InvalidOperationException>(e.InnerException);
        var seen = new int[3];
        team.Run(t => seen[t]++);
        Assert.Equal([1, 1, 1], seen);
    }

    [Fact]
    public void A_failure_on_the_calling_thread_waits_for_the_helpers_before_it_is_rethrown()
    {
        using var team = new WorkerTeam(2);
        var helperFinished = false;
        Assert.Throws<InvalidOperationException>(() => team.Run(t =>
        {
            if (t == 0) throw new InvalidOperationException("caller");
            Thread.Sleep(50);
            Volatile.Write(ref helperFinished, true);
        }));
        Assert.True(Volatile.Read(ref helperFinished));
    }

    [Fact]
    public void A_disposed_team_refuses_work()
    {
        var team = new WorkerTeam(2);
        team.Dispose();
        team.Dispose();
        Assert.Throws<ObjectDisposedException>(() => team.Run(_ => { }));
    }
}
