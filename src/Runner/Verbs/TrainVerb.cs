using System.Collections.Immutable;
using System.Globalization;
using System.Numerics;
using Microsoft.Extensions.Configuration;
using Momentum.Optimizers;
using Momentum.Problems;
using Momentum.Runner.Cli;
using Momentum.Runner.Data;
using Momentum.Runner.Execution;
using Momentum.Runner.Output;
using Momentum.Training;
using Checkpoint = Momentum.Runner.Output.Checkpoint;

namespace Momentum.Runner.Verbs;

/// <summary>
/// Minibatch training of linear regression, d2l's <c>train_ch11</c> (§11.5.4) and <c>train_concise_ch11</c>: the loss
/// over the whole training set every 200 examples, timed as the book times it (training only).
/// </summary>
internal sealed class TrainVerb : Verb<TrainVerb.Settings>
{
    /// <param name="Data">The data, prepared.</param>
    /// <param name="Training">Core's options of the run.</param>
    /// <param name="Double">float64 rather than float32.</param>
    /// <param name="Options">Every option's text, for summary.json and checkpoints.</param>
    /// <param name="CheckpointEvery">Steps between checkpoints; 0 for none.</param>
    /// <param name="Resume">The checkpoint to continue from, or null.</param>
    /// <param name="Out">The output folder when it is not --out's (a resumed run writes into its own folder).</param>
    /// <param name="Threads">Threads that share each large minibatch's gradient (the results do not depend on it).</param>
    /// <param name="History">The losses the checkpoint covers, when resuming.</param>
    public sealed record Settings(
        TrainingData Data, LegacyTrainingOptions Training, bool Double, IReadOnlyDictionary<string, string> Options,
        long CheckpointEvery = 0, Checkpoint? Resume = null, string? Out = null, int Threads = 1, ImmutableArray<LossPoint>? History = null);

    public override string Name => "train";
    public override string Description => "Minibatch SGD/momentum/Nesterov on linear regression (d2l's train_ch11): loss.csv, loss.png, parameters.csv, summary.json.";
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

    /// <summary>The options of one training run, shared with <c>sweep</c> (which takes lists for some of them).</summary>
    public static IEnumerable<OptionSpec> Specs() =>
    [
        .. OptimizerSettings.Specs(lr: "0.005", momentum: "0.9", full: true, optimizer: "momentum"),
        ScheduleSettings.Spec,
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
        var saved = new SettingsReader(
            new ConfigurationBuilder().AddInMemoryCollection(checkpoint.Options.Select(o => new KeyValuePair<string, string?>(o.Key, o.Value))).Build(),
            Options);
        var settings = Resumption.Read(folder, () => ReadFresh(saved));
        Resumption.RequireSameData(folder, dataFile, settings.Data.Description, settings.Data.Fingerprint(), checkpoint.DataFingerprint, "run");
        if (checkpoint.Problem(settings.Data.Rows, settings.Data.Features, settings.Training, settings.Double) is { } problem)
            throw new UsageException($"{path}: {problem}");
        var history = checkpoint.ReadHistory(folder);
        return settings with { Resume = checkpoint, History = history, Out = r.IsGiven("--out") ? r.Text("--out") : folder, Threads = Threads(r) };
    }

    /// <summary>Options that say where or how fast a run goes, not what it computes: kept out of summary.json and checkpoints.</summary>
    private static readonly string[] PlaceOptions = ["out", "threads", "resume"];

    private static Settings ReadFresh(SettingsReader r)
    {
        var seed = r.Int("--seed", Rules.Between(int.MinValue, int.MaxValue));
        var data = TrainingData.Read(r, seed);
        var training = ReadRun(r, data, seed, OptimizerSettings.Read(r, full: true), r.Int("--record-every", Rules.AtLeast(1)))
            with { OnNonFinite = r.Choice("--on-nonfinite", "stop", "skip") == "skip" ? NonFinitePolicy.Skip : NonFinitePolicy.Throw };
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
        return new(data, training, r.Choice("--precision", "float32", "float64") == "float64", options, every, Threads: Threads(r));
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
    /// The training options around <paramref name="optimizer"/> (schedule, batch size, epochs, loss), checked against the
    /// data; shared with <c>sweep</c>.
    /// </summary>
    public static LegacyTrainingOptions ReadRun(SettingsReader r, TrainingData data, int seed, SgdOptions optimizer, int recordEvery)
    {
        var schedule = ScheduleSettings.Read(r, optimizer.LearningRate);
        var batch = r.Int("--batch-size", Rules.AtLeast(1));
        if (batch > data.Rows)
            throw SettingsReader.Fail("--batch-size", batch.ToString(CultureInfo.InvariantCulture), $"must be at most the {data.Rows} rows of the data");
        var loss = r.Choice("--loss", "half-mse", "mse") == "mse" ? RegressionLoss.SquaredError : RegressionLoss.HalfSquaredError;
        return new LegacyTrainingOptions(
            optimizer,
            batch,
            r.Int("--epochs", Rules.Between(1, 1_000_000)),
            seed,
            recordEvery,
            schedule,
            NonFinitePolicy.Throw,
            loss);
    }

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
        // Helper threads only when this run's minibatches are cut into parts; they never change the results.
        var threads = ThreadsUsed(s, data.FeatureCount);
        using var team = threads > 1 ? new GradientTeam(threads) : null;
        var checkpoints = s.CheckpointEvery > 0 ? new Checkpoint.Writer(output, s.Options, fingerprint) : null;
        var outcome = TrainingLoop.Run(data, s.Training, progress, context.Cancellation,
            start: s.Resume?.ToState(data, s.Training),
            history: s.History,
            checkpointEvery: s.CheckpointEvery,
            checkpoint: checkpoints is null ? null : checkpoints.Write,
            initialLoss: s.Resume?.InitialLoss,
            seconds: s.Resume?.TrainingSeconds ?? 0,
            team: team);
        return Report(s, context, data, outcome);
    }

    /// <summary>
    /// The threads that share each minibatch's gradient: --threads, but no more than a full minibatch has parts, nor than
    /// the machine has cores (the helpers spin between steps: on a shared core they wait for each other, 3.5 times slower
    /// with 8 threads on 2 cores).
    /// </summary>
    private static int ThreadsUsed(Settings s, int featureCount) =>
        Math.Min(Math.Min(s.Threads, GradientTeam.Parts(s.Training.BatchSize, featureCount)), Environment.ProcessorCount);

    /// <summary>Writes every output of a run, prints the book's last line, and returns the exit code.</summary>
    public static int Report<T>(Settings s, VerbContext context, Dataset<T> data, TrainingOutcome<T> outcome)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var o = context.Output;
        Csv.Write(o, "loss.csv", ["epoch", "examples", "loss"],
            outcome.History.Select(p => (IReadOnlyList<object>)[p.Epoch, p.Examples, p.Loss]));
        var names = s.Data.FeatureNames;
        var parameters = outcome.Final.Optimizer.Parameters;
        Csv.Write(o, "parameters.csv", ["parameter", "value"],
            parameters.Select((p, i) => (IReadOnlyList<object>)[i < names.Count ? "w_" + names[i] : "b", double.CreateTruncating(p)]));

        var epochs = s.Training.Epochs;
        var finalLoss = outcome.FinalLoss;
        var secondsPerEpoch = outcome.TrainingSeconds / Math.Max(1, Math.Ceiling(outcome.Final.EpochProgress(data.Rows) - 1e-12));
        var title = $"{OptimizerSettings.Describe(s.Training.Optimizer)}, batch {s.Training.BatchSize}";
        var epochAxis = outcome.History.Select(p => p.Epoch).ToArray();
        var plot = Figures.Lines(title, "epoch", "loss", [("loss", epochAxis, outcome.History.Select(p => p.Loss).ToArray())], markers: outcome.History.Length < 60);
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
            w.Number("seconds_per_epoch", secondsPerEpoch);
            w.Number("training_seconds", outcome.TrainingSeconds);
            w.WriteNumber("threads", ThreadsUsed(s, data.FeatureCount));
            w.WriteNumber("steps", outcome.Final.Optimizer.Step);
            w.WriteNumber("skipped_steps", outcome.Final.Optimizer.SkippedSteps);
            w.WriteNumber("examples", outcome.Final.Examples);
            w.WriteNumber("rows", data.Rows);
            w.WriteNumber("features", data.FeatureCount);
            w.WriteString("data", s.Data.Description);
            w.WriteNumber("recorded_points", outcome.History.Length);
            w.WriteStartObject("options");
            foreach (var (key, value) in s.Options) w.WriteString(key, value);
            w.WriteEndObject();
            w.WriteEndObject();
        });

        switch (outcome.Status)
        {
            case RunStatus.Diverged:
                var hessian = LinearRegression.Hessian(data);
                Csv.Write(o, "hessian.csv", [.. names.Select(n => "w_" + n), "b"],
                    Enumerable.Range(0, hessian.GetLength(0)).Select(i => (IReadOnlyList<object>)[.. Enumerable.Range(0, hessian.GetLength(1)).Select(j => (object)hessian[i, j])]));
                var analyze = $"momentum analyze --matrix {o.PathOf("hessian.csv")} --lr {Format.Exact(s.Training.Optimizer.LearningRate)} --momentum {Format.Exact(s.Training.Optimizer.Momentum)}";
                context.Error.WriteLine($"diverged: {outcome.Reason}; {TrainingLoop.StableRange(s.Training, hessian)} ({analyze}). The outputs so far are in {o.Path}.");
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
