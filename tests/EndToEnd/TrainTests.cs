using System.Collections.Immutable;
using System.Globalization;
using System.Text.Json;
using Momentum.Optimizers;
using Momentum.Problems;
using Momentum.Training;

namespace Momentum.EndToEnd;

public sealed class TrainTests : IDisposable
{
    private readonly Cli cli = new();

    public void Dispose() => cli.Dispose();

    private static Dataset<T> Synthetic<T>(int rows, int features, int seed)
        where T : unmanaged, System.Numerics.IFloatingPointIeee754<T> =>
        Dataset<T>.FromTable(Standardization.Standardize(SyntheticData.LinearRegression(rows, features, seed)).Table, features);

    /// <summary>A run as the train verb makes it: Core's trainer over the regression objective, d2l's initial parameters.</summary>
    private static TrainingResult<T> CoreRun<T>(Dataset<T> data, IGradientTransformation optimizer, int batchSize = 10, int epochs = 2, int seed = 0, int recordEvery = 200)
        where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        var options = new TrainingOptions(optimizer, batchSize, epochs, seed, recordEvery, NonFinitePolicy.Stop);
        var objective = new RegressionObjective<T>(data, RegressionLoss.HalfSquaredError, null, options.Records(data.Rows) + 2);
        return Trainer.Train(objective, options, RegressionObjective<T>.InitialParameters(data.FeatureCount, seed));
    }

    [Fact]
    public void Train_on_the_default_synthetic_set_writes_the_books_record_points_as_Core_computes_them()
    {
        var result = cli.Run("train", "--out", cli.PathOf("t"));
        Assert.Equal(0, result.ExitCode);
        Assert.Matches(@"^loss: \d+\.\d{3}, \d+\.\d{6} sec/epoch$", result.LastLine);

        var expected = CoreRun(Synthetic<float>(1500, 5, 0), Optimizer.Sgd(0.005, 0.9));
        var (header, rows) = Cli.ReadCsv(cli.PathOf("t", "loss.csv"));
        Assert.Equal(["epoch", "examples", "loss"], header);
        Assert.Equal(15, rows.Length);
        for (var i = 0; i < 15; i++)
        {
            Assert.Equal(expected.History[i].Epoch, Cli.Number(rows[i][0]));
            Assert.Equal(expected.History[i].Examples, long.Parse(rows[i][1], CultureInfo.InvariantCulture));
            Assert.Equal(expected.History[i].Loss, Cli.Number(rows[i][2]));
        }
        Assert.Equal($"loss: {expected.History[^1].Loss.ToString("F3", CultureInfo.InvariantCulture)}", result.LastLine.Split(',')[0]);

        var (_, parameters) = Cli.ReadCsv(cli.PathOf("t", "parameters.csv"));
        Assert.Equal(["w_x1", "w_x2", "w_x3", "w_x4", "w_x5", "b"], parameters.Select(p => p[0]));
        Assert.Equal(expected.Final.Parameters.Select(p => (double)p), parameters.Select(p => Cli.Number(p[1])));

        using var summary = JsonDocument.Parse(File.ReadAllText(cli.PathOf("t", "summary.json")));
        var root = summary.RootElement;
        Assert.Equal("completed", root.GetProperty("status").GetString());
        Assert.Equal(expected.History[^1].Loss, root.GetProperty("final_loss").GetDouble());
        Assert.True(root.GetProperty("seconds_per_epoch").GetDouble() > 0);
        Assert.Equal(300, root.GetProperty("steps").GetInt64());
        Assert.Equal(1500, root.GetProperty("rows").GetInt32());
        Assert.Equal(5, root.GetProperty("features").GetInt32());
        var options = root.GetProperty("options");
        foreach (var option in new[] { "optimizer", "lr", "momentum", "dampening", "weight-decay", "schedule", "batch-size", "epochs", "seed", "record-every", "precision", "synthetic" })
            Assert.True(options.TryGetProperty(option, out _), option);
        Cli.AssertPng(cli.PathOf("t", "loss.png"));
    }

    [Fact]
    public void Train_in_float64_with_nesterov_weight_decay_and_a_schedule_equals_Core()
    {
        var result = cli.Run("train", "--synthetic", "300x3", "--seed", "7", "--precision", "float64", "--optimizer", "nesterov",
            "--lr", "0.02", "--momentum", "0.8", "--weight-decay", "0.001", "--schedule", "step:20:0.5", "--batch-size", "16",
            "--epochs", "3", "--record-every", "100", "--out", cli.PathOf("t"));
        Assert.Equal(0, result.ExitCode);
        var optimizer = new Sgd(Schedule.StepDecay(0.02, 20, 0.5), 0.8, weightDecay: 0.001, nesterov: true);
        var expected = CoreRun(Synthetic<double>(300, 3, 7), optimizer, 16, 3, 7, 100);
        var (_, rows) = Cli.ReadCsv(cli.PathOf("t", "loss.csv"));
        Assert.Equal(expected.History.Select(p => p.Loss), rows.Select(r => Cli.Number(r[2])));
        Assert.Equal(9, rows.Length);
    }

    [Fact]
    public void Large_minibatches_train_the_same_bits_on_any_number_of_threads_and_a_resume_may_change_it()
    {
        // 200 × 64 is summed in three parts (LinearRegression.UsefulWorkers), shared by the threads; the last minibatch has 150 rows.
        string[] run = ["train", "--synthetic", "2950x64", "--batch-size", "200", "--epochs", "2", "--record-every", "1000"];
        Assert.Equal(0, cli.Run([.. run, "--threads", "1", "--out", cli.PathOf("one")]).ExitCode);
        Assert.Equal(0, cli.Run([.. run, "--threads", "3", "--out", cli.PathOf("three")]).ExitCode);
        Assert.Equal(0, cli.Run([.. run, "--threads", "2", "--checkpoint-every", "7", "--out", cli.PathOf("resumed")]).ExitCode);
        File.Delete(cli.PathOf("resumed", "loss.csv"));
        Assert.Equal(0, cli.Run("train", "--resume", cli.PathOf("resumed"), "--threads", "1").ExitCode);
        var expected = CoreRun(Synthetic<float>(2950, 64, 0), Optimizer.Sgd(0.005, 0.9), 200, 2, 0, 1000);
        var (_, rows) = Cli.ReadCsv(cli.PathOf("one", "loss.csv"));
        Assert.Equal(expected.History.Select(p => p.Loss), rows.Select(r => Cli.Number(r[2])));
        // Three parts, three threads asked for: as many as the machine has cores, up to three, are used.
        Assert.Contains($"\"threads\": {Math.Min(3, Environment.ProcessorCount)}", File.ReadAllText(cli.PathOf("three", "summary.json")));
        Assert.DoesNotContain("\"threads\": \"", File.ReadAllText(cli.PathOf("three", "summary.json")));
        foreach (var file in new[] { "loss.csv", "parameters.csv" })
        {
            Assert.Equal(File.ReadAllText(cli.PathOf("one", file)), File.ReadAllText(cli.PathOf("three", file)));
            Assert.Equal(File.ReadAllText(cli.PathOf("one", file)), File.ReadAllText(cli.PathOf("resumed", file)));
        }
    }

    [Fact]
    public void The_concise_loss_trains_like_twice_the_learning_rate()
    {
        Assert.Equal(0, cli.Run("train", "--loss", "mse", "--lr", "0.005", "--out", cli.PathOf("a")).ExitCode);
        Assert.Equal(0, cli.Run("train", "--lr", "0.01", "--out", cli.PathOf("b")).ExitCode);
        Assert.Equal(File.ReadAllText(cli.PathOf("a", "loss.csv")), File.ReadAllText(cli.PathOf("b", "loss.csv")));
    }

    [Fact]
    public void The_target_can_be_named_or_numbered_and_rows_are_kept_after_standardising()
    {
        File.WriteAllText(cli.PathOf("d.tsv"), "y\ta\tb\r\n1\t2\t3\r\n2\t1\t5\r\n4\t4\t1\r\n3\t0\t2\r\n");
        var named = cli.Run("train", "--data", cli.PathOf("d.tsv"), "--target", "y", "--rows", "3", "--batch-size", "1", "--record-every", "1", "--out", cli.PathOf("n"));
        var numbered = cli.Run("train", "--data", cli.PathOf("d.tsv"), "--target", "1", "--rows", "3", "--batch-size", "1", "--record-every", "1", "--out", cli.PathOf("i"));
        Assert.Equal(0, named.ExitCode);
        Assert.Equal(File.ReadAllText(cli.PathOf("n", "loss.csv")), File.ReadAllText(cli.PathOf("i", "loss.csv")));
        var (_, parameters) = Cli.ReadCsv(cli.PathOf("n", "parameters.csv"));
        Assert.Equal(["w_a", "w_b", "b"], parameters.Select(p => p[0]));

        var table = new NumericTable([1, 2, 3, 2, 1, 5, 4, 4, 1, 3, 0, 2], 3);
        var data = Dataset<float>.FromTable(Standardization.Standardize(table).Table, 0, 3);
        var expected = CoreRun(data, Optimizer.Sgd(0.005, 0.9), 1, 2, 0, 1);
        Assert.Equal(expected.History.Select(p => p.Loss), Cli.ReadCsv(cli.PathOf("n", "loss.csv")).Rows.Select(r => Cli.Number(r[2])));
    }

    [Fact]
    public void A_diverging_run_exits_3_keeps_its_outputs_and_names_the_stable_learning_rates()
    {
        var result = cli.Run("train", "--lr", "5", "--momentum", "0.9", "--out", cli.PathOf("t"));
        Assert.Equal(3, result.ExitCode);
        Assert.StartsWith("diverged: ", result.Error);
        Assert.Matches(@"full-batch momentum is at the edge of convergence at lr \d+(\.\d+)? \(L = [\d.]+, the largest eigenvalue of the loss's Hessian\): keep lr below it", result.Error);
        Assert.Contains("momentum analyze --matrix ", result.Error);
        Assert.Matches(@"after step \d+|at step \d+", result.Error);
        using var summary = JsonDocument.Parse(File.ReadAllText(cli.PathOf("t", "summary.json")));
        Assert.Equal("diverged", summary.RootElement.GetProperty("status").GetString());
        Assert.True(File.Exists(cli.PathOf("t", "loss.csv")));
        Assert.True(File.Exists(cli.PathOf("t", "hessian.csv")));
        // The Hessian written is the one analyze reads.
        Assert.Equal(0, cli.Run("analyze", "--matrix", cli.PathOf("t", "hessian.csv"), "--lr", "5", "--momentum", "0.9", "--out", cli.PathOf("a")).ExitCode);
    }

    [Fact]
    public async Task Cancelling_stops_at_a_step_boundary_writes_what_was_computed_and_exits_130()
    {
        // A run of several minutes, asked to stop once it has taken 5000 steps (a moment chosen by its progress).
        using var stop = new CancellationTokenSource();
        var (stdout, stderr) = (new StringWriter(), new StringWriter());
        var code = await Momentum.Runner.Cli.App.RunAsync(
            ["train", "--synthetic", "20000x10", "--epochs", "20000", "--record-every", "20000", "--out", cli.PathOf("t")], stdout, stderr,
            new Momentum.Runner.Execution.Interruption(stop.Token),
            new Momentum.Runner.Cli.AppSetup(Momentum.Runner.Cli.SettingsFile.Default, new StopAfter(5000, stop)));
        Assert.Equal(130, code);
        Assert.Matches($@"^interrupted after step \d+: the outputs so far are in {System.Text.RegularExpressions.Regex.Escape(cli.PathOf("t"))}$", stderr.ToString().TrimEnd());
        using var summary = JsonDocument.Parse(File.ReadAllText(cli.PathOf("t", "summary.json")));
        Assert.Equal("interrupted", summary.RootElement.GetProperty("status").GetString());
        Assert.InRange(summary.RootElement.GetProperty("steps").GetInt64(), 5000, 5000 + 4096);
        Assert.True(File.Exists(cli.PathOf("t", "loss.csv")));
    }

    [AirfoilTheory]
    [InlineData("--rows 2000: the data has only 1503 rows", "--rows", "2000")]
    [InlineData("--batch-size 1600: must be at most the 1500 rows of the data", "--rows", "1500", "--batch-size", "1600")]
    [InlineData("--target 9: must be a column number in [1, 6] or a header name", "--target", "9")]
    [InlineData("--target y: the data has no header: give a column number (1 = first)", "--target", "y")]
    public void Bad_training_options_against_the_airfoil_file_exit_2(string message, params string[] args)
    {
        var result = cli.Run(["train", "--data", AirfoilFactAttribute.Path!, .. args, "--out", cli.PathOf("never")]);
        Assert.Equal(2, result.ExitCode);
        Assert.Equal(message, result.Error.TrimEnd());
        Assert.False(Directory.Exists(cli.PathOf("never")));
    }

    [Theory]
    [InlineData("--synthetic 10: must be ROWSxFEATURES with at least 2 rows and 1 feature, e.g. 1500x5", "--synthetic", "10")]
    [InlineData("--batch-size 0: must be an integer ≥ 1", "--batch-size", "0")]
    [InlineData("--epochs 0: must be an integer in [1, 1000000]", "--epochs", "0")]
    [InlineData("--seed 1.5: must be an integer", "--seed", "1.5")]
    [InlineData("--precision half: must be one of float32, float64", "--precision", "half")]
    [InlineData("--schedule step:0:0.5: SIZE \"0\" must be an integer ≥ 1", "--schedule", "step:0:0.5")]
    [InlineData("--schedule warm: must be constant | step:SIZE:GAMMA | exp:GAMMA | cosine:WARMUP:TOTAL[:FINAL] | piecewise:STEP=FACTOR,… (steps; relative to --lr).", "--schedule", "warm")]
    [InlineData("--batch-size 101: must be at most the 100 rows of the data", "--synthetic", "100x2", "--batch-size", "101")]
    [InlineData("--threads 0: must be an integer in [1, 1024]", "--threads", "0")]
    public void Bad_training_options_exit_2_and_write_nothing(string message, params string[] args)
    {
        var result = cli.Run(["train", .. args, "--out", cli.PathOf("never")]);
        Assert.Equal(2, result.ExitCode);
        Assert.Equal(message, result.Error.TrimEnd());
        Assert.False(Directory.Exists(cli.PathOf("never")));
    }

    [AirfoilTheory]
    [InlineData("0.02", "0.5")]
    [InlineData("0.01", "0.9")]
    [InlineData("0.005", "0.9")]
    public void On_the_airfoil_data_the_books_runs_end_near_its_loss_with_15_points(string lr, string momentum)
    {
        var result = cli.Run("train", "--data", AirfoilFactAttribute.Path!, "--rows", "1500", "--batch-size", "10", "--epochs", "2", "--lr", lr, "--momentum", momentum, "--out", cli.PathOf("t"));
        Assert.Equal(0, result.ExitCode);
        var (_, rows) = Cli.ReadCsv(cli.PathOf("t", "loss.csv"));
        Assert.Equal(15, rows.Length);
        Assert.InRange(Cli.Number(rows[^1][2]), 0.242, 0.261);
    }
}
