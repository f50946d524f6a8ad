using System.Numerics;
using BenchmarkDotNet.Attributes;
using Momentum.Optimizers;

namespace Momentum.Benchmarks;

/// <summary>
/// The pure record-level step (immutable state in, new state out: <c>sgd.Step(state, g)</c>) against the span level on
/// caller-owned buffers (<c>sgd.Step(g, buffers, x, t)</c>, in place), for heavy ball and Nesterov with weight decay.
/// The record level's price is a fresh parameter and buffer array per step; its pass over memory is the span level's
/// fused kernel, out of place. The donating step (<c>sgd.StepDonating(state, g)</c>) is the record level computed in the
/// donated state's arrays. Issue 13's targets: at most 2× the span level at n = 10⁴, 3× at n = 10⁶.
/// </summary>
[GenericTypeArguments(typeof(float))]
[GenericTypeArguments(typeof(double))]
[MemoryDiagnoser]
public class RecordLevelBenchmarks<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    private T[] x = [], g = [], vectors = [];
    private double[] scalars = [];
    private Sgd optimizer = Optimizer.HeavyBall(1e-3, 0.9);
    private OptimizerState<T> state = null!, donated = null!;
    private long step;

    [Params(10_000, 1_000_000)]
    public int N { get; set; }

    [Params("momentum", "nesterov-wd")]
    public string Case { get; set; } = "momentum";

    [GlobalSetup]
    public void Setup()
    {
        optimizer = Case == "momentum" ? Optimizer.HeavyBall(1e-3, 0.9) : Optimizer.Sgd(1e-3, 0.9, weightDecay: 1e-4, nesterov: true);
        var random = new Random(0);
        (x, g) = (new T[N], new T[N]);
        for (var i = 0; i < N; i++)
        {
            x[i] = T.CreateTruncating(random.NextDouble() - 0.5);
            g[i] = T.CreateTruncating(random.NextDouble() - 0.5);
        }
        (vectors, scalars) = (new T[optimizer.Shape.VectorLength(N)], new double[optimizer.Shape.Scalars.Length]);
        optimizer.Init<T>(x, new StateBuffers<T>(vectors, scalars, N));
        optimizer.Step<T>(g, new StateBuffers<T>(vectors, scalars, N), x, step++);
        state = optimizer.Step(optimizer.Start<T>(x), g);
        donated = optimizer.Step(optimizer.Start<T>(x), g);
    }

    [Benchmark(Baseline = true)]
    public void Span() => optimizer.Step<T>(g, new StateBuffers<T>(vectors, scalars, N), x, step++);

    [Benchmark]
    public OptimizerState<T> Record() => state = optimizer.Step(state, g);

    [Benchmark]
    public OptimizerState<T> Donating() => donated = optimizer.StepDonating(donated, g);
}
