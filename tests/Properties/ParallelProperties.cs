using Momentum.Optimizers;
using Momentum.Testing;
using Momentum.Training;

namespace Momentum.Properties;

/// <summary>Work cut by Core into parts of its shape gives the same bits whoever runs the parts.</summary>
public class ParallelProperties
{
    /// <summary>A team of real threads (the test's, not Core's): worker 0 on the caller, the others on the thread pool.</summary>
    internal sealed class ThreadTeam(int workers) : IWorkerTeam
    {
        public int Workers => workers;

        public void Run(Action<int> work) => Parallel.For(0, workers, new ParallelOptions { MaxDegreeOfParallelism = workers }, work);
    }

    [Property(MaxTest = 100)]
    public Property The_parallel_Sgd_step_equals_the_sequential_step_for_any_number_of_workers() =>
        Prop.ForAll(Generators.TorchSgd.ToArbitrary(), Gen.Choose(1, 6).ToArbitrary(), Gen.Frequency((3, Gen.Choose(16_000, 80_000)), (1, Gen.Choose(0, 100))).ToArbitrary(), (sgd, workers, n) =>
        {
            var random = new Random(n);
            var start = Enumerable.Range(0, n).Select(_ => (float)(random.NextDouble() - 0.5)).ToArray();
            var gradients = Enumerable.Range(0, 3).Select(_ => Enumerable.Range(0, n).Select(_ => (float)(random.NextDouble() - 0.5)).ToArray()).ToArray();
            var (x, trace, scalars) = ((float[])start.Clone(), new float[n], new double[1]);
            var (px, ptrace, pscalars) = ((float[])start.Clone(), new float[n], new double[1]);
            var team = new ThreadTeam(workers);
            for (var t = 0; t < gradients.Length; t++)
            {
                sgd.Step<float>((float[])gradients[t].Clone(), new StateBuffers<float>(trace, scalars, n), x, t);
                sgd.StepParallel<float>(gradients[t], ptrace, pscalars, px, t, team);
            }
            return x.SequenceEqual(px) && trace.SequenceEqual(ptrace) && scalars.SequenceEqual(pscalars);
        });

    [Property(MaxTest = 10)]
    public Property The_moments_are_the_same_bits_whoever_sums_their_parts() =>
        Prop.ForAll(Gen.Choose(2 * 16384, 5 * 16384).ToArbitrary(), Gen.Choose(2, 4).ToArbitrary(), (rows, workers) =>
        {
            var data = TrainerProperties.RandomData<float>(rows, 7, rows);
            var alone = Momentum.Problems.RegressionMoments.Of(data);
            var shared = Momentum.Problems.RegressionMoments.Of(data, new ThreadTeam(workers));
            var p = 8;
            return Enumerable.Range(0, p * p).All(k => alone[k / p, k % p].Equals(shared[k / p, k % p]))
                && alone.C.SequenceEqual(shared.C) && alone.S.Equals(shared.S);
        });
}
