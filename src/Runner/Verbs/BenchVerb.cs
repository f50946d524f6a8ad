using System.Diagnostics;
using System.Globalization;
using System.Numerics;
using System.Runtime.CompilerServices;
using Momentum.Kernels;
using Momentum.Runner.Data;
using Momentum.Runner.Execution;
using Momentum.Optimizers;
using Momentum.Runner.Cli;
using Momentum.Runner.Output;

namespace Momentum.Runner.Verbs;

/// <summary>
/// A quick measurement of the optimizer step on this machine against its memory bandwidth: a streaming copy
/// (<see cref="MemoryProbe.StreamingCopy{T}"/>) gives the bandwidth, and each step case is reported as a ratio to the
/// floor of an in-place fused step, 5 values moved per parameter (read x, v, g; write x, v), 20 bytes per float32
/// parameter, at that bandwidth. The <c>gather</c> case reads the same numbers as rows of <c>--features</c> in a seeded
/// shuffled order into a minibatch buffer, with no arithmetic: the floor of an epoch with d2l's per-row shuffle, which
/// reads each row once but not in memory order. Medians over repeated steps. The full benchmarks, with baselines, are
/// in bench/ (BenchmarkDotNet).
/// </summary>
internal sealed class BenchVerb : Verb<BenchVerb.Settings>
{
    public sealed record Settings(int Size, int Threads, int Repeat, bool Double, int Features, int BatchSize);

    public override string Name => "bench";
    public override string Description => "Measure the optimizer step and the shuffled read of an epoch against this machine's memory bandwidth: one tab-separated row per case (case, n, ms_per_step, gb_per_s, floor_ratio).";
    public override string Example => "momentum bench --size 50000000 --threads 2";

    public override IReadOnlyList<OptionSpec> Options { get; } =
    [
        new("--size", "Parameters per step (N); also the numbers of the gather case's table.", "50000000"),
        new("--threads", "Also measure the multi-threaded step with this many threads (1: single-threaded only).", "1"),
        new("--repeat", "Timed steps per case (the median is reported), after two warm-up steps.", "15"),
        new("--precision", "float32 or float64.", "float32"),
        new("--features", "The gather case's row length: the table is N / features rows of this many numbers.", "100"),
        new("--batch-size", "The gather case's minibatch: rows copied into one buffer before the next minibatch reuses it.", "100"),
    ];

    protected override Settings Read(SettingsReader r)
    {
        var settings = new Settings(
            r.Int("--size", Rules.Between(1, 500_000_000)),
            r.Int("--threads", Rules.Between(1, 256)),
            r.Int("--repeat", Rules.Between(1, 10_000)),
            r.Choice("--precision", "float32", "float64") == "float64",
            r.Int("--features", Rules.Between(1, 1_000_000)),
            r.Int("--batch-size", Rules.Between(1, 1_000_000)));
        if (settings.Features > settings.Size)
            throw SettingsReader.Fail("--features", r.Text("--features"), $"must be at most --size ({settings.Size}): the table needs a row");
        // Four arrays of --size numbers; refused rather than failing part way when the process may not hold them.
        var needed = 4L * settings.Size * (settings.Double ? sizeof(double) : sizeof(float));
        var available = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
        if (needed > available * 0.8)
            throw SettingsReader.Fail("--size", r.Text("--size"), string.Create(CultureInfo.InvariantCulture,
                $"needs {needed / 1e9:0.0} GB for its four arrays of {(settings.Double ? "float64" : "float32")}; this process may use {available / 1e9:0.0} GB, and the bound is 80 % of it"));
        return settings;
    }

    protected override Task<int> RunAsync(Settings s, VerbContext context) =>
        Task.FromResult(s.Double ? Measure<double>(s, context) : Measure<float>(s, context));

    private static int Measure<T>(Settings s, VerbContext context)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var n = s.Size;
        var size = Unsafe.SizeOf<T>();
        // In memory as `train` keeps a large set (LargeArrays: huge pages where the system grants them), so the floor,
        // the steps and the gather are measured in the memory the training epoch reads.
        var (x, v, g, copy) = (LargeArrays.Allocate<T>(n), LargeArrays.Allocate<T>(n), LargeArrays.Allocate<T>(n), LargeArrays.Allocate<T>(n));
        v.AsSpan().Clear();
        copy.AsSpan().Clear();
        var random = new Random(0);
        for (var i = 0; i < n; i++)
        {
            if (i % (1 << 20) == 0) context.Cancellation.ThrowIfCancellationRequested();
            x[i] = T.CreateTruncating(random.NextDouble() - 0.5);
            g[i] = T.CreateTruncating(random.NextDouble() - 0.5);
        }
        var momentum = new Sgd(1e-3, 0.9);
        var nesterov = new Sgd(1e-3, 0.9, weightDecay: 1e-4, nesterov: true);
        var scalars = new double[1];
        // The chains the fused steps compose (Sgd.AsChain), stepped transformation by transformation.
        var composed = momentum.AsChain();
        var composedNesterov = nesterov.AsChain();
        var chainVectors = LargeArrays.Allocate<T>(composed.Shape.Vectors.Length * n);
        chainVectors.AsSpan().Clear();
        var chainScalars = new double[composed.Shape.Scalars.Length];
        long t = 0;
        void Fused(Sgd sgd) => sgd.Step<T>(g, new StateBuffers<T>(v, scalars, n), x, ++t);
        void Chained(IGradientTransformation chain)
        {
            // A chain's updates overwrite the gradient it is given: each step starts from a copy of g (else g would
            // shrink by η every step into subnormals), and the copy is measured with it.
            g.AsSpan().CopyTo(copy);
            chain.Step<T>(copy, new StateBuffers<T>(chainVectors, chainScalars, n), x, ++t);
        }

        // The gather case: the numbers as rows of F, read in a seeded shuffled order, B rows at a time into one buffer.
        var rowCount = n / s.Features;
        var order = Enumerable.Range(0, rowCount).ToArray();
        new Random(0).Shuffle(order);
        var batch = new T[Math.Min(s.BatchSize, rowCount) * s.Features];
        void Gather()
        {
            var f = s.Features;
            for (var start = 0; start < rowCount; start += s.BatchSize)
            {
                var end = Math.Min(rowCount, start + s.BatchSize);
                for (var i = start; i < end; i++) x.AsSpan(order[i] * f, f).CopyTo(batch.AsSpan((i - start) * f, f));
            }
        }

        var cases = new List<(string Name, Action Step, long BytesPerElement)>
        {
            ("copy", () => MemoryProbe.StreamingCopy<T>(g, copy), 2 * size),
            ("gather", Gather, size),
            ("momentum", () => Fused(momentum), 5 * size),
            ("nesterov-wd", () => Fused(nesterov), 5 * size),
            ("momentum-composed", () => Chained(composed), 5 * size),
            ("nesterov-wd-composed", () => Chained(composedNesterov), 5 * size),
        };
        WorkerTeam? team = null;
        if (s.Threads > 1)
        {
            team = new WorkerTeam(s.Threads);
            cases.Add(("copy-mt", () => team.Run(k =>
            {
                var chunk = (n + s.Threads - 1) / s.Threads;
                var start = Math.Min(n, k * chunk);
                MemoryProbe.StreamingCopy<T>(g.AsSpan(start, Math.Min(chunk, n - start)), copy.AsSpan(start));
            }), 2 * size));
            cases.Add(($"momentum-mt{s.Threads}", () => momentum.StepParallel<T>(g, v, scalars, x, ++t, team), 5 * size));
            cases.Add(($"nesterov-wd-mt{s.Threads}", () => nesterov.StepParallel<T>(g, v, scalars, x, ++t, team), 5 * size));
        }
        using var _ = team;

        var rows = new List<IReadOnlyList<object>>();
        context.Print("case\tn\tms_per_step\tgb_per_s\tfloor_ratio");
        double copySeconds = double.NaN, copyMtSeconds = double.NaN;
        foreach (var (name, step, bytes) in cases)
        {
            context.Cancellation.ThrowIfCancellationRequested();
            var seconds = Median(step, s.Repeat, context.Cancellation);
            if (name == "copy") copySeconds = seconds;
            if (name == "copy-mt") copyMtSeconds = seconds;
            var reference = name.Contains("-mt", StringComparison.Ordinal) ? copyMtSeconds : copySeconds;
            // A step's floor is 5 values per parameter at the copy's bandwidth, 2.5 copies; the gather's is one read of
            // the table in memory order, half a copy.
            var floor = reference * (name == "gather" ? 0.5 : 2.5);
            var ratio = name.StartsWith("copy", StringComparison.Ordinal) ? 1.0 : seconds / floor;
            var elements = name == "gather" ? (double)rowCount * s.Features : n;
            var gbps = bytes * elements / seconds / 1e9;
            rows.Add([name, (long)elements, seconds * 1e3, gbps, ratio]);
            context.Print(string.Create(CultureInfo.InvariantCulture, $"{name}\t{(long)elements}\t{seconds * 1e3:F3}\t{gbps:F1}\t{ratio:F3}"));
        }
        Csv.Write(context.Output, "bench.csv", ["case", "n", "ms_per_step", "gb_per_s", "floor_ratio"], rows);
        return App.Success;
    }

    // Each step is a boundary: a signal stops the measurement after the step running.
    private static double Median(Action step, int repeat, CancellationToken cancellation)
    {
        step();
        step();
        var times = new double[repeat];
        var clock = new Stopwatch();
        for (var i = 0; i < repeat; i++)
        {
            cancellation.ThrowIfCancellationRequested();
            clock.Restart();
            step();
            times[i] = clock.Elapsed.TotalSeconds;
        }
        Array.Sort(times);
        return repeat % 2 == 1 ? times[repeat / 2] : (times[repeat / 2 - 1] + times[repeat / 2]) / 2;
    }
}
