using Momentum.Kernels;
using Momentum.Optimizers;
using Momentum.Problems;
using Momentum.Training;

namespace Momentum.Properties;

/// <summary>
/// Large minibatches: the gradient is summed in parts fixed by the minibatch's shape, and any <see cref="IWorkerTeam"/>
/// the shell lends shares the parts between threads without changing a bit. (The shell's team itself is tested with the
/// shell: tests/EndToEnd/WorkerTeamTests.cs.)
/// </summary>
public class RegressionPartsProperties
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
            var options = new TrainingOptions(new Sgd(0.01, 0.9, nesterov: c.Nesterov), c.BatchSize, c.Epochs, c.Seed, c.RecordEvery);
            var start = RegressionObjective<float>.InitialParameters(c.Features, c.Seed);
            var alone = Trainer.Train(new RegressionObjective<float>(data), options, start);
            var shared = Trainer.Train(new RegressionObjective<float>(data, team: new ParallelProperties.ThreadTeam(c.Threads)), options, start);
            return SameBits(shared.Final, alone.Final).Label($"{shared.Final.Parameters[0]:R} vs {alone.Final.Parameters[0]:R}");
        });

    [Fact]
    public void A_last_minibatch_with_more_parts_than_a_full_one_trains_on_a_team()
    {
        // 196 rows in batches of 100: the full minibatch has 5 parts, the last one (96 rows) 6.
        Assert.True(RegressionKernel.Parts(96, 256) > RegressionKernel.Parts(100, 256));
        var data = Dataset<float>.FromTable(Standardization.Standardize(SyntheticData.LinearRegression(196, 256, 3)).Table, 256);
        var options = new TrainingOptions(Optimizer.Sgd(0.001, 0.9), 100, 3, 3, 50);
        var start = RegressionObjective<float>.InitialParameters(256, 3);
        var alone = Trainer.Train(new RegressionObjective<float>(data), options, start);
        var shared = Trainer.Train(new RegressionObjective<float>(data, team: new ParallelProperties.ThreadTeam(4)), options, start);
        Assert.True(SameBits(shared.Final, alone.Final));
    }

    private static bool SameBits(TrainingState<float> a, TrainingState<float> b) =>
        a.Equals(b)
        && System.Runtime.InteropServices.MemoryMarshal.AsBytes(a.Parameters.AsSpan()).SequenceEqual(System.Runtime.InteropServices.MemoryMarshal.AsBytes(b.Parameters.AsSpan()))
        && System.Runtime.InteropServices.MemoryMarshal.AsBytes(a.Optimizer.Transform.Vectors.AsSpan()).SequenceEqual(System.Runtime.InteropServices.MemoryMarshal.AsBytes(b.Optimizer.Transform.Vectors.AsSpan()));

}
