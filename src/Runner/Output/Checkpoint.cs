using System.Collections.Immutable;
using System.Globalization;
using System.Numerics;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using Momentum.Optimizers;
using Momentum.Problems;
using Momentum.Runner.Cli;
using Momentum.Runner.Execution;
using Momentum.Training;

namespace Momentum.Runner.Output;

/// <summary>
/// <c>checkpoint.json</c>: everything a training run needs to continue exactly where it stopped: its options (the data
/// file by its full path), a fingerprint of its data, the optimizer (any transformation, as
/// <see cref="TransformationJson"/> writes it) and its state (every vector and scalar by name, the count of steps taken),
/// the parameters, the position (epoch, minibatch, examples, skipped steps; the epoch's order follows from the seed), how
/// many loss records it covers, and its clock. The loss records themselves are appended to
/// <c>checkpoint-history.csv</c> beside it, so a checkpoint costs the size of the model plus the records new since the
/// last one, however long the run. Numbers are written as the shortest text that reads back to the same double, so a
/// resumed run computes the same bits as one that never stopped. The checkpoint is written atomically after the
/// history it covers has been appended; a history cut short by a kill (a torn last line, or records after the
/// checkpoint's) is read only as far as the checkpoint covers and rewritten when the run resumes.
/// </summary>
internal sealed record Checkpoint(
    IReadOnlyDictionary<string, string> Options,
    string DataFingerprint,
    string Optimizer,
    int Epoch,
    int Batch,
    long Examples,
    long SkippedSteps,
    double[] Parameters,
    string State,
    int HistoryEntries,
    double InitialLoss,
    double TrainingSeconds)
{
    public const string File = "checkpoint.json";
    public const string HistoryFile = "checkpoint-history.csv";
    private const string Format = "momentum-train-checkpoint/3";
    private const string HistoryHeader = "examples,epoch,loss,form,average_loss";

    /// <summary>Captures a state of a run of <paramref name="optimizer"/> that has recorded <paramref name="historyEntries"/> losses.</summary>
    public static Checkpoint Of<T>(IReadOnlyDictionary<string, string> options, string fingerprint, IGradientTransformation optimizer,
        TrainingState<T> state, int historyEntries, double initialLoss, double seconds)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer)) TransformationJson.WriteState(writer, state.Optimizer.Transform);
        return new(options, fingerprint, TransformationJson.Write(optimizer), state.Epoch, state.Batch, state.Examples, state.Optimizer.SkippedSteps,
            [.. state.Parameters.Select(double.CreateChecked)], Encoding.UTF8.GetString(buffer.WrittenSpan), historyEntries, initialLoss, seconds);
    }

    /// <summary>
    /// Checks that the checkpoint fits the run it resumes, and reads its state: the same optimizer, parameter counts,
    /// values the run's precision holds, and a position (epoch, minibatch, examples, steps) that the run's data and batch
    /// size can reach.
    /// </summary>
    /// <returns>The training state it holds, or a description of the first problem, naming the field.</returns>
    public (TrainingState<T>? State, string? Problem) Read<T>(IMinibatchObjective<T> objective, TrainingOptions options)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var rows = objective.Rows;
        var batches = Minibatches.PerEpoch(rows, options.BatchSize);
        var optimizer = TransformationJson.Write(options.Optimizer);
        if (Canonical(Optimizer) != Canonical(optimizer))
            return (null, "\"optimizer\" is not the optimizer the run's options build (was the checkpoint edited?)");
        if (Parameters.Length != objective.ParameterCount)
            return (null, $"\"parameters\" holds {Parameters.Length} values; the data needs {objective.ParameterCount}");
        if (typeof(T) == typeof(float))
            for (var i = 0; i < Parameters.Length; i++)
                if ((double)(float)Parameters[i] != Parameters[i])
                    return (null, $"\"parameters\"[{i}] = {Cli.Format.Exact(Parameters[i])} is not a float32 value, and the run is float32" +
                        (Math.Abs(Parameters[i]) > float.MaxValue ? " (it is past ±3.4028235e38)" : ""));
        TransformState<T> transform;
        try
        {
            using var document = JsonDocument.Parse(State);
            transform = TransformationJson.ReadState<T>(document.RootElement, options.Optimizer.Shape);
        }
        catch (JsonException e)
        {
            return (null, $"\"state\": {e.Message.TrimEnd('.')}");
        }
        if (transform.Length != objective.ParameterCount)
            return (null, $"\"state\" is for {transform.Length} parameters; the data needs {objective.ParameterCount}");
        var step = transform.Count;
        if (Epoch < 0 || Epoch > options.Epochs || Batch < 0 || Batch >= batches || (Epoch == options.Epochs && Batch != 0))
            return (null, $"epoch {Epoch}, minibatch {Batch} is not a position of a run of {options.Epochs} epochs of {batches} minibatches");
        if (Examples != (long)Epoch * rows + (long)Batch * options.BatchSize || step + SkippedSteps != (long)Epoch * batches + Batch || SkippedSteps < 0)
            return (null, $"{Examples} examples and {step} + {SkippedSteps} steps do not match epoch {Epoch}, minibatch {Batch}");
        if (TrainingSeconds < 0) return (null, $"\"training_seconds\" = {Cli.Format.Exact(TrainingSeconds)} must be ≥ 0");
        var parameters = ImmutableCollectionsMarshal.AsImmutableArray(Parameters.Select(T.CreateChecked).ToArray());
        var order = Trainer.OrderOf(objective, options, Math.Min(Epoch, options.Epochs - 1));
        return (new TrainingState<T>(new OptimizerState<T>(parameters, transform, SkippedSteps), Epoch, Batch, Examples, order), null);
    }

    // The transformation's JSON without its layout, for comparing.
    private static string Canonical(string json)
    {
        using var document = JsonDocument.Parse(json);
        return JsonSerializer.Serialize(document.RootElement);
    }

    /// <summary>Writes checkpoint.json at once (it must survive a kill of the running verb).</summary>
    public void Write(OutputFolder folder) =>
        Json.WriteNow(folder, File, w =>
        {
            w.WriteStartObject();
            w.WriteString("format", Format);
            w.WriteStartObject("options");
            foreach (var (key, value) in Options) w.WriteString(key, value);
            w.WriteEndObject();
            w.WriteString("data_fingerprint", DataFingerprint);
            w.WritePropertyName("optimizer");
            Indented(w, Optimizer);
            w.WriteNumber("epoch", Epoch);
            w.WriteNumber("batch", Batch);
            w.WriteNumber("examples", Examples);
            w.WriteNumber("skipped_steps", SkippedSteps);
            Numbers(w, "parameters", Parameters);
            w.WritePropertyName("state");
            Indented(w, State);
            w.WriteNumber("history_entries", HistoryEntries);
            Number(w, "initial_loss", InitialLoss);
            Number(w, "training_seconds", TrainingSeconds);
            w.WriteEndObject();
        });

    // Core's JSON, laid out as the rest of the file.
    private static void Indented(Utf8JsonWriter w, string json)
    {
        using var document = JsonDocument.Parse(json);
        document.RootElement.WriteTo(w);
    }

    private static void Number(Utf8JsonWriter w, string name, double value)
    {
        w.WritePropertyName(name);
        Finite(w, name, value);
    }

    private static void Numbers(Utf8JsonWriter w, string name, double[] values)
    {
        w.WriteStartArray(name);
        foreach (var v in values) Finite(w, name, v);
        w.WriteEndArray();
    }

    // A checkpoint holds finite numbers only: one that is not is refused by name, never written.
    private static void Finite(Utf8JsonWriter w, string name, double value)
    {
        if (!double.IsFinite(value)) throw new InvalidOperationException($"{name} holds {value}: a checkpoint is only taken of a finite state.");
        w.ExactNumberValue(value);
    }

    /// <summary>
    /// One loss record as a line of checkpoint-history.csv: examples, epoch, loss, its form and the averaged iterate's
    /// loss (empty when the optimizer keeps none), each reading back exactly.
    /// </summary>
    public static string HistoryLine(Recorded record) =>
        string.Create(CultureInfo.InvariantCulture, $"{record.Point.Examples},{TransformationJson.ExactText(record.Point.Epoch)},{TransformationJson.ExactText(record.Point.Loss)},{FormName(record.Form)},{(double.IsNaN(record.AverageLoss) ? "" : TransformationJson.ExactText(record.AverageLoss))}\n");

    /// <summary>How a loss form is written: "direct" or "moments".</summary>
    public static string FormName(LossForm form) => form == LossForm.Moments ? "moments" : "direct";

    /// <summary>checkpoint-history.csv holding <paramref name="history"/>: written whole when a run starts or resumes.</summary>
    public static void WriteHistory(OutputFolder folder, IReadOnlyList<Recorded> history) =>
        folder.WriteNow(HistoryFile, stream =>
        {
            using var writer = new StreamWriter(stream, new UTF8Encoding(false), 1 << 16, leaveOpen: true);
            writer.Write(HistoryHeader + "\n");
            foreach (var point in history) writer.Write(HistoryLine(point));
        });

    /// <summary>Appends the records <paramref name="history"/>[<paramref name="from"/>..] to checkpoint-history.csv.</summary>
    public static void AppendHistory(OutputFolder folder, IReadOnlyList<Recorded> history, int from) =>
        folder.Append(HistoryFile, stream =>
        {
            var text = new StringBuilder();
            for (var i = from; i < history.Count; i++) text.Append(HistoryLine(history[i]));
            stream.Write(Encoding.UTF8.GetBytes(text.ToString()));
        });

    /// <summary>
    /// Writes a run's checkpoints into its folder: the loss history whole at the first (a fresh file, or the records a
    /// resumed run starts from), then only the records new since the last, then checkpoint.json, which says how many
    /// records it covers.
    /// </summary>
    internal sealed class Writer(OutputFolder folder, IReadOnlyDictionary<string, string> options, string fingerprint, IGradientTransformation optimizer)
    {
        private int written = -1;

        public void Write<T>(TrainingState<T> state, IReadOnlyList<Recorded> history, double initialLoss, double seconds)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            // A state that has left the finite numbers (a run about to be found diverged) is not a checkpoint: resuming
            // from the last one replays the same steps to the same end.
            if (!state.Parameters.All(T.IsFinite) || !state.Optimizer.Transform.Vectors.All(T.IsFinite)) return;
            if (written < 0) WriteHistory(folder, history);
            else if (history.Count > written) AppendHistory(folder, history, written);
            written = history.Count;
            Of(options, fingerprint, optimizer, state, written, initialLoss, seconds).Write(folder);
        }
    }

    /// <summary>Reads <c>DIR/checkpoint.json</c>; every problem is a usage error naming the file and the field.</summary>
    public static Checkpoint Read(string folder)
    {
        var path = Path.Combine(folder, File);
        if (!Directory.Exists(folder))
            throw new UsageException(System.IO.File.Exists(folder) ? $"--resume {folder}: is a file; give the run's folder" : $"--resume {folder}: no such folder");
        if (!System.IO.File.Exists(path))
            throw new UsageException($"--resume {folder}: it holds no {File} (runs write one with --checkpoint-every N)");
        using var document = SettingsFile.Parse(path, InputFile.Read(path, Limits.CheckpointBytes, "a checkpoint"));
        var fields = new Fields(path, document.RootElement);
        var format = fields.Text("format");
        if (format != Format)
            throw new UsageException($"{path}: \"format\" is {SettingsReader.Shown(format)}; this version reads {Format} (a run checkpointed by another version must be started again)");
        return new Checkpoint(
            fields.Texts("options"),
            fields.Text("data_fingerprint"),
            fields.Object("optimizer"),
            fields.Int("epoch"),
            fields.Int("batch"),
            fields.Long("examples"),
            fields.Long("skipped_steps"),
            fields.Numbers("parameters", Limits.CheckpointParameters),
            fields.Object("state"),
            fields.Int("history_entries", minimum: 0),
            fields.Number("initial_loss"),
            fields.Number("training_seconds"));
    }

    /// <summary>
    /// The first <see cref="HistoryEntries"/> loss records of <c>DIR/checkpoint-history.csv</c>; what follows them (records
    /// written after the checkpoint, or a line torn by a kill) is ignored.
    /// </summary>
    public ImmutableArray<Recorded> ReadHistory(string folder)
    {
        var path = Path.Combine(folder, HistoryFile);
        if (HistoryEntries == 0 && !System.IO.File.Exists(path)) return [];
        if (!System.IO.File.Exists(path))
            throw new UsageException($"{path}: missing; {File} covers {HistoryEntries} loss records kept there");
        var history = ImmutableArray.CreateBuilder<Recorded>(HistoryEntries);
        try
        {
            using var reader = new StreamReader(path, Encoding.UTF8);
            var header = reader.ReadLine();
            if (header != HistoryHeader) throw new UsageException($"{path}:1: expected the header {HistoryHeader}");
            for (var line = 2; history.Count < HistoryEntries; line++)
            {
                var text = ReadBoundedLine(reader);
                if (text is null)
                    throw new UsageException($"{path}: holds {history.Count} loss records; {File} covers {HistoryEntries}");
                var f = text.Split(',');
                var average = double.NaN;
                if (f.Length != 5
                    || !long.TryParse(f[0], NumberStyles.None, CultureInfo.InvariantCulture, out var examples)
                    || !double.TryParse(f[1], NumberStyles.Float, CultureInfo.InvariantCulture, out var epoch) || !double.IsFinite(epoch)
                    || !double.TryParse(f[2], NumberStyles.Float, CultureInfo.InvariantCulture, out var loss)
                    || f[3] is not ("direct" or "moments")
                    || (f[4].Length > 0 && !double.TryParse(f[4], NumberStyles.Float, CultureInfo.InvariantCulture, out average)))
                    throw new UsageException($"{path}:{line}: \"{SettingsReader.Shown(text)}\" is not a loss record ({HistoryHeader})");
                if (history.Count > 0 && examples <= history[^1].Point.Examples)
                    throw new UsageException($"{path}:{line}: {examples} examples does not follow the record before ({history[^1].Point.Examples})");
                history.Add(new Recorded(new LossPoint(examples, epoch, loss), f[3] == "moments" ? LossForm.Moments : LossForm.Direct, average));
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UsageException($"{path}: cannot be read ({e.Message})");
        }
        return history.MoveToImmutable();
    }

    // A line of at most a few hundred characters (a record is under 80): a garbled file cannot make one huge string.
    private static string? ReadBoundedLine(StreamReader reader)
    {
        var line = new StringBuilder();
        int c;
        while ((c = reader.Read()) >= 0)
        {
            if (c == '\n') return line.ToString().TrimEnd('\r');
            if (line.Length >= 256) return line.ToString();
            line.Append((char)c);
        }
        return line.Length > 0 ? line.ToString() : null;
    }

    /// <summary>The fields of a checkpoint, each read or refused by name: <c>checkpoint.json: "epoch" must be an integer, not "x"</c>.</summary>
    private sealed class Fields(string path, JsonElement root)
    {
        private JsonElement Get(string name)
        {
            if (root.ValueKind != JsonValueKind.Object) throw Bad("must be a JSON object");
            return root.TryGetProperty(name, out var value) ? value : throw Bad($"\"{name}\" is missing");
        }

        private UsageException Bad(string problem) => new($"{path}: {problem}");

        private static string Shown(JsonElement value) => SettingsReader.Shown(value.GetRawText());

        public string Text(string name) =>
            Get(name) is { ValueKind: JsonValueKind.String } value ? value.GetString()! : throw Bad($"\"{name}\" must be text, not {Shown(Get(name))}");

        public bool Bool(string name) => Get(name).ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw Bad($"\"{name}\" must be true or false, not {Shown(Get(name))}"),
        };

        public long Long(string name, long minimum = long.MinValue)
        {
            var value = Get(name);
            if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt64(out var number))
                throw Bad($"\"{name}\" must be an integer, not {Shown(value)}");
            return number >= minimum ? number : throw Bad($"\"{name}\" must be ≥ {minimum}, not {number}");
        }

        public int Int(string name, int minimum = int.MinValue)
        {
            var value = Get(name);
            if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt32(out var number))
                throw Bad($"\"{name}\" must be an integer in [{int.MinValue}, {int.MaxValue}], not {Shown(value)}");
            return number >= minimum ? number : throw Bad($"\"{name}\" must be ≥ {minimum}, not {number}");
        }

        public double Number(string name) => Finite($"\"{name}\"", Get(name));

        // label: "initial_loss" or "parameters"[3].
        private double Finite(string label, JsonElement value) =>
            value.ValueKind == JsonValueKind.Number && value.TryGetDouble(out var number) && double.IsFinite(number)
                ? number
                : throw Bad($"{label} must be a finite number, not {Shown(value)}");

        public double[] Numbers(string name, int most)
        {
            var value = Get(name);
            if (value.ValueKind != JsonValueKind.Array) throw Bad($"\"{name}\" must be a list of numbers, not {Shown(value)}");
            if (value.GetArrayLength() > most) throw Bad($"\"{name}\" holds {value.GetArrayLength()} numbers; a checkpoint holds at most {most}");
            return [.. value.EnumerateArray().Select((e, i) => Finite($"\"{name}\"[{i}]", e))];
        }

        /// <summary>A JSON object's text, as it is (the optimizer, the state: Core reads them).</summary>
        public string Object(string name) =>
            Get(name) is { ValueKind: JsonValueKind.Object } value ? value.GetRawText() : throw Bad($"\"{name}\" must be an object, not {Shown(Get(name))}");

        public IReadOnlyDictionary<string, string> Texts(string name)
        {
            var value = Get(name);
            if (value.ValueKind != JsonValueKind.Object) throw Bad($"\"{name}\" must be an object, not {Shown(value)}");
            var texts = new SortedDictionary<string, string>(StringComparer.Ordinal);
            foreach (var p in value.EnumerateObject())
                texts[p.Name] = p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString()! : throw Bad($"\"{name}\".{p.Name} must be text, not {Shown(p.Value)}");
            return texts;
        }
    }
}
