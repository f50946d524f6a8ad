using System.Numerics;
using System.Runtime.CompilerServices;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Jobs;
using Momentum.Kernels;
using Momentum.Optimizers;

namespace Momentum.Benchmarks;

/// <summary>
/// One optimizer step over N parameters, in place: a naive scalar loop, the TensorPrimitives composition, the fused
/// single pass, and the fused pass split across the cores; against a streaming copy of N values, which sets the floor
/// (2.5 copies: 5 values moved per parameter against the copy's 2). Columns GB/s and FloorRatio come from
/// <see cref="BandwidthColumns"/>.
/// </summary>
[GenericTypeArguments(typeof(float))]
[GenericTypeArguments(typeof(double))]
[MemoryDiagnoser]
[Config(typeof(BandwidthColumns.Config))]
public class StepBenchmarks<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    private T[] x = [], v = [], g = [], copy = [];
    private SgdOptions options;

    [Params(1_000, 100_000, 10_000_000, 50_000_000)]
    public int N { get; set; }

    [Params("momentum", "nesterov-wd")]
    public string Case { get; set; } = "momentum";

    [GlobalSetup]
    public void Setup()
    {
        (x, v, g, copy) = (new T[N], new T[N], new T[N], new T[N]);
        var random = new Random(0);
        for (var i = 0; i < N; i++)
        {
            x[i] = T.CreateTruncating(random.NextDouble() - 0.5);
            g[i] = T.CreateTruncating(random.NextDouble() - 0.5);
        }
        options = Case == "momentum" ? SgdOptions.HeavyBall(1e-3, 0.9) : new SgdOptions(1e-3, 0.9, WeightDecay: 1e-4, Nesterov: true);
    }

    /// <summary>The bandwidth reference: N values read and N written with streaming stores.</summary>
    [Benchmark]
    public void Copy() => MemoryProbe.StreamingCopy<T>(g, copy);

    /// <summary>A plain loop, one element at a time, as anyone would first write it.</summary>
    [Benchmark]
    public void NaiveScalar()
    {
        var (lr, beta, decay) = (T.CreateTruncating(options.LearningRate), T.CreateTruncating(options.Momentum), T.CreateTruncating(options.WeightDecay));
        for (var i = 0; i < x.Length; i++)
        {
            var gi = g[i] + decay * x[i];
            var b = beta * v[i] + gi;
            v[i] = b;
            x[i] -= lr * (options.Nesterov ? gi + beta * b : b);
        }
    }

    [Benchmark]
    public void Composed() => SgdKernel.StepComposed<T>(options, true, x, v, g, x, v);

    [Benchmark(Baseline = true)]
    public void Fused() => SgdKernel.Step<T>(options, true, x, v, g, x, v);

    [Benchmark]
    public void FusedParallel() => SgdKernel.StepParallel<T>(options, true, x, v, g, x, v, Environment.ProcessorCount);
}
