using System.Diagnostics;
using System.Globalization;
using System.Numerics;
using System.Runtime.CompilerServices;
using Momentum.Kernels;
using Momentum.Optimizers;
using Momentum.Runner.Cli;
using Momentum.Runner.Output;

namespace Momentum.Runner.Verbs;

/// <summary>
/// A quick measurement of the optimizer step on this machine against its memory bandwidth: a streaming copy
/// (<see cref="MemoryProbe.StreamingCopy{T}"/>) gives the bandwidth, and each step case is reported as a ratio to the floor of an in-place fused step, 5 values moved per
/// parameter (read x, v, g; write x, v), 20 bytes per float32 parameter, at that bandwidth. Medians over repeated steps.
/// The full benchmarks, with baselines, are in bench/ (BenchmarkDotNet).
/// </summary>
internal sealed class BenchVerb : Verb<BenchVerb.Settings>
{
    public sealed record Settings(int Size, int Threads, int Repeat, bool Double);

    public override string Name => "bench";
    public override string Description => "Measure the optimizer step against this machine's memory bandwidth: one tab-separated row per case (case, n, ms_per_step, gb_per_s, floor_ratio).";
    public override string Example => "momentum bench --size 50000000 --threads 2";

    public override IReadOnlyList<OptionSpec> Options { get; } =
    [
        new("--size", "Parameters per step (N).", "50000000"),
        new("--threads", "Also measure the multi-threaded step with this many threads (1: single-threaded only).", "1"),
        new("--repeat", "Timed steps per case (the median is reported), after two warm-up steps.", "15"),
        new("--precision", "float32 or float64.", "float32"),
    ];

    protected override Settings Read(SettingsReader r)
    {
        var settings = new Settings(
            r.Int("--size", Rules.Between(1, 500_000_000)),
            r.Int("--threads", Rules.Between(1, 256)),
            r.Int("--repeat", Rules.Between(1, 10_000)),
            r.Choice("--precision", "float32", "float64") == "float64");
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
        var (x, v, g, copy) = (new T[n], new T[n], new T[n], new T[n]);
        var random = new Random(0);
        for (var i = 0; i < n; i++)
        {
            if (i % (1 << 20) == 0) context.Cancellation.ThrowIfCancellationRequested();
            x[i] = T.CreateTruncating(random.NextDouble() - 0.5);
            g[i] = T.CreateTruncating(random.NextDouble() - 0.5);
        }
        var momentum = SgdOptions.HeavyBall(1e-3, 0.9);
        var nesterov = new SgdOptions(1e-3, 0.9, WeightDecay: 1e-4, Nesterov: true);

        var cases = new List<(string Name, Action Step, long BytesPerElement)>
        {
            ("copy", () => MemoryProbe.StreamingCopy<T>(g, copy), 2 * size),
            ("momentum", () => SgdKernel.Step<T>(momentum, true, x, v, g, x, v), 5 * size),
            ("nesterov-wd", () => SgdKernel.Step<T>(nesterov, true, x, v, g, x, v), 5 * size),
            ("momentum-composed", () => SgdKernel.StepComposed<T>(momentum, true, x, v, g, x, v), 5 * size),
            ("nesterov-wd-composed", () => SgdKernel.StepComposed<T>(nesterov, true, x, v, g, x, v), 5 * size),
        };
        if (s.Threads > 1)
        {
            cases.Add(("copy-mt", () => Parallel.For(0, s.Threads, k =>
            {
                var chunk = (n + s.Threads - 1) / s.Threads;
                var start = Math.Min(n, k * chunk);
                MemoryProbe.StreamingCopy<T>(g.AsSpan(start, Math.Min(chunk, n - start)), copy.AsSpan(start));
            }), 2 * size));
            cases.Add(($"momentum-mt{s.Threads}", () => SgdKernel.StepParallel<T>(momentum, true, x, v, g, x, v, s.Threads), 5 * size));
            cases.Add(($"nesterov-wd-mt{s.Threads}", () => SgdKernel.StepParallel<T>(nesterov, true, x, v, g, x, v, s.Threads), 5 * size));
        }

        var rows = new List<IReadOnlyList<object>>();
        context.Print("case\tn\tms_per_step\tgb_per_s\tfloor_ratio");
        double copySeconds = double.NaN, copyMtSeconds = double.NaN;
        foreach (var (name, step, bytes) in cases)
        {
            context.Cancellation.ThrowIfCancellationRequested();
            var seconds = Median(step, s.Repeat, context.Cancellation);
            if (name == "copy") copySeconds = seconds;
            if (name == "copy-mt") copyMtSeconds = seconds;
            // The floor: 5 values per parameter at the copy's bandwidth (2 values per element), so 2.5 copies.
            var reference = name.Contains("-mt", StringComparison.Ordinal) ? copyMtSeconds : copySeconds;
            var floor = reference * 5 / 2;
            var ratio = name.StartsWith("copy", StringComparison.Ordinal) ? 1.0 : seconds / floor;
            var gbps = bytes * (double)n / seconds / 1e9;
            rows.Add([name, n, seconds * 1e3, gbps, ratio]);
            context.Print(string.Create(CultureInfo.InvariantCulture, $"{name}\t{n}\t{seconds * 1e3:F3}\t{gbps:F1}\t{ratio:F3}"));
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
