using Momentum.Kernels;
using Momentum.Optimizers;
using Momentum.Training;

namespace Momentum.Properties;

/// <summary>
/// Large minibatches: the gradient is summed in parts fixed by the minibatch's shape, and a <see cref="GradientTeam"/>
/// shares the parts between threads without changing a bit.
/// </summary>
public class GradientTeamProperties
{
    [Property(MaxTest = 500)]
    public Property The_parts_of_a_minibatch_cover_its_rows_in_order_in_blocks_of_four() =>
        Prop.ForAll(Gen.Choose(1, 2000).ToArbitrary(), Gen.Choose(1, 400).ToArbitrary(), (batch, features) =>
        {
            var parts = RegressionKernel.Parts(batch, features);
            var ranges = Enumerable.Range(0, parts).Select(k => RegressionKernel.Part(batch, parts, k).GetOffsetAndLength(batch)).ToList();
            var contiguous = ranges.Select((r, k) => r.Offset == (k == 0 ? 0 : ranges[k - 1].Offset + ranges[k - 1].Length)).All(x => x);
            var covered = ranges[^1].Offset + ranges[^1].Length == batch;
            var nonEmpty = ranges.All(r => r.Length > 0);
            var blocks = ranges.SkipLast(1).All(r => r.Length % 4 == 0);
            var split = parts > 1 == ((long)batch * features >= 2 * RegressionKernel.PartWork && batch >= 8);
            return (parts is >= 1 and <= RegressionKernel.MaxParts && contiguous && covered && nonEmpty && blocks && split)
                .Label($"{parts} parts: {string.Join(", ", ranges)}");
        });

    public sealed record TeamCase(int Rows, int Features, int BatchSize, int Epochs, int Seed, int Threads, int RecordEvery, bool Nesterov)
    {
        public override string ToString() =>
            $"{Rows}×{Features}, batch {BatchSize} ({RegressionKernel.Parts(BatchSize, Features)} parts), {Epochs} epochs, {Threads} threads";
    }

    private static readonly Arbitrary<TeamCase> Teams =
        (from features in Gen.Choose(30, 600)
         from batch in Gen.Choose(8, 300)
         from rows in Gen.Choose(batch, 3 * batch + 50)
         from epochs in Gen.Choose(1, 2)
         from seed in Gen.Choose(0, 1000)
         from threads in Gen.Choose(2, 5)
         from every in Gen.Choose(1, 500)
         from nesterov in Gen.Elements(false, true)
         select new TeamCase(rows, features, batch, epochs, seed, threads, every, nesterov)).ToArbitrary();

    [Property(MaxTest = 60)]
    public Property A_team_of_any_size_trains_the_same_bits_as_one_thread() =>
        Prop.ForAll(Teams, c =>
        {
            var data = Dataset<float>.FromTable(Standardization.Standardize(SyntheticData.LinearRegression(c.Rows, c.Features, c.Seed)).Table, c.Features);
            var options = new LegacyTrainingOptions(new SgdOptions(0.01, 0.9, Nesterov: c.Nesterov), c.BatchSize, c.Epochs, c.Seed, c.RecordEvery);
            var alone = LegacyTrainer.Train(data, options).Final;
            using var team = new GradientTeam(c.Threads);
            var state = LegacyTrainer.Init(data, options);
            while (!LegacyTrainer.IsFinished(options, state)) state = LegacyTrainer.Advance(data, options, state, team: team);
            return SameBits(state, alone).Label($"{state.Optimizer.Parameters[0]:R} vs {alone.Optimizer.Parameters[0]:R}");
        });

    [Fact]
    public void A_last_minibatch_with_more_parts_than_a_full_one_trains_on_a_team()
    {
        // 196 rows in batches of 100: the full minibatch has 5 parts, the last one (96 rows) 6.
        Assert.True(RegressionKernel.Parts(96, 256) > RegressionKernel.Parts(100, 256));
        var data = Dataset<float>.FromTable(Standardization.Standardize(SyntheticData.LinearRegression(196, 256, 3)).Table, 256);
        var options = new LegacyTrainingOptions(SgdOptions.HeavyBall(0.001, 0.9), 100, 3, 3, 50);
        var alone = LegacyTrainer.Train(data, options).Final;
        using var team = new GradientTeam(4);
        var state = LegacyTrainer.Init(data, options);
        while (!LegacyTrainer.IsFinished(options, state)) state = LegacyTrainer.Advance(data, options, state, team: team);
        Assert.True(SameBits(state, alone));
    }

    private static bool SameBits(LegacyTrainingState<float> a, LegacyTrainingState<float> b) =>
        a.Equals(b)
        && System.Runtime.InteropServices.MemoryMarshal.AsBytes(a.Optimizer.Parameters.AsSpan()).SequenceEqual(System.Runtime.InteropServices.MemoryMarshal.AsBytes(b.Optimizer.Parameters.AsSpan()))
        && System.Runtime.InteropServices.MemoryMarshal.AsBytes(a.Optimizer.Velocity.AsSpan()).SequenceEqual(System.Runtime.InteropServices.MemoryMarshal.AsBytes(b.Optimizer.Velocity.AsSpan()));

    [Fact]
    public async Task Helpers_that_fell_asleep_wake_for_the_next_step_and_stop_when_disposed()
    {
        var team = new GradientTeam(3);
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
        using var team = new GradientTeam(2);
        var e = Assert.Throws<AggregateException>(() => team.Run(t => throw new InvalidOperationException($"part {t}")));
        Assert.Equal(["part 0", "part 1"], e.InnerExceptions.Select(x => x.Message).Order());
        var seen = new int[2];
        team.Run(t => seen[t]++);
        Assert.Equal([1, 1], seen);
    }

    [Fact]
    public void A_team_rethrows_what_fails_on_a_helper_and_keeps_working()
    {
        using var team = new GradientTeam(3);
        var e = Assert.Throws<AggregateException>(() => team.Run(t => { if (t == 2) throw new InvalidOperationException("helper"); }));
        Assert.IsType<InvalidOperationException>(e.InnerException);
        var seen = new int[3];
        team.Run(t => seen[t]++);
        Assert.Equal([1, 1, 1], seen);
    }

    [Fact]
    public void A_failure_on_the_calling_thread_waits_for_the_helpers_before_it_is_rethrown()
    {
        using var team = new GradientTeam(2);
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
        var team = new GradientTeam(2);
        team.Dispose();
        team.Dispose();
        Assert.Throws<ObjectDisposedException>(() => team.Run(_ => { }));
    }
}
