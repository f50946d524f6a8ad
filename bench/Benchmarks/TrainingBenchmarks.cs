using BenchmarkDotNet.Attributes;
using Momentum.Optimizers;
using Momentum.Problems;
using Momentum.Runner.Data;
using Momentum.Runner.Execution;
using Momentum.Runner.Verbs;
using Momentum.Training;

namespace Momentum.Benchmarks;

/// <summary>
/// Training as the book measures it: one epoch of minibatch momentum on the airfoil data (AIRFOIL_DATA, else a
/// synthetic set of the same shape) and one epoch of the large synthetic problem.
/// </summary>
[MemoryDiagnoser]
public class TrainingBenchmarks
{
    private Dataset<float> airfoil = null!;
    private Dataset<float> large = null!;
    private RegressionObjective<float> airfoilObjective = null!, largeObjective = null!, largeShared = null!;
    private TrainingOptions airfoilOptions = null!, largeOptions = null!;
    private TrainingState<float> airfoilStart = null!, largeStart = null!;
    private WorkerTeam? team;

    [GlobalSetup]
    public void Setup()
    {
        var path = Environment.GetEnvironmentVariable("AIRFOIL_DATA");
        var table = path is { Length: > 0 } && File.Exists(path)
            ? DataFile.Read(path).Table
            : SyntheticData.LinearRegression(1503, 5, 0);
        Console.WriteLine(path is { Length: > 0 } && File.Exists(path) ? $"// airfoil data: {path}" : "// airfoil data: synthetic 1503x5 (AIRFOIL_DATA unset)");
        airfoil = Dataset<float>.FromTable(Standardization.Standardize(table).Table, 5, 1500);
        airfoilObjective = new RegressionObjective<float>(airfoil);
        airfoilOptions = new TrainingOptions(Optimizer.Sgd(0.01, 0.9), 10, 1, RecordEvery: int.MaxValue);
        airfoilStart = Trainer.Init(airfoilObjective, airfoilOptions, RegressionObjective<float>.InitialParameters(5, 0));

        // In memory as `train` keeps a large set (huge pages where the system grants them).
        large = Dataset<float>.FromTable(Standardization.Standardize(SyntheticData.LinearRegression(1_000_000, 100, 0)).Table, 100,
            allocate: LargeArrays.Allocate<float>);
        largeObjective = new RegressionObjective<float>(large);
        largeOptions = new TrainingOptions(Optimizer.Sgd(0.001, 0.9), 100, 1, RecordEvery: int.MaxValue);
        largeStart = Trainer.Init(largeObjective, largeOptions, RegressionObjective<float>.InitialParameters(100, 0));
        team = new WorkerTeam(2);
        largeShared = new RegressionObjective<float>(large, team: team);
    }

    /// <summary>One epoch of d2l's airfoil run (1500 rows, batch 10, η = 0.01, β = 0.9): 150 steps and the shuffle.</summary>
    [Benchmark]
    public TrainingState<float> AirfoilEpoch() => Trainer.Advance(airfoilObjective, airfoilOptions, airfoilStart);

    /// <summary>One epoch of 10⁶ rows × 100 features in batches of 100: 400 MB of features read once, in shuffled order.</summary>
    [Benchmark]
    public TrainingState<float> LargeEpoch() => Trainer.Advance(largeObjective, largeOptions, largeStart);

    /// <summary>The same epoch with a two-thread <see cref="WorkerTeam"/> (each minibatch in two parts, of 52 and 48 rows).</summary>
    [Benchmark]
    public TrainingState<float> LargeEpochTwoThreads() => Trainer.Advance(largeShared, largeOptions, largeStart);

    [GlobalCleanup]
    public void Cleanup() => team?.Dispose();
}

/// <summary>A sweep of 64 grid points on the airfoil data, with one worker and with two.</summary>
[MemoryDiagnoser]
public class SweepBenchmarks
{
    private Dataset<float> airfoil = null!;
    private SweepVerb.Settings sweep = null!;

    [Params(1, 2)]
    public int Parallelism { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var path = Environment.GetEnvironmentVariable("AIRFOIL_DATA");
        var table = path is { Length: > 0 } && File.Exists(path) ? DataFile.Read(path).Table : SyntheticData.LinearRegression(1503, 5, 0);
        var statistics = Standardization.Of(table);
        airfoil = Dataset<float>.FromTable(table, 5, 1500, statistics);
        var data = new TrainingData(table, statistics, 5, 1500, "airfoil", null);
        var grid = new SweepVerb.Grid(["momentum"], [new("lr", [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2]), new("momentum", [0, 0.5, 0.9, 0.99])],
            null, "coupled", [0, 1], "constant", "rows", 10, 2, "float32", "half-mse", "airfoil", "");
        var template = new TrainingOptions(Optimizer.Sgd(0.01, 0.9), 10, 2, 0, int.MaxValue, NonFinitePolicy.Stop);
        sweep = new SweepVerb.Settings(data, grid, template, Momentum.Problems.RegressionLoss.HalfSquaredError, false, 1, 1, 1, false);
    }

    /// <summary>64 grid points (8 learning rates × 4 momenta × 2 seeds) of two airfoil epochs each.</summary>
    [Benchmark]
    public int Sweep64() => SweepVerb.Compute<float>(sweep with { Parallelism = Parallelism }, airfoil, SilentProgress.Instance, CancellationToken.None).Count;
}

/// <summary>
/// What the large epoch cannot beat: reading its 400 MB of rows with no arithmetic, in file order and in the epoch's
/// shuffled order (one and two threads), with the kernel's prefetching. The shuffled read is the floor of any training
/// that keeps d2l's per-epoch row shuffle.
/// </summary>
public class RowReadBenchmarks
{
    private const int Rows = 1_000_000, Features = 100;
    private float[] features = null!;
    private int[] inOrder = null!, shuffled = null!, inBatches = null!;

    [GlobalSetup]
    public void Setup()
    {
        features = LargeArrays.Allocate<float>(Rows * Features); // as `train` keeps a large set
        var random = new Random(0);
        for (var i = 0; i < features.Length; i++) features[i] = random.NextSingle();
        inOrder = Enumerable.Range(0, Rows).ToArray();
        shuffled = Minibatches.Order(Rows, 0, 0).ToArray();
        inBatches = Minibatches.Order(Rows, 100, 0, 0, ShuffleMode.Batches).ToArray();
    }

    /// <summary>
    /// Every row once in `--shuffle batches` order (blocks of 100 adjacent rows, the blocks shuffled), with the kernel's
    /// requests for it: row k of the next block into the second-level cache while row k of this one is read, none a few
    /// rows ahead (a block is one run of the file). What the `batches` epoch cannot beat on one thread.
    /// </summary>
    [Benchmark]
    public unsafe float InBatches()
    {
        const int Batch = 100;
        var (sum0, sum1, sum2, sum3) = (System.Runtime.Intrinsics.Vector256<float>.Zero, System.Runtime.Intrinsics.Vector256<float>.Zero,
            System.Runtime.Intrinsics.Vector256<float>.Zero, System.Runtime.Intrinsics.Vector256<float>.Zero);
        fixed (float* x = features)
        {
            for (var k = 0; k < inBatches.Length; k++)
            {
                if (k + Batch < inBatches.Length) Momentum.Kernels.RegressionKernel.Prefetch(ref *x, Features, inBatches[k + Batch], toSecondLevel: true);
                AddRow(x + (long)inBatches[k] * Features, ref sum0, ref sum1, ref sum2, ref sum3);
            }
        }
        return System.Runtime.Intrinsics.Vector256.Sum(sum0 + sum1 + (sum2 + sum3));
    }

    /// <summary>Every row once, in file order.</summary>
    [Benchmark(Baseline = true)]
    public float InFileOrder() => Read(inOrder, 0, 1);

    /// <summary>Every row once, in the epoch's shuffled order.</summary>
    [Benchmark]
    public float Shuffled() => Read(shuffled, 0, 1);

    /// <summary>Every row once, shuffled, the two halves of each minibatch of 100 on two threads.</summary>
    [Benchmark]
    public float ShuffledTwoThreads()
    {
        var sums = new float[2];
        Parallel.For(0, 2, t => sums[t] = Read(shuffled, t, 2));
        return sums[0] + sums[1];
    }

    private unsafe float Read(int[] order, int part, int parts)
    {
        const int Batch = 100, Distance = Momentum.Kernels.RegressionKernel.PrefetchDistance;
        var half = Batch / parts;
        var (sum0, sum1, sum2, sum3) = (System.Runtime.Intrinsics.Vector256<float>.Zero, System.Runtime.Intrinsics.Vector256<float>.Zero,
            System.Runtime.Intrinsics.Vector256<float>.Zero, System.Runtime.Intrinsics.Vector256<float>.Zero);
        fixed (float* x = features)
        {
            for (var k = 0; k < order.Length; k++)
            {
                if ((k % Batch) / half != part) continue;
                var ahead = k + Distance;
                if (ahead < order.Length && (ahead % Batch) / half == part && System.Runtime.Intrinsics.X86.Sse.IsSupported)
                {
                    var line = (byte*)(x + (long)order[ahead] * Features);
                    for (var offset = 0; offset < Features * sizeof(float); offset += 64) System.Runtime.Intrinsics.X86.Sse.Prefetch0(line + offset);
                }
                AddRow(x + (long)order[k] * Features, ref sum0, ref sum1, ref sum2, ref sum3);
            }
        }
        return System.Runtime.Intrinsics.Vector256.Sum(sum0 + sum1 + (sum2 + sum3));
    }

    /// <summary>
    /// Adds a row of <see cref="Features"/> floats into four independent sums (with one, each row's twelve dependent vector
    /// adds, ~36 cycles, would bound the loop rather than the memory), its last four floats too, so every line is read.
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    private static unsafe void AddRow(float* row, ref System.Runtime.Intrinsics.Vector256<float> sum0, ref System.Runtime.Intrinsics.Vector256<float> sum1,
        ref System.Runtime.Intrinsics.Vector256<float> sum2, ref System.Runtime.Intrinsics.Vector256<float> sum3)
    {
        var j = 0;
        for (; j + 32 <= Features; j += 32)
        {
            sum0 += System.Runtime.Intrinsics.Vector256.Load(row + j);
            sum1 += System.Runtime.Intrinsics.Vector256.Load(row + j + 8);
            sum2 += System.Runtime.Intrinsics.Vector256.Load(row + j + 16);
            sum3 += System.Runtime.Intrinsics.Vector256.Load(row + j + 24);
        }
        for (; j + 8 <= Features; j += 8) sum0 += System.Runtime.Intrinsics.Vector256.Load(row + j);
        if (j < Features) sum1 += System.Runtime.Intrinsics.Vector256.Create(System.Runtime.Intrinsics.Vector128.Load(row + Features - 4), default);
    }
}

/// <summary>
/// What a second core gives to work that shares nothing, scheduled as <see cref="SweepBenchmarks"/> schedules its
/// points: 64 items of a fixed loop of independent fused multiply-adds (~75 µs each, an airfoil point's time), one
/// item at a time to whichever worker is free. Speed-up = time(1) / time(2) is the ceiling of
/// <c>SweepBenchmarks.Sweep64</c>'s on the same machine.
/// </summary>
public class CoreScalingBenchmarks
{
    [Params(1, 2)]
    public int Parallelism { get; set; }

    /// <summary>64 items of 2·10⁴ × 8 vector multiply-adds each.</summary>
    [Benchmark]
    public float Arithmetic64()
    {
        var sums = new float[64];
        var items = System.Collections.Concurrent.Partitioner.Create(Enumerable.Range(0, 64), System.Collections.Concurrent.EnumerablePartitionerOptions.NoBuffering);
        Parallel.ForEach(items, new ParallelOptions { MaxDegreeOfParallelism = Parallelism }, i => sums[i] = Chains(20_000));
        return sums.Sum();
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static float Chains(long n)
    {
        var a0 = System.Runtime.Intrinsics.Vector256.Create(1f);
        var (a1, a2, a3, a4, a5, a6, a7) = (a0, a0, a0, a0, a0, a0, a0);
        var m = System.Runtime.Intrinsics.Vector256.Create(0.999999f);
        var c = System.Runtime.Intrinsics.Vector256.Create(1e-7f);
        for (long i = 0; i < n; i++)
        {
            a0 = System.Runtime.Intrinsics.Vector256.FusedMultiplyAdd(a0, m, c);
            a1 = System.Runtime.Intrinsics.Vector256.FusedMultiplyAdd(a1, m, c);
            a2 = System.Runtime.Intrinsics.Vector256.FusedMultiplyAdd(a2, m, c);
            a3 = System.Runtime.Intrinsics.Vector256.FusedMultiplyAdd(a3, m, c);
            a4 = System.Runtime.Intrinsics.Vector256.FusedMultiplyAdd(a4, m, c);
            a5 = System.Runtime.Intrinsics.Vector256.FusedMultiplyAdd(a5, m, c);
            a6 = System.Runtime.Intrinsics.Vector256.FusedMultiplyAdd(a6, m, c);
            a7 = System.Runtime.Intrinsics.Vector256.FusedMultiplyAdd(a7, m, c);
        }
        return System.Runtime.Intrinsics.Vector256.Sum(a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7);
    }
}

/// <summary>
/// The minibatch gradient's arithmetic with its rows in the first-level cache (8 rows of 100 float32 features, drawn
/// 100 at a time), and what a <see cref="WorkerTeam"/> costs to hand a step to its helper and back.
/// </summary>
public class GradientBenchmarks
{
    private const int Features = 100, Batch = 100, Batches = 100;
    private float[] features = null!, labels = null!, parameters = null!, gradient = null!;
    private int[] rows = null!;
    private WorkerTeam team = null!;
    private readonly Action<int> nothing = _ => { };

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(0);
        features = Enumerable.Range(0, 8 * Features).Select(_ => random.NextSingle() - 0.5f).ToArray();
        labels = Enumerable.Range(0, 8).Select(_ => random.NextSingle()).ToArray();
        parameters = Enumerable.Range(0, Features + 1).Select(_ => random.NextSingle() - 0.5f).ToArray();
        gradient = new float[Features + 1];
        rows = Enumerable.Range(0, Batch * Batches).Select(i => i % 8).ToArray();
        team = new WorkerTeam(2);
    }

    [GlobalCleanup]
    public void Cleanup() => team.Dispose();

    /// <summary>10⁴ rows (100 minibatches of 100) of the gradient, in cache: divide by 10⁴ for the time per row.</summary>
    [Benchmark(OperationsPerInvoke = Batch * Batches)]
    public void RowInCache()
    {
        for (var b = 0; b < Batches; b++)
            Momentum.Kernels.RegressionKernel.Gradient<float>(features, Features, labels, rows.AsSpan(b * Batch, Batch), parameters, 0.01f, gradient);
    }

    /// <summary>One hand-off of a step to a two-thread team and back, with no work in it.</summary>
    [Benchmark]
    public void TeamHandOff() => team.Run(nothing);
}
