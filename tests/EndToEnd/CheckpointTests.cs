using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Momentum.Runner.Cli;
using Momentum.Runner.Execution;

namespace Momentum.EndToEnd;

/// <summary>
/// checkpoint.json and checkpoint-history.csv: a small checkpoint beside an append-only history, read field by field,
/// with the data named by its full path; every damage is refused naming the file and the field.
/// </summary>
public sealed class CheckpointTests : IDisposable
{
    private readonly Cli cli = new();

    public void Dispose() => cli.Dispose();

    private static readonly string[] Run = ["train", "--synthetic", "400x3", "--epochs", "10", "--record-every", "100", "--checkpoint-every", "30"];

    private static readonly string[] TrainFiles = ["checkpoint-history.csv", "checkpoint.json", "loss.csv", "loss.png", "parameters.csv", "summary.json"];

    /// <summary>A run of <see cref="Run"/> (and <paramref name="extra"/> options) stopped after <paramref name="steps"/> steps, as Ctrl+C would stop it.</summary>
    private string Interrupted(string name, long steps = 200, params string[] extra)
    {
        using var stop = new CancellationTokenSource();
        var code = App.RunAsync([.. Run, .. extra, "--out", cli.PathOf(name)], TextWriter.Null, TextWriter.Null, new Interruption(stop.Token),
            new AppSetup(SettingsFile.Default, new StopAfter(steps, stop))).GetAwaiter().GetResult();
        Assert.Equal(130, code);
        return cli.PathOf(name);
    }

    private string Whole(params string[] extra)
    {
        Assert.Equal(0, cli.Run([.. Run, .. extra, "--out", cli.PathOf("whole")]).ExitCode);
        return cli.PathOf("whole");
    }

    [Theory]
    [InlineData("--optimizer", "qhm", "--nu", "0.6")]
    [InlineData("--optimizer", "aggmo", "--lr", "0.01")]
    [InlineData("--optimizer", "lookahead", "--lookahead-steps", "7")]
    [InlineData("--optimizer", "schedule-free", "--lr", "0.01", "--warmup-steps", "50")]
    [InlineData("--optimizer", "demon", "--demon-steps", "500", "--clip-norm", "1", "--accumulate", "3")]
    [InlineData("--optimizer", "nesterov", "--ema", "0.9", "--weight-decay", "0.01", "--weight-decay-mode", "decoupled", "--schedule", "cosine:20:400")]
    public void Every_optimizer_and_wrapper_resumes_from_its_checkpoint_to_the_files_of_an_uninterrupted_run(params string[] optimizer)
    {
        var folder = Interrupted("a", 211, optimizer);
        Assert.Equal(0, Resume(folder).ExitCode);
        KillTests.AssertSameFiles(Whole(optimizer), folder, TrainFiles);
    }

    private static void Edit(string checkpoint, Action<JsonObject> edit)
    {
        var json = JsonNode.Parse(File.ReadAllText(checkpoint))!.AsObject();
        edit(json);
        File.WriteAllText(checkpoint, json.ToJsonString());
    }

    private Cli.Result Resume(string folder) => cli.Run("train", "--resume", folder);

    [Fact]
    public void A_checkpoint_stays_the_size_of_the_model_however_long_the_history_and_the_history_is_appended()
    {
        var folder = cli.PathOf("t");
        Assert.Equal(0, cli.Run("train", "--synthetic", "200x2", "--epochs", "300", "--record-every", "20", "--checkpoint-every", "1", "--out", folder).ExitCode);
        // 3000 loss records: all in the history, none in the checkpoint.
        Assert.True(new FileInfo(Path.Combine(folder, "checkpoint.json")).Length < 2048);
        var history = File.ReadAllLines(Path.Combine(folder, "checkpoint-history.csv"));
        var loss = File.ReadAllLines(Path.Combine(folder, "loss.csv"));
        Assert.Equal("examples,epoch,loss,form,average_loss", history[0]);
        Assert.Equal(loss.Length, history.Length);
        Assert.Equal(3000, history.Length - 1);
        using var checkpoint = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, "checkpoint.json")));
        Assert.Equal(3000, checkpoint.RootElement.GetProperty("history_entries").GetInt32());
        Assert.False(checkpoint.RootElement.TryGetProperty("history", out _));
    }

    [Fact]
    public void A_history_torn_by_a_kill_is_read_as_far_as_the_checkpoint_covers_and_the_resumed_run_equals_a_whole_one()
    {
        var folder = Interrupted("a");
        // As a kill during an append leaves it: records past the checkpoint's, the last one cut short.
        File.AppendAllText(Path.Combine(folder, "checkpoint-history.csv"), "100000,250,0.5,direct,\n100100,250.25,0.4,dir");
        Assert.Equal(0, Resume(folder).ExitCode);
        KillTests.AssertSameFiles(Whole(), folder, TrainFiles);
    }

    [Fact]
    public void Resuming_refuses_a_history_shorter_than_its_checkpoint_missing_or_damaged_naming_the_line()
    {
        var folder = Interrupted("a");
        var history = Path.Combine(folder, "checkpoint-history.csv");
        var lines = File.ReadAllLines(history);
        using (var checkpoint = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, "checkpoint.json"))))
            Assert.Equal(lines.Length - 1, checkpoint.RootElement.GetProperty("history_entries").GetInt32());
        var entries = lines.Length - 1;

        File.WriteAllLines(history, lines.Take(2));
        Assert.Equal((2, $"{history}: holds 1 loss records; checkpoint.json covers {entries}"), (Resume(folder).ExitCode, Resume(folder).Error.TrimEnd()));
        File.WriteAllLines(history, [lines[0], lines[1], "200,x,0.3,direct,", .. lines.Skip(3)]);
        Assert.Equal($"{history}:3: \"200,x,0.3,direct,\" is not a loss record (examples,epoch,loss,form,average_loss)", Resume(folder).Error.TrimEnd());
        File.Delete(history);
        Assert.Equal($"{history}: missing; checkpoint.json covers {entries} loss records kept there", Resume(folder).Error.TrimEnd());
    }

    [Theory]
    [InlineData("history_entries", null, "\"history_entries\" is missing")]
    [InlineData("epoch", "\"x\"", "\"epoch\" must be an integer in [-2147483648, 2147483647], not \"x\"")]
    [InlineData("epoch", "1e99", "\"epoch\" must be an integer in [-2147483648, 2147483647], not 1e99")]
    [InlineData("parameters", "[0.1, \"x\", 0.3, 0.4]", "\"parameters\"[1] must be a finite number, not \"x\"")]
    [InlineData("parameters", "{\"a\": 1}", "\"parameters\" must be a list of numbers, not {\"a\":1}")]
    [InlineData("state", "{\"length\":4,\"count\":7,\"vectors\":{\"trace\":[0,0,1e999,0]},\"scalars\":{\"initialized\":1}}", "\"state\": $.vectors.trace[2]: 1e999 is out of the range of a double")]
    [InlineData("state", "{\"length\":4,\"count\":7,\"vectors\":{},\"scalars\":{\"initialized\":1}}", "\"state\": $.vectors: expected exactly trace; missing trace")]
    [InlineData("optimizer", "{\"kind\":\"sgd\",\"learning_rate\":0.01}", "\"optimizer\" is not the optimizer the run's options build (was the checkpoint edited?)")]
    [InlineData("options", "[]", "\"options\" must be an object, not []")]
    [InlineData("history_entries", "-1", "\"history_entries\" must be ≥ 0, not -1")]
    [InlineData("format", "\"momentum-train-checkpoint/1\"", "\"format\" is momentum-train-checkpoint/1; this version reads momentum-train-checkpoint/3 (a run checkpointed by another version must be started again)")]
    [InlineData("parameters", "[1e308, 0, 0, 0]", "\"parameters\"[0] = 1e308 is not a float32 value, and the run is float32 (it is past ±3.4028235e38)")]
    [InlineData("training_seconds", "-1", "\"training_seconds\" = -1 must be ≥ 0")]
    public void A_damaged_checkpoint_is_refused_naming_the_field(string field, string? value, string message)
    {
        var folder = Interrupted("a");
        var checkpoint = Path.Combine(folder, "checkpoint.json");
        Edit(checkpoint, json =>
        {
            if (value is null) json.Remove(field);
            else json[field] = JsonNode.Parse(value);
        });
        var result = Resume(folder);
        Assert.Equal(2, result.ExitCode);
        Assert.Equal($"{checkpoint}: {message}", result.Error.TrimEnd());
    }

    [Fact]
    public void A_checkpoint_that_is_not_JSON_is_refused_with_its_line_and_column()
    {
        var folder = Interrupted("a");
        var checkpoint = Path.Combine(folder, "checkpoint.json");
        File.WriteAllText(checkpoint, File.ReadAllText(checkpoint)[..40]);
        var result = Resume(folder);
        Assert.Equal(2, result.ExitCode);
        Assert.Matches($@"^{System.Text.RegularExpressions.Regex.Escape(checkpoint)}:\d+:\d+: not valid JSON \(.+\)$", result.Error.TrimEnd());
    }

    [Fact]
    public void A_checkpoint_holding_an_option_a_run_does_not_keep_is_refused()
    {
        var folder = Interrupted("a");
        var checkpoint = Path.Combine(folder, "checkpoint.json");
        Edit(checkpoint, json => json["options"]!["rate"] = "1");
        Assert.Equal($"{checkpoint}: \"options\".rate is not an option a run keeps", Resume(folder).Error.TrimEnd());
        Edit(checkpoint, json => { json["options"]!.AsObject().Remove("rate"); json["options"]!["lr"] = "fast"; });
        Assert.Equal($"--resume {folder}: --lr fast: must be a number", Resume(folder).Error.TrimEnd());
    }

    private string DataFile()
    {
        var random = new Random(3);
        var path = cli.PathOf("data.csv");
        File.WriteAllLines(path, ["a,b,y", .. Enumerable.Range(0, 300).Select(_ =>
            string.Create(CultureInfo.InvariantCulture, $"{random.NextDouble()},{random.NextDouble()},{random.NextDouble()}"))]);
        return path;
    }

    [Fact]
    public void A_checkpoint_names_its_data_by_the_full_path_and_resuming_says_whether_the_data_moved_or_changed()
    {
        var data = DataFile();
        var relative = Path.GetRelativePath(Environment.CurrentDirectory, data);
        var folder = cli.PathOf("t");
        Assert.Equal(0, cli.Run("train", "--data", relative, "--batch-size", "5", "--checkpoint-every", "20", "--out", folder).ExitCode);
        using (var checkpoint = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, "checkpoint.json"))))
            Assert.Equal(data, checkpoint.RootElement.GetProperty("options").GetProperty("data").GetString());
        using (var summary = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, "summary.json"))))
            Assert.False(summary.RootElement.GetProperty("options").TryGetProperty("out", out _));

        // From another folder: the data is found by its full path.
        if (ChildProcess.Supported)
        {
            using var child = ChildProcess.Start("/", "train", "--resume", folder);
            Assert.Equal(0, child.WaitForExit(120));
        }

        File.AppendAllText(data, "0.5,0.25,0.125\n");
        Assert.Equal($"--resume {folder}: the data {data} has changed since the run started (its contents differ)", Resume(folder).Error.TrimEnd());
        File.Move(data, data + ".moved");
        Assert.Equal($"--resume {folder}: the run's data {data} is no longer there (moved or deleted since the run started)", Resume(folder).Error.TrimEnd());
    }

    [Fact]
    public void A_sweep_names_its_data_by_the_full_path_and_resuming_says_whether_the_data_moved_or_changed()
    {
        var data = DataFile();
        var folder = cli.PathOf("s");
        Assert.Equal(0, cli.Run("sweep", "--data", Path.GetRelativePath(Environment.CurrentDirectory, data), "--lr", "0.01,0.02", "--momentum", "0.5", "--out", folder).ExitCode);
        using (var manifest = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, "sweep.json"))))
            Assert.Equal(data, manifest.RootElement.GetProperty("options").GetProperty("data").GetString());
        Assert.Equal(0, cli.Run("sweep", "--resume", folder).ExitCode);
        File.AppendAllText(data, "0.5,0.25,0.125\n");
        Assert.Equal($"--resume {folder}: the data {data} has changed since the sweep started (its contents differ)", cli.Run("sweep", "--resume", folder).Error.TrimEnd());
        File.Delete(data);
        Assert.Equal($"--resume {folder}: the sweep's data {data} is no longer there (moved or deleted since the sweep started)", cli.Run("sweep", "--resume", folder).Error.TrimEnd());
    }

    [Fact]
    public void A_float64_run_resumes_a_value_past_the_float32_range()
    {
        string[] run = ["train", "--synthetic", "100x3", "--precision", "float64", "--checkpoint-every", "10", "--lr", "0.001"];
        var folder = cli.PathOf("t");
        Assert.Equal(0, cli.Run([.. run, "--out", folder]).ExitCode);
        Edit(Path.Combine(folder, "checkpoint.json"), json =>
        {
            json["epoch"] = 0;
            json["batch"] = 0;
            json["examples"] = 0;
            json["state"]!["count"] = 0;
            json["history_entries"] = 0;
            json["parameters"]![0] = 1e300;
        });
        // A parameter of 1e300 makes the loss explode: the run is judged diverged, and says so (exit 3), not refused.
        Assert.Equal(3, Resume(folder).ExitCode);
    }
}
