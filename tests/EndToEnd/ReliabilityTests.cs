using System.Text.Json;

namespace Momentum.EndToEnd;

/// <summary>Bad data, numerical faults, checkpoints and resumption, determinism.</summary>
public sealed class ReliabilityTests : IDisposable
{
    private readonly Cli cli = new();

    public void Dispose() => cli.Dispose();

    [Theory]
    [InlineData("", ": the file is empty")]
    [InlineData("\r\n\r\n", ": the file is empty")]
    [InlineData("a,b,c\r\n", ": has a header but no data rows")]
    [InlineData("1,2,3\n4,5,6\n7,8\n", ":3: expected 3 columns, found 2")]
    [InlineData("1\t2\t3\n4\tfive\t6\n7\t8\t9\n", ":2:2: \"five\" is not a number")]
    [InlineData("1,2,3\n4,NaN,6\n7,8,9\n", ":2:2: NaN is not a finite number")]
    [InlineData("1,2,3\n4,5,-Infinity\n7,8,9\n", ":2:3: -Infinity is not a finite number")]
    [InlineData("x,k,y\n1,2,3\n4,2,6\n7,2,9\n", ": column 2 (k) is constant (2 in every row): standardising it would divide by zero")]
    [InlineData("1\n2\n3\n", ": has 1 column; training needs at least one feature and a target")]
    [InlineData("1,x,3\n4,5,6\n7,8,9\n", ":1:2: \"x\" is not a number")]
    [InlineData("x,k,y\n1,0.1,3\n4,0.1,6\n7,0.1,9\n", ": column 2 (k) is constant (0.1 in every row): standardising it would divide by zero")]
    public void Bad_data_exits_2_naming_the_file_and_line_and_writes_nothing(string content, string expected)
    {
        var file = cli.PathOf("data.csv");
        File.WriteAllText(file, content);
        var result = cli.Run("train", "--data", file, "--batch-size", "1", "--out", cli.PathOf("never"));
        Assert.Equal(2, result.ExitCode);
        Assert.Equal(file + expected, result.Error.TrimEnd());
        Assert.False(Directory.Exists(cli.PathOf("never")));
    }

    [Fact]
    public void A_missing_file_and_a_missing_target_column_are_named()
    {
        var missing = cli.Run("train", "--data", cli.PathOf("nope.tsv"), "--out", cli.PathOf("never"));
        Assert.Equal((2, cli.PathOf("nope.tsv") + ": no such file"), (missing.ExitCode, missing.Error.TrimEnd()));
        File.WriteAllText(cli.PathOf("d.csv"), "a,b\n1,2\n3,5\n");
        var target = cli.Run("train", "--data", cli.PathOf("d.csv"), "--target", "y", "--batch-size", "1", "--out", cli.PathOf("never"));
        Assert.Equal((2, "--target y: no such column; the columns are a, b"), (target.ExitCode, target.Error.TrimEnd()));
        Assert.False(Directory.Exists(cli.PathOf("never")));
    }

    [Fact]
    public void Stop_on_a_non_finite_gradient_exits_3_with_the_step_and_skip_counts_the_steps_it_skips()
    {
        // A learning rate far past the stable range overflows float32 within a few hundred steps.
        var stop = cli.Run("train", "--lr", "1e6", "--momentum", "0.9", "--record-every", "1000000", "--out", cli.PathOf("stop"));
        Assert.Equal(3, stop.ExitCode);
        Assert.Contains("the gradient is not finite at step ", stop.Error);
        using (var summary = JsonDocument.Parse(File.ReadAllText(cli.PathOf("stop", "summary.json"))))
        {
            Assert.Equal("diverged", summary.RootElement.GetProperty("status").GetString());
            Assert.True(summary.RootElement.GetProperty("diverged_at_step").GetInt64() > 0);
            Assert.Equal(0, summary.RootElement.GetProperty("skipped_steps").GetInt64());
        }

        var skip = cli.Run("train", "--lr", "1e6", "--momentum", "0.9", "--record-every", "1000000", "--on-nonfinite", "skip", "--out", cli.PathOf("skip"));
        using var skipped = JsonDocument.Parse(File.ReadAllText(cli.PathOf("skip", "summary.json")));
        var root = skipped.RootElement;
        Assert.True(root.GetProperty("skipped_steps").GetInt64() > 0);
        Assert.Equal(300, root.GetProperty("steps").GetInt64() + root.GetProperty("skipped_steps").GetInt64());
        // The parameters went to infinity before the gradients did, so the end still counts as diverged.
        Assert.Equal(3, skip.ExitCode);
    }

    [Fact]
    public void Equal_runs_write_equal_files()
    {
        string[] args = ["train", "--synthetic", "400x4", "--optimizer", "nesterov", "--schedule", "cosine:10:100", "--seed", "3"];
        cli.Run([.. args, "--out", cli.PathOf("a")]);
        cli.Run([.. args, "--out", cli.PathOf("b")]);
        foreach (var file in new[] { "loss.csv", "parameters.csv", "loss.png" })
            Assert.Equal(File.ReadAllBytes(cli.PathOf("a", file)), File.ReadAllBytes(cli.PathOf("b", file)));
    }

    [Fact]
    public async Task An_interrupted_run_resumed_from_its_checkpoint_writes_what_an_uninterrupted_run_writes()
    {
        string[] args = ["train", "--synthetic", "2000x10", "--epochs", "20", "--record-every", "500", "--checkpoint-every", "300"];
        using (var stop = new CancellationTokenSource())
        {
            // Interrupted by its own progress, past the first epoch's 200 steps: the same moment in every run, on any machine.
            var setup = new Momentum.Runner.Cli.AppSetup(Momentum.Runner.Cli.SettingsFile.Default, new StopAfter(1000, stop));
            var code = await Momentum.Runner.Cli.App.RunAsync([.. args, "--out", cli.PathOf("a")], TextWriter.Null, TextWriter.Null,
                new Momentum.Runner.Execution.Interruption(stop.Token), setup);
            Assert.Equal(130, code);
        }
        using (var checkpoint = JsonDocument.Parse(File.ReadAllText(cli.PathOf("a", "checkpoint.json"))))
            Assert.InRange(checkpoint.RootElement.GetProperty("epoch").GetInt32(), 5, 19);
        using (var summary = JsonDocument.Parse(File.ReadAllText(cli.PathOf("a", "summary.json"))))
            Assert.Equal("interrupted", summary.RootElement.GetProperty("status").GetString());
        Assert.Equal(0, cli.Run("train", "--resume", cli.PathOf("a")).ExitCode);
        Assert.Equal(0, cli.Run([.. args, "--out", cli.PathOf("b")]).ExitCode);
        KillTests.AssertSameFiles(cli.PathOf("b"), cli.PathOf("a"),
            ["checkpoint-history.csv", "checkpoint.json", "loss.csv", "loss.png", "parameters.csv", "summary.json"]);
    }

    [Fact]
    public void A_sweep_resumed_after_losing_points_recomputes_only_those_and_writes_the_same_files()
    {
        string[] grid = ["sweep", "--synthetic", "300x3", "--lr", "0.01,0.05", "--momentum", "0,0.5,0.9", "--seeds", "0,1"];
        Assert.Equal(0, cli.Run([.. grid, "--out", cli.PathOf("all")]).ExitCode);
        Assert.Equal(0, cli.Run([.. grid, "--out", cli.PathOf("part")]).ExitCode);
        // As a killed sweep leaves it: the manifest of a running sweep and the rows finished so far.
        var lines = File.ReadAllLines(cli.PathOf("part", "sweep.csv"));
        File.WriteAllLines(cli.PathOf("part", "sweep.csv"), lines.Where((_, i) => i % 3 != 1));
        File.Delete(cli.PathOf("part", "sweep.png"));
        SweepFolders.MarkRunning(cli.PathOf("part"));

        var resumed = cli.Run("sweep", "--resume", cli.PathOf("part"), "--parallelism", "1");
        Assert.Equal(0, resumed.ExitCode);
        KillTests.AssertSameFiles(cli.PathOf("all"), cli.PathOf("part"), ["sweep.csv", "sweep.json", "sweep.png"]);

        var refused = cli.Run("sweep", "--resume", cli.PathOf("part"), "--lr", "0.1");
        Assert.Equal((2, $"--resume {cli.PathOf("part")}: a resumed sweep keeps its grid and options; leave out --lr"), (refused.ExitCode, refused.Error.TrimEnd()));
    }

    [Fact]
    public void A_checkpoint_that_does_not_fit_the_run_is_refused()
    {
        Assert.Equal(0, cli.Run("train", "--synthetic", "100x2", "--checkpoint-every", "10", "--out", cli.PathOf("run")).ExitCode);
        var path = cli.PathOf("run", "checkpoint.json");
        File.WriteAllText(path, File.ReadAllText(path).Replace("\"batch\": 0", "\"batch\": 7"));
        var result = cli.Run("train", "--resume", cli.PathOf("run"));
        Assert.Equal(2, result.ExitCode);
        Assert.Equal(path + ": epoch 2, minibatch 7 is not a position of a run of 2 epochs of 10 minibatches", result.Error.TrimEnd());
    }

    [Fact]
    public void Merge_refuses_rows_whose_labels_are_not_their_grid_point()
    {
        Assert.Equal(0, cli.Run("sweep", "--synthetic", "100x2", "--lr", "0.01,0.02", "--momentum", "0.5", "--out", cli.PathOf("s")).ExitCode);
        var csv = cli.PathOf("s", "sweep.csv");
        File.WriteAllText(csv, File.ReadAllText(csv).Replace("momentum,0.02,", "momentum,0.03,"));
        var result = cli.Run("merge", cli.PathOf("s"), "--out", cli.PathOf("m"));
        Assert.Equal(2, result.ExitCode);
        Assert.Equal(csv + ":3:2: \"0.03\" is not point 1 of this sweep's grid (expected 0.02)", result.Error.TrimEnd());
    }

    [Fact]
    public void Resume_refuses_a_folder_without_a_checkpoint_and_options_given_again()
    {
        Directory.CreateDirectory(cli.PathOf("empty"));
        var none = cli.Run("train", "--resume", cli.PathOf("empty"));
        Assert.Equal(2, none.ExitCode);
        Assert.Contains("checkpoint.json", none.Error);
        Assert.Equal(0, cli.Run("train", "--synthetic", "100x2", "--checkpoint-every", "10", "--out", cli.PathOf("run")).ExitCode);
        var again = cli.Run("train", "--resume", cli.PathOf("run"), "--lr", "0.1");
        Assert.Equal((2, $"--resume {cli.PathOf("run")}: a resumed run keeps the options it was started with; leave out --lr"), (again.ExitCode, again.Error.TrimEnd()));
    }
}
