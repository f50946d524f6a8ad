using System.Collections.Concurrent;
using System.Globalization;
using System.Numerics;
using System.Text.Json;
using System.Text.Json.Serialization;
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
/// A grid of training runs in parallel: optimizer × lr × momentum × any other hyperparameter given a list (<c>--nu
/// 0.5,0.7,0.9</c>, <c>--weight-decay 0,1e-4</c>, …) × seed; <c>--shard K/N</c> runs one of N disjoint slices so a
/// cluster's job array can spread one sweep over many machines, and <c>merge</c> joins the slices. Results do not
/// depend on the parallelism or the sharding: every point is an independent, seeded run of Core's trainer.
/// </summary>
internal sealed class SweepVerb : Verb<SweepVerb.Settings>
{
    /// <param name="Data">The data, prepared.</param>
    /// <param name="Grid">The grid and what its points share.</param>
    /// <param name="Template">Training options shared by every point (each point sets its optimizer and seed).</param>
    /// <param name="Loss">The loss the gradients are taken of.</param>
    /// <param name="Double">float64 rather than float32.</param>
    /// <param name="Parallelism">Points trained at once.</param>
    /// <param name="Shard">K of K/N.</param>
    /// <param name="Shards">N of K/N.</param>
    /// <param name="Timing">Fill the seconds column.</param>
    /// <param name="Options">The options that define the sweep (not where or how fast it runs), for sweep.json and --resume.</param>
    /// <param name="Finished">Rows already finished (from --resume), which are not trained again.</param>
    /// <param name="Out">The output folder when it is not --out's (a resumed sweep writes into its own folder).</param>
    public sealed record Settings(
        TrainingData Data, Grid Grid, TrainingOptions Template, RegressionLoss Loss, bool Double, int Parallelism, int Shard, int Shards, bool Timing,
        IReadOnlyDictionary<string, string>? Options = null, IReadOnlyList<Row>? Finished = null, string? Out = null);

    /// <summary>Options that say where or how a sweep runs rather than what it computes: left out of sweep.json.</summary>
    private static readonly string[] RunOptions = ["out", "shard", "parallelism", "timing", "resume"];

    /// <summary>One hyperparameter's values: a grid axis (an option's name without dashes, e.g. <c>nu</c>).</summary>
    public sealed record Axis(string Option, double[] Values)
    {
        [JsonIgnore]
        public string Flag => "--" + Option;
    }

    /// <summary>
    /// The grid and everything shared by its points: what <c>merge</c> checks is equal across shards. The axes are lr,
    /// momentum, then every other number option that one of the optimizers reads and that is given other than its
    /// default, in the order help lists them; a point's other hyperparameters are their defaults.
    /// </summary>
    /// <param name="Optimizers">The optimizers' names, in the order given.</param>
    /// <param name="Axes">lr, momentum and the other axes.</param>
    /// <param name="Betas">AggMo's momenta, when an optimizer of the grid reads them.</param>
    /// <param name="WeightDecayMode">coupled or decoupled.</param>
    /// <param name="Seeds">The seeds of every point.</param>
    public sealed record Grid(
        string[] Optimizers, Axis[] Axes, [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] double[]? Betas, string WeightDecayMode, int[] Seeds, string Schedule, string Shuffle,
        int BatchSize, int Epochs, string Precision, string Loss, string Data, string DataFingerprint)
    {
        /// <summary>The points, or more than <see cref="int.MaxValue"/> for a grid too large to count in an int.</summary>
        public long Size => Axes.Aggregate((long)Optimizers.Length * Seeds.Length, (n, a) => n > int.MaxValue ? n : n * a.Values.Length);

        public int Count => (int)Size;

        /// <summary>The axes shown as columns of sweep.csv: lr, momentum, and every other axis of more than one value.</summary>
        [JsonIgnore]
        public IReadOnlyList<int> Columns => [0, 1, .. Enumerable.Range(2, Math.Max(0, Axes.Length - 2)).Where(k => Axes[k].Values.Length > 1)];

        /// <summary>sweep.csv's header: optimizer, the columns' options, seed, final_loss, diverged, seconds, point.</summary>
        [JsonIgnore]
        public string[] Header => ["optimizer", .. Columns.Select(k => Axes[k].Option), "seed", "final_loss", "diverged", "seconds", "point"];

        /// <summary>What makes this not a grid a sweep writes (a manifest read back may have been edited), or null.</summary>
        public string? Problem()
        {
            if (Optimizers is not { Length: > 0 } || Axes is not { Length: >= 2 } || Seeds is not { Length: > 0 } || Axes.Any(a => a?.Values is not { Length: > 0 } || a.Option is null))
                return "optimizers, axes (lr and momentum first) and seeds must each list at least one value";
            if (Axes[0].Option != "lr" || Axes[1].Option != "momentum") return "the first axes must be lr and momentum";
            if (Optimizers.Any(o => !OptimizerTable.Names.Contains(o))) return $"optimizers must be among {string.Join(", ", OptimizerTable.Names)}";
            if (Optimizers.Distinct().Count() != Optimizers.Length) return "optimizers must not repeat";
            var numbers = OptimizerTable.Numbers.Select(h => h.Flag).ToList();
            foreach (var axis in Axes)
            {
                if (!numbers.Contains(axis.Flag)) return $"axis {SettingsReader.Shown(axis.Option)} is not a hyperparameter that takes a number";
                if (axis.Values.Distinct().Count() != axis.Values.Length) return $"axis {axis.Option} lists a value twice";
            }
            if (Axes.Select(a => a.Option).Distinct().Count() != Axes.Length) return "an axis appears twice";
            if (Size > Limits.SweepPoints) return $"it has more than {Limits.SweepPoints} points";
            if (Seeds.Distinct().Count() != Seeds.Length) return "seeds must not repeat";
            if (BatchSize < 1 || Epochs < 1) return "batch_size and epochs must be ≥ 1";
            if (Schedule is null || Shuffle is null || Precision is null || Loss is null || Data is null || DataFingerprint is null || WeightDecayMode is null)
                return "schedule, shuffle, weight_decay_mode, precision, loss, data and data_fingerprint must be given";
            if (Shuffle is not ("rows" or "batches" or "none")) return "shuffle must be rows, batches or none";
            if (Optimizers.Contains("aggmo") != Betas is not null) return "betas must be given exactly when aggmo is among the optimizers";
            try
            {
                BuildEvery();
            }
            catch (UsageException e)
            {
                return e.Message;
            }
            return null;
        }

        /// <summary>
        /// Builds every point's optimizer once (the seed does not change it), so that a value Core refuses is a usage
        /// error naming the option and the point before any training starts.
        /// </summary>
        public void BuildEvery()
        {
            for (var i = 0; i < Count; i += Seeds.Length) OptimizerAt(At(i));
        }

        /// <summary>Point <paramref name="index"/>, in the order optimizer, momentum, lr, the other axes, seed (seed fastest).</summary>
        public Point At(int index)
        {
            var values = new double[Axes.Length];
            var rest = index;
            var seed = Seeds[rest % Seeds.Length];
            rest /= Seeds.Length;
            // Slowest to fastest: momentum, lr, the other axes in order (the book's grids vary lr within a momentum).
            for (var k = Axes.Length - 1; k >= 0; k--)
            {
                var axis = k switch { 0 => 1, 1 => 0, _ => k };
                values[axis] = Axes[axis].Values[rest % Axes[axis].Values.Length];
                rest /= Axes[axis].Values.Length;
            }
            return new Point(index, Optimizers[rest], values, seed);
        }

        /// <summary>
        /// The optimizer of <paramref name="point"/>: its values, the grid's other hyperparameters, the options'
        /// defaults for the rest, and the schedule at the point's learning rate. A value Core refuses is a usage error
        /// naming the option and the point.
        /// </summary>
        public OptimizerTable.Choice OptimizerAt(Point point)
        {
            double? Number(string flag)
            {
                var k = Array.FindIndex(Axes, a => a.Flag == flag);
                if (k >= 0) return point.Values[k];
                return OptimizerTable.Option(flag).Default is { } text ? double.Parse(text, CultureInfo.InvariantCulture) : null;
            }
            string? Raw(string flag) => flag switch
            {
                "--weight-decay-mode" => WeightDecayMode,
                "--betas" => Betas is null ? null : string.Join(",", Betas.Select(Text)),
                _ => Number(flag) is { } v ? Text(v) : null,
            };
            try
            {
                var values = OptimizerTable.ReadValues(Number, _ => Betas ?? [0], Raw, lr => ScheduleSettings.Parse(Schedule, lr));
                return OptimizerTable.Choose(point.Optimizer, values, Raw);
            }
            catch (UsageException e)
            {
                throw new UsageException($"{e.Message} (at the grid's point {Describe(point)})");
            }
        }

        /// <summary>"momentum, lr 0.01, momentum 0.9, nu 0.7, seed 0": the point's optimizer and its columns.</summary>
        public string Describe(Point point)
        {
            // The axes the point's optimizer reads (gd has no momentum; an optimizer repeats its run along an axis it ignores).
            var reads = OptimizerTable.UsedBy([point.Optimizer]).Select(h => h.Flag).ToHashSet();
            return string.Join(", ", [point.Optimizer, .. Columns.Where(k => reads.Contains(Axes[k].Flag)).Select(k => $"{Axes[k].Option} {Format.G(point.Values[k])}"), $"seed {point.Seed}"]);
        }

        public string ToJson() => JsonSerializer.Serialize(this, JsonOptions);

        private static string Text(double value) => TransformationJson.ExactText(value);
    }

    /// <summary>A grid point: its index, optimizer, one value per axis of the grid, and seed.</summary>
    public sealed record Point(int Index, string Optimizer, double[] Values, int Seed)
    {
        public double LearningRate => Values[0];
        public double Momentum => Values[1];
    }

    /// <summary>One finished point: a row of sweep.csv.</summary>
    public sealed record Row(Point Point, double FinalLoss, bool Diverged, double? Seconds);

    public static readonly JsonSerializerOptions JsonOptions = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower, WriteIndented = true };

    public override string Name => "sweep";
    public override string Description => "Train over a grid of optimizer × lr × momentum × any hyperparameter given a list × seed in parallel (or one --shard of it): sweep.csv, sweep.png, sweep.json.";
    public override string Example => "momentum sweep --optimizer momentum,qhm --lr 0.005,0.01,0.02 --momentum 0.5,0.9 --nu 0.5,0.7 --seeds 0,1 --shard 1/4";
    public override bool ShowsProgress => true;

    public override IReadOnlyList<OptionSpec> Options { get; } =
    [
        .. OptimizerTable.Specs(optimizer: "momentum", lr: "0.005,0.01,0.02,0.05,0.1", momentum: "0,0.5,0.9", lists: true),
        new("--seeds", "Seeds of the initial weights and shuffles (a list): each point is trained once per seed. A --synthetic set is built from seed 0.", "0"),
        .. TrainVerb.RunSpecs().Where(s => s.Name is not ("--seed" or "--record-every")),
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
        // Nothing is "given" when reading the saved options: they hold every option's value, defaults too.
        var settings = Resumption.Read(folder, () => ReadFresh(new SettingsReader(new ConfigurationBuilder().AddInMemoryCollection(saved).Build(), Options, new HashSet<string>())));
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
            if (!OptimizerTable.Names.Contains(name))
                throw SettingsReader.Fail("--optimizer", r.Text("--optimizer"), $"\"{SettingsReader.Shown(name)}\" must be one of {string.Join(", ", OptimizerTable.Names)}");
        if (optimizers.Distinct().Count() != optimizers.Length)
            throw SettingsReader.Fail("--optimizer", r.Text("--optimizer"), "names an optimizer twice");
        OptimizerTable.RequireFits(optimizers, r.IsGiven);

        double[] Values(string flag)
        {
            var values = r.Doubles(flag, Rules.Any);
            var twice = values.GroupBy(v => v).FirstOrDefault(g => g.Count() > 1);
            return twice is null ? values : throw SettingsReader.Fail(flag, r.Text(flag), $"lists {Format.G(twice.Key)} twice");
        }
        var used = OptimizerTable.UsedBy(optimizers).ToHashSet();
        var axes = new List<Axis> { new("lr", Values("--lr")), new("momentum", Values("--momentum")) };
        foreach (var h in OptimizerTable.Numbers.Where(h => h != OptimizerTable.LearningRate && h != OptimizerTable.Momentum && used.Contains(h)))
        {
            if (r.OptionalText(h.Flag) is not { } text) continue;
            var values = Values(h.Flag);
            // A hyperparameter at its default is not an axis: the grid names what differs from an optimizer's defaults.
            if (h.Default is not null && values.Length == 1 && values[0] == double.Parse(h.Default, CultureInfo.InvariantCulture)) continue;
            axes.Add(new(h.Flag[2..], values));
        }
        var seeds = r.Doubles("--seeds", v => v == Math.Floor(v) && v is >= int.MinValue and <= int.MaxValue ? null : "must be an integer")
            .Select(v => (int)v).ToArray();
        if (seeds.Distinct().Count() != seeds.Length) throw SettingsReader.Fail("--seeds", r.Text("--seeds"), "lists a seed twice");
        ScheduleSettings.Parse(r.Text("--schedule"), 1);

        var size = axes.Aggregate((double)optimizers.Length * seeds.Length, (n, a) => n * a.Values.Length);
        if (size > Limits.SweepPoints)
            throw new UsageException(string.Create(CultureInfo.InvariantCulture,
                $"sweep: the grid has {size:N0} points ({optimizers.Length} optimizers × {string.Join(" × ", axes.Select(a => $"{a.Values.Length} {a.Option}"))} × {seeds.Length} seeds); a sweep has at most {Limits.SweepPoints:N0}"));

        // The data is shared by every point: a synthetic set is built from seed 0 (train's default), whatever --seeds says.
        var data = TrainingData.Read(r, 0);
        var precision = r.Choice("--precision", "float32", "float64");
        var grid = new Grid(optimizers, [.. axes], optimizers.Contains("aggmo") ? Values("--betas") : null,
            r.Choice("--weight-decay-mode", "coupled", "decoupled"), seeds, r.Text("--schedule"), r.Choice("--shuffle", "rows", "batches", "none"),
            0, 0, precision, r.Text("--loss"), data.Description, data.Fingerprint());
        grid.BuildEvery();
        // A point's loss is evaluated once, at its end: the sweep needs no record points.
        var template = TrainVerb.ReadTraining(r, data, seeds[0], int.MaxValue, grid.OptimizerAt(grid.At(0)).Transformation);
        grid = grid with { BatchSize = template.BatchSize, Epochs = template.Epochs };
        var parallelism = r.OptionalText("--parallelism") is null ? Environment.ProcessorCount : r.Int("--parallelism", Rules.Between(1, 1024));
        var (shard, shards) = ReadShard(r);
        // The data file is kept by its full path (a data set's name as it is), so a sweep resumes from any folder.
        var options = r.Effective().Where(o => !RunOptions.Contains(o.Key)).ToDictionary(o => o.Key, o => o.Value);
        TrainingData.RecordSource(options);
        return new(data, grid, template, TrainVerb.ReadLoss(r), precision == "float64", parallelism, shard, shards, r.Flag("--timing"), options);
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
            SweepManifest.WriteRows(context.Output, s.Grid, rows, now: true);
            manifest.Write(context.Output, rows.Count, now: true);
        });
        var interrupted = context.Cancellation.IsCancellationRequested && finished.Count < shardPoints;
        Write(context.Output, s.Grid, finished, s.Shard, s.Shards, shardPoints, s.Options, interrupted ? SweepManifest.Interrupted : SweepManifest.Completed);
        if (interrupted)
        {
            context.Error.WriteLine($"interrupted: {finished.Count} of {shardPoints} points finished and were written to {context.Output.Path}; continue with momentum sweep --resume {context.Output.Path}");
            return App.Interrupted;
        }
        PrintSummary(context, s.Grid, finished);
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
            if (todo.Count > 0)
            {
                var first = OptionsAt(s, todo[0]);
                TrainingLoop.WarmUp(new RegressionObjective<T>(data, s.Loss), first, RegressionObjective<T>.InitialParameters(data.FeatureCount, first.Seed));
            }
            var points = Partitioner.Create(todo, EnumerablePartitionerOptions.NoBuffering);
            Parallel.ForEach(points, new ParallelOptions { MaxDegreeOfParallelism = s.Parallelism, CancellationToken = cancellation }, point =>
            {
                // An objective per point (it keeps no more than the data's arrays when no team shares its minibatches).
                var options = OptionsAt(s, point);
                var outcome = TrainingLoop.Run(new RegressionObjective<T>(data, s.Loss), options, RegressionObjective<T>.InitialParameters(data.FeatureCount, point.Seed),
                    SilentProgress.Instance, cancellation, warmUp: false);
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

    /// <summary>The training options of one grid point: its optimizer and seed in the sweep's template.</summary>
    public static TrainingOptions OptionsAt(Settings s, Point p) =>
        s.Template with { Optimizer = s.Grid.OptimizerAt(p).Transformation, Seed = p.Seed };

    /// <summary>
    /// sweep.csv, sweep.png and, last, sweep.json for <paramref name="rows"/>, staged for the verb's commit: the manifest
    /// says complete (with the rows' digest) only in a folder that holds every file. Shared with <c>merge</c>.
    /// </summary>
    public static void Write(OutputFolder output, Grid grid, IReadOnlyList<Row> rows, int shard, int shards, int shardPoints,
        IReadOnlyDictionary<string, string>? options, string status)
    {
        SweepManifest.WriteRows(output, grid, rows, now: false);
        Figures.Save(output, "sweep.png", SweepFigure.Render(grid, rows), 360 + 420 * Math.Min(grid.Optimizers.Length, 8), 480);
        var complete = status == SweepManifest.Completed;
        new SweepManifest(grid, options ?? new Dictionary<string, string>(), shard, shards, shardPoints, status, complete ? SweepManifest.Digest(grid, rows) : null)
            .Write(output, rows.Count, now: false);
    }

    private static void PrintSummary(VerbContext context, Grid grid, IReadOnlyList<Row> rows)
    {
        var diverged = rows.Count(r => r.Diverged);
        var best = rows.Where(r => !r.Diverged).MinBy(r => r.FinalLoss);
        context.Print($"{rows.Count} points, {diverged} diverged" + (best is null ? "" :
            $"; best: {grid.Describe(best.Point)}: final loss {Format.F(best.FinalLoss, 4)}"));
    }
}
