using System.Collections.Concurrent;
using System.Globalization;
using System.Numerics;
using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Momentum.Optimizers;
using Momentum.Problems;
using Momentum.Runner.Cli;
using Momentum.Runner.Data;
using Momentum.Runner.Execution;
using Momentum.Runner.Output;
using Momentum.Training;

namespace Momentum.Runner.Verbs;

/// <summary>
/// A grid of training runs, optimizer × lr × momentum × seed, in parallel; <c>--shard K/N</c> runs one of N disjoint
/// slices so a cluster's job array can spread one sweep over many machines, and <c>merge</c> joins the slices.
/// Results do not depend on the parallelism or the sharding: every point is an independent, seeded run.
/// </summary>
internal sealed class SweepVerb : Verb<SweepVerb.Settings>
{
    /// <param name="Data">The data, prepared.</param>
    /// <param name="Grid">The grid and what its points share.</param>
    /// <param name="Template">Training options shared by every point.</param>
    /// <param name="Double">float64 rather than float32.</param>
    /// <param name="Parallelism">Points trained at once.</param>
    /// <param name="Shard">K of K/N.</param>
    /// <param name="Shards">N of K/N.</param>
    /// <param name="Timing">Fill the seconds column.</param>
    /// <param name="Options">The options that define the sweep (not where or how fast it runs), for sweep.json and --resume.</param>
    /// <param name="Finished">Rows already finished (from --resume), which are not trained again.</param>
    /// <param name="Out">The output folder when it is not --out's (a resumed sweep writes into its own folder).</param>
    public sealed record Settings(
        TrainingData Data, Grid Grid, LegacyTrainingOptions Template, bool Double, int Parallelism, int Shard, int Shards, bool Timing,
        IReadOnlyDictionary<string, string>? Options = null, IReadOnlyList<Row>? Finished = null, string? Out = null);

    /// <summary>Options that say where or how a sweep runs rather than what it computes: left out of sweep.json.</summary>
    private static readonly string[] RunOptions = ["out", "shard", "parallelism", "timing", "resume"];

    /// <summary>The grid and everything shared by its points: what <c>merge</c> checks is equal across shards.</summary>
    public sealed record Grid(
        string[] Optimizers, double[] LearningRates, double[] Momenta, int[] Seeds, double Dampening, double WeightDecay,
        string Schedule, int BatchSize, int Epochs, string Precision, string Loss, string Data, string DataFingerprint)
    {
        public int Count => Optimizers.Length * Momenta.Length * LearningRates.Length * Seeds.Length;

        /// <summary>What makes this not a grid a sweep writes (a manifest read back may have been edited), or null.</summary>
        public string? Problem()
        {
            if (Optimizers is not { Length: > 0 } || LearningRates is not { Length: > 0 } || Momenta is not { Length: > 0 } || Seeds is not { Length: > 0 })
                return "optimizers, learning_rates, momenta and seeds must each list at least one value";
            if ((long)Optimizers.Length * Momenta.Length * LearningRates.Length * Seeds.Length > Limits.SweepPoints)
                return $"it has more than {Limits.SweepPoints} points";
            if (Optimizers.Any(o => !OptimizerSettings.Names.Contains(o))) return $"optimizers must be among {string.Join(", ", OptimizerSettings.Names)}";
            if (LearningRates.Any(l => !(l > 0) || !double.IsFinite(l))) return "learning_rates must be finite and > 0";
            if (Momenta.Any(m => m is not (>= 0 and < 1))) return "momenta must be in [0, 1)";
            if (Dampening is not (>= 0 and <= 1)) return "dampening must be in [0, 1]";
            if (!(WeightDecay >= 0) || !double.IsFinite(WeightDecay)) return "weight_decay must be finite and ≥ 0";
            if (BatchSize < 1 || Epochs < 1) return "batch_size and epochs must be ≥ 1";
            if (Schedule is null || Precision is null || Loss is null || Data is null || DataFingerprint is null) return "schedule, precision, loss, data and data_fingerprint must be given";
            return null;
        }

        /// <summary>Point <paramref name="index"/>, in the order optimizer, momentum, lr, seed (seed fastest).</summary>
        public Point At(int index)
        {
            var seed = index % Seeds.Length;
            var rest = index / Seeds.Length;
            var lr = rest % LearningRates.Length;
            rest /= LearningRates.Length;
            return new Point(index, Optimizers[rest / Momenta.Length], LearningRates[lr], Momenta[rest % Momenta.Length], Seeds[seed]);
        }

        public string ToJson() => JsonSerializer.Serialize(this, JsonOptions);
    }

    public sealed record Point(int Index, string Optimizer, double LearningRate, double Momentum, int Seed);

    /// <summary>One finished point: a row of sweep.csv.</summary>
    public sealed record Row(Point Point, double FinalLoss, bool Diverged, double? Seconds);

    public static readonly JsonSerializerOptions JsonOptions = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower, WriteIndented = true };

    public static readonly string[] Header = SweepManifest.Header;

    public override string Name => "sweep";
    public override string Description => "Train over a grid of optimizer × lr × momentum × seed in parallel (or one --shard of it): sweep.csv, sweep.png, sweep.json.";
    public override string Example => "momentum sweep --lr 0.005,0.01,0.02 --momentum 0,0.5,0.9 --seeds 0,1 --shard 1/4";
    public override bool ShowsProgress => true;

    public override IReadOnlyList<OptionSpec> Options { get; } =
    [
        new("--optimizer", "Optimizers to compare: a list of gd (which ignores the momentum axis), momentum, nesterov (β > 0 only).", "momentum"),
        new("--lr", "Learning rates η > 0 (a list).", "0.005,0.01,0.02,0.05,0.1"),
        new("--momentum", "Momenta β in [0, 1) (a list).", "0,0.5,0.9"),
        new("--seeds", "Seeds of the initial weights and shuffles (a list): each point is trained once per seed. A --synthetic set is built from seed 0.", "0"),
        .. TrainVerb.Specs().Where(s => s.Name is not ("--optimizer" or "--lr" or "--momentum" or "--seed" or "--record-every")),
        .. TrainingData.Specs(),
        new("--parallelism", "Points trained at once (default: the number of cores).", null),
        new("--shard", "K/N: run only the K-th of N disjoint slices of the grid (1 ≤ K ≤ N).", "1/1"),
        OptionSpec.Flag("--timing", "Fill the seconds column with each point's training time (then equal sweeps no longer give equal files)."),
        new("--resume", "Finish the sweep (or shard) in this folder: points already in its sweep.csv are kept, the others trained.", null),
    ];

    public override string? OutputOf(object settings) => ((Settings)settings).Out;

    public override string? ResumesFrom => SweepManifest.File;

    protected override Settings Read(SettingsReader r)
    {
        if (r.OptionalText("--resume") is not { } folder) return ReadFresh(r);

        var given = Options.Where(o => o.Key is not ("resume" or "out" or "parallelism" or "timing") && r.IsGiven(o.Name)).Select(o => o.Name).ToList();
        if (given.Count > 0)
            throw new UsageException($"--resume {folder}: a resumed sweep keeps its grid and options; leave out {string.Join(", ", given)}");
        var manifest = SweepManifest.Read(folder);
        var path = Path.Combine(folder, SweepManifest.File);
        Resumption.RequireKept(path, manifest.Options.Keys, Options.Select(o => o.Key).Except(RunOptions), "a sweep");
        var dataFile = Resumption.DataFile(folder, manifest.Options, "sweep");
        var saved = new Dictionary<string, string?>(manifest.Options.Select(o => new KeyValuePair<string, string?>(o.Key, o.Value)))
        {
            ["shard"] = $"{manifest.Shard}/{manifest.Shards}",
            ["parallelism"] = r.OptionalText("--parallelism"),
            ["timing"] = r.Raw("--timing"),
        };
        var settings = Resumption.Read(folder, () => ReadFresh(new SettingsReader(new ConfigurationBuilder().AddInMemoryCollection(saved).Build(), Options)));
        Resumption.RequireSameData(folder, dataFile, settings.Data.Description, settings.Grid.DataFingerprint, manifest.Grid.DataFingerprint, "sweep");
        if (settings.Grid.ToJson() != manifest.Grid.ToJson())
            throw new UsageException($"{path}: \"grid\" does not match the sweep's options (was the manifest edited?)");
        var finished = manifest.ReadRows(folder);
        return settings with { Finished = finished, Out = r.IsGiven("--out") ? r.Text("--out") : folder };
    }

    private static Settings ReadFresh(SettingsReader r)
    {
        var optimizers = r.Text("--optimizer").Split(',', StringSplitOptions.TrimEntries);
        foreach (var name in optimizers)
            if (!OptimizerSettings.Names.Contains(name))
                throw SettingsReader.Fail("--optimizer", r.Text("--optimizer"), $"\"{SettingsReader.Shown(name)}\" must be one of {string.Join(", ", OptimizerSettings.Names)}");
        if (optimizers.Distinct().Count() != optimizers.Length)
            throw SettingsReader.Fail("--optimizer", r.Text("--optimizer"), "names an optimizer twice");
        var lrs = r.Doubles("--lr", Rules.Positive);
        var momenta = r.Doubles("--momentum", Rules.MomentumRange);
        var seeds = r.Doubles("--seeds", v => v == Math.Floor(v) && v is >= int.MinValue and <= int.MaxValue ? null : "must be an integer")
            .Select(v => (int)v).ToArray();
        var dampening = r.Double("--dampening", Rules.UnitInterval);
        var weightDecay = r.Double("--weight-decay", Rules.NonNegative);
        if (optimizers.Contains("nesterov") && momenta.Contains(0))
            throw SettingsReader.Fail("--momentum", r.Text("--momentum"), "includes 0, which --optimizer nesterov does not allow (Nesterov needs β > 0)");
        if (optimizers.Contains("nesterov") && dampening != 0)
            throw SettingsReader.Fail("--dampening", r.Text("--dampening"), "must be 0 with --optimizer nesterov");

        // The data is shared by every point: a synthetic set is built from seed 0 (train's default), whatever --seeds says.
        var data = TrainingData.Read(r, 0);
        // A point's loss is evaluated once, at its end: the sweep needs no record points.
        var template = TrainVerb.ReadRun(r, data, seeds[0], new SgdOptions(lrs[0], momenta[0], dampening, weightDecay), int.MaxValue);
        foreach (var lr in lrs) ScheduleSettings.Parse(r.Text("--schedule"), lr);

        var points = (long)optimizers.Length * lrs.Length * momenta.Length * seeds.Length;
        if (points > Limits.SweepPoints)
            throw new UsageException(string.Create(CultureInfo.InvariantCulture,
                $"sweep: the grid has {points:N0} points ({optimizers.Length} optimizers × {lrs.Length} learning rates × {momenta.Length} momenta × {seeds.Length} seeds); a sweep has at most {Limits.SweepPoints:N0}"));
        var precision = r.Choice("--precision", "float32", "float64");
        var parallelism = r.OptionalText("--parallelism") is null ? Environment.ProcessorCount : r.Int("--parallelism", Rules.Between(1, 1024));
        var (shard, shards) = ReadShard(r);
        var grid = new Grid(optimizers, lrs, momenta, seeds, dampening, weightDecay, r.Text("--schedule"), template.BatchSize,
            template.Epochs, precision, r.Text("--loss"), data.Description, data.Fingerprint());
        // The data file is kept by its full path (a data set's name as it is), so a sweep resumes from any folder.
        var options = r.Effective().Where(o => !RunOptions.Contains(o.Key)).ToDictionary(o => o.Key, o => o.Value);
        TrainingData.RecordSource(options);
        return new(data, grid, template, precision == "float64", parallelism, shard, shards, r.Flag("--timing"), options);
    }

    private static (int Shard, int Shards) ReadShard(SettingsReader r)
    {
        var text = r.Text("--shard");
        var parts = text.Split('/');
        if (parts.Length != 2
            || !int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var k)
            || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var n)
            || n < 1 || k < 1 || k > n)
            throw SettingsReader.Fail("--shard", text, "must be K/N with 1 ≤ K ≤ N, e.g. 2/8");
        return (k, n);
    }

    protected override Task<int> RunAsync(Settings s, VerbContext context) =>
        Task.FromResult(s.Double ? Sweep<double>(s, context) : Sweep<float>(s, context));

    private static int Sweep<T>(Settings s, VerbContext context)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var data = s.Data.ToDataset<T>();
        var shardPoints = Points(s).Count;
        var progress = context.Progress.Start($"sweep {s.Shard}/{s.Shards}", shardPoints);
        var manifest = new SweepManifest(s.Grid, s.Options ?? new Dictionary<string, string>(), s.Shard, s.Shards, shardPoints, SweepManifest.Running, null);
        // The manifest first, so that a sweep killed at any later moment can be resumed; then the finished rows as
        // they come (at most once a second), each time followed by the manifest's count.
        manifest.Write(context.Output, s.Finished?.Count ?? 0, now: true);
        var finished = Compute(s, data, progress, context.Cancellation, rows =>
        {
            SweepManifest.WriteRows(context.Output, rows, now: true);
            manifest.Write(context.Output, rows.Count, now: true);
        });
        var interrupted = context.Cancellation.IsCancellationRequested && finished.Count < shardPoints;
        Write(context.Output, s.Grid, finished, s.Shard, s.Shards, shardPoints, s.Options, interrupted ? SweepManifest.Interrupted : SweepManifest.Completed);
        if (interrupted)
        {
            context.Error.WriteLine($"interrupted: {finished.Count} of {shardPoints} points finished and were written to {context.Output.Path}; continue with momentum sweep --resume {context.Output.Path}");
            return App.Interrupted;
        }
        PrintSummary(context, finished);
        return App.Success;
    }

    /// <summary>The points of this shard: those whose index is K − 1 modulo N.</summary>
    public static IReadOnlyList<Point> Points(Settings s) =>
        [.. Enumerable.Range(0, s.Grid.Count).Where(i => i % s.Shards == s.Shard - 1).Select(s.Grid.At)];

    /// <summary>
    /// Trains every point of this shard, <see cref="Settings.Parallelism"/> at a time, and returns the finished rows in grid
    /// order; points not finished when <paramref name="cancellation"/> is set are left out.
    /// </summary>
    public static List<Row> Compute<T>(Settings s, Dataset<T> data, IProgressTask progress, CancellationToken cancellation,
        Action<List<Row>>? flush = null)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var rows = new ConcurrentDictionary<int, Row>();
        foreach (var row in s.Finished ?? []) rows[row.Point.Index] = row;
        var done = rows.Count;
        var flushed = System.Diagnostics.Stopwatch.StartNew();
        var gate = new object();
        progress.Report(done);
        try
        {
            // One point at a time to whichever worker is free: points differ in cost (diverging ones stop early).
            var todo = Points(s).Where(p => !rows.ContainsKey(p.Index)).ToList();
            if (todo.Count > 0) TrainingLoop.WarmUp(data, OptionsAt(s, todo[0]));
            var points = Partitioner.Create(todo, EnumerablePartitionerOptions.NoBuffering);
            Parallel.ForEach(points, new ParallelOptions { MaxDegreeOfParallelism = s.Parallelism, CancellationToken = cancellation }, point =>
            {
                var outcome = TrainingLoop.Run(data, OptionsAt(s, point), SilentProgress.Instance, cancellation, warmUp: false);
                if (outcome.Status == RunStatus.Interrupted) return;
                var diverged = outcome.Status == RunStatus.Diverged;
                rows[point.Index] = new Row(point, diverged ? double.NaN : outcome.FinalLoss, diverged, s.Timing ? outcome.TrainingSeconds : null);
                progress.Report(Interlocked.Increment(ref done));
                if (flush is not null && flushed.ElapsedMilliseconds >= 1000)
                    lock (gate)
                        if (flushed.ElapsedMilliseconds >= 1000)
                        {
                            flush([.. rows.Values.OrderBy(r => r.Point.Index)]);
                            flushed.Restart();
                        }
            });
        }
        catch (OperationCanceledException)
        {
            // Points not started are left out; the finished ones are returned.
        }
        catch (AggregateException e)
        {
            // A worker's failure (a flush to a full disk) is the sweep's, as if it had been a single thread.
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(e.InnerExceptions.FirstOrDefault(x => x is Output.OutputException) ?? e.InnerExceptions[0]).Throw();
        }
        return [.. rows.Values.OrderBy(r => r.Point.Index)];
    }

    /// <summary>The training options of one grid point.</summary>
    public static LegacyTrainingOptions OptionsAt(Settings s, Point p)
    {
        var momentum = p.Optimizer == "gd" ? 0 : p.Momentum;
        var optimizer = new SgdOptions(p.LearningRate, momentum, s.Grid.Dampening, s.Grid.WeightDecay, Nesterov: p.Optimizer == "nesterov");
        return s.Template with { Optimizer = optimizer, Seed = p.Seed, Schedule = ScheduleSettings.Parse(s.Grid.Schedule, p.LearningRate) };
    }

    /// <summary>
    /// sweep.csv, sweep.png and, last, sweep.json for <paramref name="rows"/>, staged for the verb's commit: the manifest
    /// says complete (with the rows' digest) only in a folder that holds every file. Shared with <c>merge</c>.
    /// </summary>
    public static void Write(OutputFolder output, Grid grid, IReadOnlyList<Row> rows, int shard, int shards, int shardPoints,
        IReadOnlyDictionary<string, string>? options, string status)
    {
        SweepManifest.WriteRows(output, rows, now: false);
        Figures.Save(output, "sweep.png", SweepFigure.Render(grid, rows), 360 + 420 * Math.Min(grid.Optimizers.Length, 8), 480);
        var complete = status == SweepManifest.Completed;
        new SweepManifest(grid, options ?? new Dictionary<string, string>(), shard, shards, shardPoints, status, complete ? SweepManifest.Digest(rows) : null)
            .Write(output, rows.Count, now: false);
    }

    private static void PrintSummary(VerbContext context, IReadOnlyList<Row> rows)
    {
        var diverged = rows.Count(r => r.Diverged);
        var best = rows.Where(r => !r.Diverged).MinBy(r => r.FinalLoss);
        context.Print($"{rows.Count} points, {diverged} diverged" + (best is null ? "" :
            $"; best: {best.Point.Optimizer}, lr {Format.G(best.Point.LearningRate)}, momentum {Format.G(best.Point.Momentum)}, seed {best.Point.Seed}: final loss {Format.F(best.FinalLoss, 4)}"));
    }
}
