using BenchmarkDotNet.Attributes;
using Momentum.Optimizers;
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
    private TrainingOptions airfoilOptions = null!, largeOptions = null!;
    private TrainingState<float> airfoilStart = null!, largeStart = null!;

    [GlobalSetup]
    public void Setup()
    {
        var path = Environment.GetEnvironmentVariable("AIRFOIL_DATA");
        var table = path is { Length: > 0 } && File.Exists(path)
            ? DataFile.Read(path).Table
            : SyntheticData.LinearRegression(1503, 5, 0);
        Console.WriteLine(path is { Length: > 0 } && File.Exists(path) ? $"// airfoil data: {path}" : "// airfoil data: synthetic 1503x5 (AIRFOIL_DATA unset)");
        airfoil = Dataset<float>.FromTable(Standardization.Standardize(table).Table, 5, 1500);
        airfoilOptions = new TrainingOptions(SgdOptions.HeavyBall(0.01, 0.9), 10, 1, RecordEvery: int.MaxValue);
        airfoilStart = Trainer.Init(airfoil, airfoilOptions);

        large = Dataset<float>.FromTable(Standardization.Standardize(SyntheticData.LinearRegression(1_000_000, 100, 0)).Table, 100);
        largeOptions = new TrainingOptions(SgdOptions.HeavyBall(0.001, 0.9), 100, 1, RecordEvery: int.MaxValue);
        largeStart = Trainer.Init(large, largeOptions);
    }

    /// <summary>One epoch of d2l's airfoil run (1500 rows, batch 10, η = 0.01, β = 0.9): 150 steps and the shuffle.</summary>
    [Benchmark]
    public TrainingState<float> AirfoilEpoch() => Trainer.Advance(airfoil, airfoilOptions, airfoilStart);

    /// <summary>One epoch of 10⁶ rows × 100 features in batches of 100: 400 MB of features read once, in shuffled order.</summary>
    [Benchmark]
    public TrainingState<float> LargeEpoch() => Trainer.Advance(large, largeOptions, largeStart);

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
        var standardized = Standardization.Standardize(table).Table;
        airfoil = Dataset<float>.FromTable(standardized, 5, 1500);
        var data = new TrainingData(standardized, 5, 1500, "airfoil", null);
        var grid = new SweepVerb.Grid(["momentum"], [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2], [0, 0.5, 0.9, 0.99], [0, 1],
            0, 0, "constant", 10, 2, "float32", "half-mse", "airfoil", "");
        var template = new TrainingOptions(SgdOptions.HeavyBall(0.01, 0.9), 10, 2, 0, int.MaxValue);
        sweep = new SweepVerb.Settings(data, grid, template, false, 1, 1, 1, false);
    }

    /// <summary>64 grid points (8 learning rates × 4 momenta × 2 seeds) of two airfoil epochs each.</summary>
    [Benchmark]
    public int Sweep64() => SweepVerb.Compute<float>(sweep with { Parallelism = Parallelism }, airfoil, SilentProgress.Instance, CancellationToken.None).Count;
}
