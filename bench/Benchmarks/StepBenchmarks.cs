using System.Numerics;
using System.Runtime.CompilerServices;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Jobs;
using Momentum.Kernels;
using Momentum.Runner.Execution;
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
    private T[] x = [], v = [], g = [], copy = [], chainVectors = [];
    private readonly double[] scalars = new double[1];
    private double[] chainScalars = [];
    private Sgd sgd = null!;
    private IGradientTransformation chain = null!;
    private Momentum.Runner.Execution.WorkerTeam team = null!;
    private long step;

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
        sgd = Case == "momentum" ? new Sgd(1e-3, 0.9) : new Sgd(1e-3, 0.9, weightDecay: 1e-4, nesterov: true);
        chain = sgd.AsChain();
        chainVectors = new T[chain.Shape.Vectors.Length * N];
        chainScalars = new double[chain.Shape.Scalars.Length];
        team = new Momentum.Runner.Execution.WorkerTeam(Environment.ProcessorCount);
        scalars[0] = 1; // the buffer holds a previous step's value: the steady state
    }

    [GlobalCleanup]
    public void Cleanup() => team.Dispose();

    /// <summary>The bandwidth reference: N values read and N written with streaming stores.</summary>
    [Benchmark]
    public void Copy() => MemoryProbe.StreamingCopy<T>(g, copy);

    /// <summary>A plain loop, one element at a time, as anyone would first write it.</summary>
    [Benchmark]
    public void NaiveScalar()
    {
        var (lr, beta, decay) = (T.CreateTruncating(1e-3), T.CreateTruncating(0.9), T.CreateTruncating(sgd.Nesterov ? 1e-4 : 0));
        for (var i = 0; i < x.Length; i++)
        {
            var gi = g[i] + decay * x[i];
            var b = beta * v[i] + gi;
            v[i] = b;
            x[i] -= lr * (sgd.Nesterov ? gi + beta * b : b);
        }
    }

    /// <summary>
    /// Sgd as the chain it composes (<see cref="Sgd.AsChain"/>: Scale(−1), AddDecayedWeights, Trace,
    /// ScaleByLearningRate), each link a pass of its own; a chain's updates overwrite its gradient, so each step starts
    /// from a copy of g (measured with it).
    /// </summary>
    [Benchmark]
    public void Composed()
    {
        g.AsSpan().CopyTo(copy);
        chain.Step<T>(copy, new StateBuffers<T>(chainVectors, chainScalars, N), x, ++step);
    }

    /// <summary>Sgd's fused span-level step: one pass, x, b and g read once, x and b written once.</summary>
    [Benchmark(Baseline = true)]
    public void Fused() => sgd.Step<T>(g, new StateBuffers<T>(v, scalars, N), x, ++step);

    /// <summary>The fused step in chunks run by a worker team of as many threads as cores (<see cref="Sgd.StepParallel{T}"/>).</summary>
    [Benchmark]
    public void FusedParallel() => sgd.StepParallel<T>(g, v, scalars, x, ++step, team);
}
