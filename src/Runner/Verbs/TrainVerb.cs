using System.Collections.Immutable;
using System.Globalization;
using System.Numerics;
using Microsoft.Extensions.Configuration;
using Momentum.Optimizers;
using Momentum.Kernels;
using Momentum.Problems;
using Momentum.Runner.Cli;
using Momentum.Runner.Data;
using Momentum.Runner.Execution;
using Momentum.Runner.Output;
using Momentum.Training;
using Checkpoint = Momentum.Runner.Output.Checkpoint;

namespace Momentum.Runner.Verbs;

/// <summary>
/// Minibatch training of linear regression, d2l's <c>train_ch11</c> (§11.5.4) and <c>train_concise_ch11</c>, with any
/// optimizer of the table (Core's <see cref="Trainer"/> over a <see cref="RegressionObjective{T}"/>): the loss over the
/// whole training set every 200 examples, timed as the book times it (training only).
/// </summary>
internal sealed class TrainVerb : Verb<TrainVerb.Settings>
{
    /// <param name="Data">The data, prepared.</param>
    /// <param name="Training">Core's options of the run (its optimizer among them).</param>
    /// <param name="Optimizer">The optimizer as chosen: its name, description and learning-rate family.</param>
    /// <param name="Loss">The loss the gradients are taken of.</param>
    /// <param name="Double">float64 rather than float32.</param>
    /// <param name="Options">Every option's text, for summary.json and checkpoints.</param>
    /// <param name="CheckpointEvery">Steps between checkpoints; 0 for none.</param>
    /// <param name="Resume">The checkpoint to continue from, or null.</param>
    /// <param name="Out">The output folder when it is not --out's (a resumed run writes into its own folder).</param>
    /// <param name="Threads">Threads that share each large minibatch's gradient (the results do not depend on it).</param>
    /// <param name="History">The losses the checkpoint covers, when resuming.</param>
    public sealed record Settings(
        TrainingData Data, TrainingOptions Training, OptimizerTable.Choice Optimizer, RegressionLoss Loss, bool Double,
        IReadOnlyDictionary<string, string> Options, long CheckpointEvery = 0, Checkpoint? Resume = null, string? Out = null, int Threads = 1,
        ImmutableArray<Recorded>? History = null);

    public override string Name => "train";
    public override string Description => "Minibatch training of linear regression (d2l's train_ch11) with any optimizer (gd, momentum, nesterov, qhm, …): loss.csv, loss.png, parameters.csv, summary.json.";
    public override string Example => "momentum train --data airfoil_self_noise.dat --rows 1500 --lr 0.01 --momentum 0.9";
    public override bool ShowsProgress => true;

    public override IReadOnlyList<OptionSpec> Options { get; } =
    [
        .. Specs(),
        .. TrainingData.Specs(),
        new("--on-nonfinite", "What a non-finite gradient does: stop (exit 3, keep the outputs so far) or skip the step (counted in summary.json).", "stop"),
        new("--checkpoint-every", "Write checkpoint.json every N steps (and at the start and end), so --resume can continue after a kill; 0: never.", "0"),
        new("--resume", "Continue the run whose checkpoint is in this folder, with the options it was started with, writing into that folder.", null),
        new("--threads", "Threads that share each minibatch's gradient when a minibatch is large (at least 8 rows and batch × features ≥ 8192); loss.csv and parameters.csv are the same bits for any number; at most the number of cores is used (default: one fewer than the cores, leaving one to the runtime).", null),
    ];

    public override string? OutputOf(object settings) => ((Settings)settings).Out;

    public override string? ResumesFrom => Checkpoint.File;

    /// <summary>The options of one training run: the optimizer's and <see cref="RunSpecs"/>.</summary>
    public static IEnumerable<OptionSpec> Specs() =>
        [.. OptimizerTable.Specs(optimizer: "momentum", lr: "0.005", momentum: "0.9"), .. RunSpecs()];

    /// <summary>The options of a run around its optimizer: schedule, minibatches, epochs, seed, precision, loss; shared with <c>sweep</c>.</summary>
    public static IEnumerable<OptionSpec> RunSpecs() =>
    [
        ScheduleSettings.Spec,
        new("--shuffle", "How rows form minibatches each epoch: rows (d2l's per-row shuffle), batches (blocks of adjacent rows in shuffled order: the same examples share a minibatch every epoch, a deviation from d2l that reads memory in long runs) or none (file order).", "rows"),
        new("--batch-size", "Examples per minibatch.", "10"),
        new("--epochs", "Passes over the data.", "2"),
        new("--seed", "Seeds the initial weights w ~ N(0, 0.01²), the shuffles and synthetic data.", "0"),
        new("--record-every", "Record the loss over the whole training set every this many examples.", "200"),
        new("--precision", "float32 or float64.", "float32"),
        new("--loss", "half-mse: d2l's ½(ŷ − y)² (train_ch11); mse: nn.MSELoss as train_concise_ch11 (twice the gradient). The loss reported is ½·MSE either way.", "half-mse"),
    ];

    protected override Settings Read(SettingsReader r)
    {
        if (r.OptionalText("--resume") is not { } folder) return ReadFresh(r);

        var given = Options.Where(o => o.Name is not ("--resume" or "--out" or "--threads") && r.IsGiven(o.Name)).Select(o => o.Name).ToList();
        if (given.Count > 0)
            throw new UsageException($"--resume {folder}: a resumed run keeps the options it was started with; leave out {string.Join(", ", given)}");
        var checkpoint = Checkpoint.Read(folder);
        var path = Path.Combine(folder, Checkpoint.File);
        Resumption.RequireKept(path, checkpoint.Options.Keys, Options.Select(o => o.Key).Except(PlaceOptions), "a run");
        var dataFile = Resumption.DataFile(folder, checkpoint.Options, "run");
        // Nothing is "given" when reading the saved options: they hold every option's value, defaults too.
        var saved = new SettingsReader(
            new ConfigurationBuilder().AddInMemoryCollection(checkpoint.Options.Select(o => new KeyValuePair<string, string?>(o.Key, o.Value))).Build(),
            Options, new HashSet<string>());
        var settings = Resumption.Read(folder, () => ReadFresh(saved));
        Resumption.RequireSameData(folder, dataFile, settings.Data.Description, settings.Data.Fingerprint(), checkpoint.DataFingerprint, "run");
        var problem = settings.Double
            ? checkpoint.Read(new RegressionObjective<double>(settings.Data.ToDataset<double>(), settings.Loss), settings.Training).Problem
            : checkpoint.Read(new RegressionObjective<float>(settings.Data.ToDataset<float>(), settings.Loss), settings.Training).Problem;
        if (problem is not null) throw new UsageException($"{path}: {problem}");
        var history = checkpoint.ReadHistory(folder);
        return settings with { Resume = checkpoint, History = history, Out = r.IsGiven("--out") ? r.Text("--out") : folder, Threads = Threads(r) };
    }

    /// <summary>The state a checkpoint holds, for this run's objective and options; a problem is a usage error naming the file.</summary>
    private static TrainingState<T> Resumed<T>(Settings s, RegressionObjective<T> objective)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var (state, problem) = s.Resume!.Read(objective, s.Training);
        return state ?? throw new UsageException($"{Path.Combine(s.Out ?? ".", Checkpoint.File)}: {problem}");
    }

    /// <summary>Options that say where or how fast a run goes, not what it computes: kept out of summary.json and checkpoints.</summary>
    private static readonly string[] PlaceOptions = ["out", "threads", "resume"];

    private static Settings ReadFresh(SettingsReader r)
    {
        var seed = r.Int("--seed", Rules.Between(int.MinValue, int.MaxValue));
        var data = TrainingData.Read(r, seed);
        var (training, optimizer, loss) = ReadRun(r, data, seed, r.Int("--record-every", Rules.AtLeast(1)));
        training = training with { OnNonFinite = r.Choice("--on-nonfinite", "stop", "skip") == "skip" ? NonFinitePolicy.Skip : NonFinitePolicy.Stop };
        var every = r.Long("--checkpoint-every", Rules.AtLeast(0));
        if (every > 0 && data.Features + 1 > Limits.CheckpointParameters)
            throw SettingsReader.Fail("--checkpoint-every", r.Text("--checkpoint-every"),
                $"a checkpoint holds at most {Limits.CheckpointParameters} parameters; this data needs {data.Features + 1}");
        Limits.RequireValues("loss.csv", (long)training.Epochs * data.Rows / training.RecordEvery + 1, 3,
            "one row per --record-every examples over --epochs passes of the rows", "raise --record-every or lower --epochs");
        // --threads changes how fast, never what; --out where: neither is one of the run's options (summary.json says
        // how many threads were used). The data file is kept by its full path, so a checkpoint resumes from anywhere.
        var options = r.Effective();
        foreach (var key in PlaceOptions) options.Remove(key);
        TrainingData.RecordSource(options);
        return new(data, training, optimizer, loss, r.Choice("--precision", "float32", "float64") == "float64", options, every, Threads: Threads(r));
    }

    /// <summary>
    /// --threads, by default one fewer than the cores: the team's helpers spin between steps, so the runtime's own
    /// threads (the JIT's background compiles, the GC, progress) need a core of their own or they preempt a helper and
    /// every step waits for it (measured here: two threads on two cores were 1.3 times slower than one with the book's
    /// record points, 1.4 times faster without them).
    /// </summary>
    private static int Threads(SettingsReader r) =>
        r.OptionalText("--threads") is null ? Math.Max(1, Environment.ProcessorCount - 1) : r.Int("--threads", Rules.Between(1, 1024));

    /// <summary>
    /// The optimizer (with the learning-rate schedule) and the training options around it (batch size, epochs, shuffle,
    /// loss), checked against the data; shared with <c>sweep</c>, which reads the optimizer per point.
    /// </summary>
    public static (TrainingOptions Training, OptimizerTable.Choice Optimizer, RegressionLoss Loss) ReadRun(SettingsReader r, TrainingData data, int seed, int recordEvery)
    {
        var optimizer = OptimizerTable.Read(r, lr => ScheduleSettings.Read(r, lr));
        return (ReadTraining(r, data, seed, recordEvery, optimizer.Transformation), optimizer, ReadLoss(r));
    }

    /// <summary>The training options of a run of <paramref name="optimizer"/>: batch size, epochs, shuffle.</summary>
    public static TrainingOptions ReadTraining(SettingsReader r, TrainingData data, int seed, int recordEvery, IGradientTransformation optimizer)
    {
        var batch = r.Int("--batch-size", Rules.AtLeast(1));
        if (batch > data.Rows)
            throw SettingsReader.Fail("--batch-size", batch.ToString(CultureInfo.InvariantCulture), $"must be at most the {data.Rows} rows of the data");
        var shuffle = r.Choice("--shuffle", "rows", "batches", "none") switch
        {
            "batches" => ShuffleMode.Batches,
            "none" => ShuffleMode.None,
            _ => ShuffleMode.Rows,
        };
        return new TrainingOptions(optimizer, batch, r.Int("--epochs", Rules.Between(1, 1_000_000)), seed, recordEvery, NonFinitePolicy.Stop, shuffle);
    }

    /// <summary>--loss: d2l's ½(ŷ − y)² or PyTorch's squared error.</summary>
    public static RegressionLoss ReadLoss(SettingsReader r) =>
        r.Choice("--loss", "half-mse", "mse") == "mse" ? RegressionLoss.SquaredError : RegressionLoss.HalfSquaredError;

    protected override Task<int> RunAsync(Settings s, VerbContext context) =>
        Task.FromResult(s.Double ? Train<double>(s, context) : Train<float>(s, context));

    private static int Train<T>(Settings s, VerbContext context)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var data = s.Data.ToDataset<T>();
        var progress = context.Progress.Start("train", s.Training.TotalSteps(data.Rows));
        // Hashing the data is a pass over all of it: only a run that writes checkpoints needs it.
        var fingerprint = s.CheckpointEvery > 0 ? s.Data.Fingerprint() : "";
        var output = context.Output;
        // Helper threads only when this run's minibatches are cut into parts or the moments are summed in parts; they
        // never change the results.
        var threads = ThreadsUsed(s, data.FeatureCount, data.Rows);
        using var team = threads > 1 ? new WorkerTeam(threads) : null;
        var evaluations = s.Training.Records(data.Rows) + 2;
        RegressionObjective<T> objective;
        // The moments' one pass comes before any step, so nothing spins or waits on it: it takes every core.
        using (var momentsTeam = team is null && Environment.ProcessorCount > 1 &&
               RegressionObjective<T>.ReadsMoments(data.Rows, data.FeatureCount, evaluations) ? new WorkerTeam(Environment.ProcessorCount) : null)
            objective = new RegressionObjective<T>(data, s.Loss, team, evaluations, momentsTeam);
        var start = RegressionObjective<T>.InitialParameters(data.FeatureCount, s.Training.Seed);
        var checkpoints = s.CheckpointEvery > 0 ? new Checkpoint.Writer(output, s.Options, fingerprint, s.Training.Optimizer) : null;
        var outcome = TrainingLoop.Run(objective, s.Training, start, progress, context.Cancellation,
            start: s.Resume is null ? null : Resumed(s, objective),
            history: s.History,
            checkpointEvery: s.CheckpointEvery,
            checkpoint: checkpoints is null ? null : checkpoints.Write,
            initialLoss: s.Resume?.InitialLoss,
            seconds: s.Resume?.TrainingSeconds ?? 0);
        return Report(s, context, data, outcome, threads);
    }

    /// <summary>
    /// The threads that share the work of a run: --threads, but no more than a full minibatch has parts (or the moments'
    /// pass has, for large data), nor than the machine has cores (the helpers spin between jobs: on a shared core they
    /// wait for each other, 3.5 times slower with 8 threads on 2 cores).
    /// </summary>
    private static int ThreadsUsed(Settings s, int featureCount, int rows) =>
        Math.Min(Math.Min(s.Threads, LinearRegression.UsefulWorkers(s.Training.BatchSize, featureCount, rows)), Environment.ProcessorCount);

    /// <summary>
    /// The options that make <c>analyze</c> read the run's optimizer, in their shortest form: <c>--optimizer</c> unless it
    /// is analyze's default (momentum), then the optimizer's hyperparameters, lr and momentum always, others when not
    /// at their defaults.
    /// </summary>
    private static string AnalyzeOptions(Settings s)
    {
        var parts = new List<string>();
        if (s.Optimizer.Name != "momentum") parts.Add($"--optimizer {s.Optimizer.Name}");
        foreach (var flag in OptimizerTable.Of(s.Optimizer.Name).Uses)
        {
            var value = s.Options.GetValueOrDefault(flag[2..], "");
            var @default = OptimizerTable.Option(flag).Default;
            if (flag is "--lr" or "--momentum" || value != @default) parts.Add($"{flag} {value}");
        }
        return string.Join(" ", parts);
    }

    /// <summary>Writes every output of a run, prints the book's last line, and returns the exit code.</summary>
    public static int Report<T>(Settings s, VerbContext context, Dataset<T> data, TrainingOutcome<T> outcome, int threads)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var o = context.Output;
        // An optimizer that keeps an averaged iterate (--ema, Schedule-Free) has it evaluated beside its parameters.
        var average = outcome.Final.Optimizer.AveragedIterate();
        Csv.Write(o, "loss.csv", average is null ? ["epoch", "examples", "loss"] : ["epoch", "examples", "loss", "average_loss"],
            outcome.History.Select(r => (IReadOnlyList<object>)(average is null ? [r.Point.Epoch, r.Point.Examples, r.Point.Loss] : [r.Point.Epoch, r.Point.Examples, r.Point.Loss, r.AverageLoss])));
        var names = s.Data.FeatureNames;
        var parameters = outcome.Final.Parameters;
        string Name(int i) => i < names.Count ? "w_" + names[i] : "b";
        Csv.Write(o, "parameters.csv", average is null ? ["parameter", "value"] : ["parameter", "value", "average"],
            parameters.Select((p, i) => (IReadOnlyList<object>)(average is { } a ? [Name(i), double.CreateTruncating(p), double.CreateTruncating(a[i])] : [Name(i), double.CreateTruncating(p)])));
        var finalAverageLoss = average is { } avg ? new RegressionObjective<T>(data, s.Loss).Loss(avg.AsSpan()) : double.NaN;

        var epochs = s.Training.Epochs;
        var finalLoss = outcome.FinalLoss;
        var secondsPerEpoch = outcome.TrainingSeconds / Math.Max(1, Math.Ceiling(outcome.Final.EpochProgress(data.Rows) - 1e-12));
        var title = $"{s.Optimizer.Description}, batch {s.Training.BatchSize}";
        var epochAxis = outcome.History.Select(r => r.Point.Epoch).ToArray();
        var plot = Figures.Lines(title, "epoch", "loss",
            average is null
                ? [("loss", epochAxis, outcome.History.Select(r => r.Point.Loss).ToArray())]
                : [("loss", epochAxis, outcome.History.Select(r => r.Point.Loss).ToArray()), ("loss at the averaged iterate", epochAxis, outcome.History.Select(r => r.AverageLoss).ToArray())],
            markers: outcome.History.Length < 60);
        plot.Axes.SetLimitsX(0, epochs);
        Figures.Save(o, "loss.png", plot);

        Json.Write(o, "summary.json", w =>
        {
            w.WriteStartObject();
            w.WriteString("status", outcome.Status.ToString().ToLowerInvariant());
            if (outcome.Reason is not null) w.WriteString("reason", outcome.Reason);
            if (outcome.DivergedAtStep is { } at) w.WriteNumber("diverged_at_step", at);
            w.Number("final_loss", finalLoss);
            w.Number("initial_loss", outcome.InitialLoss);
            if (average is not null) w.Number("final_average_loss", finalAverageLoss);
            w.Number("seconds_per_epoch", secondsPerEpoch);
            w.Number("training_seconds", outcome.TrainingSeconds);
            w.WriteNumber("threads", threads);
            w.WriteNumber("steps", outcome.Final.Optimizer.Step);
            w.WriteNumber("skipped_steps", outcome.Final.Optimizer.SkippedSteps);
            w.WriteNumber("examples", outcome.Final.Examples);
            w.WriteNumber("rows", data.Rows);
            w.WriteNumber("features", data.FeatureCount);
            w.WriteString("data", s.Data.Description);
            w.WriteNumber("recorded_points", outcome.History.Length);
            // How each recorded loss was computed, in loss.csv's order: "direct" (a pass over the data, in double
            // precision) or "moments" (from the data's second moments, where their rounding bound is below 1e-6 of it).
            w.WriteStartArray("loss_forms");
            foreach (var r in outcome.History) w.WriteStringValue(Checkpoint.FormName(r.Form));
            w.WriteEndArray();
            w.WriteStartObject("options");
            foreach (var (key, value) in s.Options) w.WriteString(key, value);
            w.WriteEndObject();
            w.WriteEndObject();
        });

        switch (outcome.Status)
        {
            case RunStatus.Diverged:
                var hessian = LinearRegression.Hessian(data, s.Loss);
                Csv.Write(o, "hessian.csv", [.. names.Select(n => "w_" + n), "b"],
                    Enumerable.Range(0, hessian.GetLength(0)).Select(i => (IReadOnlyList<object>)[.. Enumerable.Range(0, hessian.GetLength(1)).Select(j => (object)hessian[i, j])]));
                var analyze = $"momentum analyze --matrix {o.PathOf("hessian.csv")}" + (s.Optimizer.IsNamed ? $" {AnalyzeOptions(s)}" : "");
                context.Error.WriteLine($"diverged: {outcome.Reason}; {TrainingLoop.StableRange(s.Optimizer, hessian)} ({analyze}). The outputs so far are in {o.Path}.");
                return App.Diverged;
            case RunStatus.Interrupted:
                context.Error.WriteLine($"{outcome.Reason}: the outputs so far are in {o.Path}");
                return App.Interrupted;
            default:
                context.Print(string.Create(CultureInfo.InvariantCulture, $"loss: {finalLoss:F3}, {secondsPerEpoch:F6} sec/epoch"));
                return App.Success;
        }
    }
}
