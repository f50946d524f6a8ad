using System.Collections.Immutable;
using System.Numerics;
using System.Runtime.InteropServices;
using System.Text.Json;
using Momentum.Optimizers;
using Momentum.Runner.Cli;
using Momentum.Training;

namespace Momentum.Runner.Output;

/// <summary>
/// <c>checkpoint.json</c>: everything a training run needs to continue exactly where it stopped: its options, a
/// fingerprint of its data, Core's state record (parameters, velocity, step and skip counts, whether the momentum buffer
/// exists, the epoch and minibatch reached; the epoch's order follows from the seed), the losses recorded so far, and
/// its clock. Numbers are written as the shortest text that reads back to the same double, so a resumed run computes
/// the same bits as one that never stopped. Written atomically, like every output.
/// </summary>
internal sealed record Checkpoint(
    IReadOnlyDictionary<string, string> Options,
    string DataFingerprint,
    int Epoch,
    int Batch,
    long Examples,
    long Step,
    long SkippedSteps,
    bool BufferInitialized,
    double[] Parameters,
    double[] Velocity,
    ImmutableArray<LossPoint> History,
    double InitialLoss,
    double TrainingSeconds)
{
    public const string File = "checkpoint.json";
    private const string Format = "momentum-train-checkpoint/1";

    /// <summary>Captures a state of a run.</summary>
    public static Checkpoint Of<T>(IReadOnlyDictionary<string, string> options, string fingerprint, LegacyTrainingState<T> state,
        ImmutableArray<LossPoint> history, double initialLoss, double seconds)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        new(options, fingerprint, state.Epoch, state.Batch, state.Examples, state.Optimizer.Step, state.Optimizer.SkippedSteps,
            state.Optimizer.BufferInitialized,
            [.. state.Optimizer.Parameters.Select(double.CreateChecked)],
            [.. state.Optimizer.Velocity.Select(double.CreateChecked)],
            history, initialLoss, seconds);

    /// <summary>
    /// Checks that the checkpoint fits the run it resumes: parameter counts, and a position (epoch, minibatch, examples,
    /// steps) that the run's data and batch size can reach.
    /// </summary>
    /// <returns>A description of the first problem, or null.</returns>
    public string? Problem(int rows, int features, LegacyTrainingOptions options)
    {
        var batches = Minibatches.PerEpoch(rows, options.BatchSize);
        if (Parameters.Length != features + 1 || Velocity.Length != features + 1)
            return $"it holds {Parameters.Length} parameters and {Velocity.Length} velocities; the data needs {features + 1}";
        if (Epoch < 0 || Epoch > options.Epochs || Batch < 0 || Batch >= batches || (Epoch == options.Epochs && Batch != 0))
            return $"epoch {Epoch}, minibatch {Batch} is not a position of a run of {options.Epochs} epochs of {batches} minibatches";
        if (Examples != (long)Epoch * rows + (long)Batch * options.BatchSize || Step + SkippedSteps != (long)Epoch * batches + Batch || Step < 0 || SkippedSteps < 0)
            return $"{Examples} examples and {Step} + {SkippedSteps} steps do not match epoch {Epoch}, minibatch {Batch}";
        return null;
    }

    /// <summary>The training state it holds, for <paramref name="data"/> and the run's <paramref name="options"/>.</summary>
    public LegacyTrainingState<T> ToState<T>(Dataset<T> data, LegacyTrainingOptions options)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        // A float32 value written as a double reads back exactly, so the conversion is exact.
        var parameters = ImmutableCollectionsMarshal.AsImmutableArray(Parameters.Select(T.CreateChecked).ToArray());
        var velocity = ImmutableCollectionsMarshal.AsImmutableArray(Velocity.Select(T.CreateChecked).ToArray());
        var optimizer = new SgdState<T>(parameters, velocity, Step, BufferInitialized, SkippedSteps);
        var order = Minibatches.Order(data.Rows, options.Seed, Math.Min(Epoch, options.Epochs - 1));
        return new LegacyTrainingState<T>(optimizer, Epoch, Batch, Examples, order);
    }

    public void Write(OutputFolder folder) =>
        Json.Write(folder, File, w =>
        {
            w.WriteStartObject();
            w.WriteString("format", Format);
            w.WriteStartObject("options");
            foreach (var (key, value) in Options) w.WriteString(key, value);
            w.WriteEndObject();
            w.WriteString("data_fingerprint", DataFingerprint);
            w.WriteNumber("epoch", Epoch);
            w.WriteNumber("batch", Batch);
            w.WriteNumber("examples", Examples);
            w.WriteNumber("step", Step);
            w.WriteNumber("skipped_steps", SkippedSteps);
            w.WriteBoolean("buffer_initialized", BufferInitialized);
            Numbers(w, "parameters", Parameters);
            Numbers(w, "velocity", Velocity);
            w.WriteStartArray("history");
            foreach (var p in History)
            {
                w.WriteStartArray();
                w.WriteNumberValue(p.Examples);
                w.WriteNumberValue(p.Epoch);
                w.WriteNumberValue(p.Loss);
                w.WriteEndArray();
            }
            w.WriteEndArray();
            w.WriteNumber("initial_loss", InitialLoss);
            w.WriteNumber("training_seconds", TrainingSeconds);
            w.WriteEndObject();
        });

    private static void Numbers(Utf8JsonWriter w, string name, double[] values)
    {
        w.WriteStartArray(name);
        foreach (var v in values)
        {
            if (!double.IsFinite(v)) throw new InvalidOperationException($"{name} holds {v}: a checkpoint is only taken of a finite state.");
            w.WriteNumberValue(v);
        }
        w.WriteEndArray();
    }

    /// <summary>Reads <c>DIR/checkpoint.json</c>; problems are usage errors naming the file.</summary>
    public static Checkpoint Read(string folder)
    {
        var path = Path.Combine(folder, File);
        if (!Directory.Exists(folder)) throw new UsageException($"--resume {folder}: no such folder");
        if (!System.IO.File.Exists(path))
            throw new UsageException($"--resume {folder}: it holds no {File} (runs write one with --checkpoint-every N)");
        try
        {
            using var document = JsonDocument.Parse(System.IO.File.ReadAllText(path));
            var root = document.RootElement;
            if (root.GetProperty("format").GetString() != Format)
                throw new UsageException($"{path}: not a checkpoint this version can read (format {root.GetProperty("format").GetString()})");
            return new Checkpoint(
                root.GetProperty("options").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString() ?? ""),
                root.GetProperty("data_fingerprint").GetString() ?? "",
                root.GetProperty("epoch").GetInt32(),
                root.GetProperty("batch").GetInt32(),
                root.GetProperty("examples").GetInt64(),
                root.GetProperty("step").GetInt64(),
                root.GetProperty("skipped_steps").GetInt64(),
                root.GetProperty("buffer_initialized").GetBoolean(),
                [.. root.GetProperty("parameters").EnumerateArray().Select(e => e.GetDouble())],
                [.. root.GetProperty("velocity").EnumerateArray().Select(e => e.GetDouble())],
                [.. root.GetProperty("history").EnumerateArray().Select(e => new LossPoint(e[0].GetInt64(), e[1].GetDouble(), e[2].GetDouble()))],
                root.GetProperty("initial_loss").GetDouble(),
                root.GetProperty("training_seconds").GetDouble());
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException or IndexOutOfRangeException)
        {
            throw new UsageException($"{path}: not a readable checkpoint ({e.Message})");
        }
    }
}
