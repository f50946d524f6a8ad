using Momentum.Optimizers;
using Momentum.Problems;
using Momentum.Training;

namespace Momentum.EndToEnd;

public sealed class SweepTests : IDisposable
{
    private readonly Cli cli = new();

    public void Dispose() => cli.Dispose();

    private static readonly string[] Grid =
        ["--synthetic", "300x4", "--optimizer", "momentum,nesterov", "--lr", "0.01,0.05,3", "--momentum", "0.5,0.9", "--seeds", "0,1", "--epochs", "1"];

    [Fact]
    public void A_sweep_gives_the_same_files_whatever_the_parallelism()
    {
        Assert.Equal(0, cli.Run(["sweep", .. Grid, "--parallelism", "1", "--out", cli.PathOf("p1")]).ExitCode);
        Assert.Equal(0, cli.Run(["sweep", .. Grid, "--parallelism", "2", "--out", cli.PathOf("p2")]).ExitCode);
        foreach (var file in new[] { "sweep.csv", "sweep.json", "sweep.png" })
            Assert.Equal(File.ReadAllBytes(cli.PathOf("p1", file)), File.ReadAllBytes(cli.PathOf("p2", file)));

        var (header, rows) = Cli.ReadCsv(cli.PathOf("p1", "sweep.csv"));
        Assert.Equal(["optimizer", "lr", "momentum", "seed", "final_loss", "diverged", "seconds"], header[..7]);
        Assert.Equal(24, rows.Length);
        Assert.Contains(rows, r => r[5] == "true" && r[1] == "3");
        Assert.Contains(rows, r => r[5] == "false" && Cli.Number(r[4]) < 0.1);
        Cli.AssertPng(cli.PathOf("p1", "sweep.png"));
    }

    [Fact]
    public void Any_hyperparameter_given_a_list_is_an_axis_whose_points_are_Cores_runs_and_merged_shards_equal_the_unsharded_sweep()
    {
        string[] grid = ["sweep", "--synthetic", "200x3", "--optimizer", "qhm,momentum", "--lr", "0.01,0.02", "--momentum", "0.9",
            "--nu", "0.5,0.7,1", "--weight-decay", "0.001", "--seeds", "0,1", "--epochs", "1"];
        Assert.Equal(0, cli.Run([.. grid, "--out", cli.PathOf("all")]).ExitCode);
        var (header, rows) = Cli.ReadCsv(cli.PathOf("all", "sweep.csv"));
        // --weight-decay has one value: shared by every point, named in sweep.json, not a column.
        Assert.Equal(["optimizer", "lr", "momentum", "nu", "seed", "final_loss", "diverged", "seconds", "point"], header);
        Assert.Equal(2 * 2 * 3 * 2, rows.Length);
        // Order: optimizer, momentum, lr, the other axes, seed.
        Assert.Equal(["qhm", "0.01", "0.9", "0.5", "0"], rows[0][..5]);
        Assert.Equal(["qhm", "0.01", "0.9", "0.5", "1"], rows[1][..5]);
        Assert.Equal(["qhm", "0.01", "0.9", "0.7", "0"], rows[2][..5]);
        Assert.Equal(["qhm", "0.02", "0.9", "0.5", "0"], rows[6][..5]);
        Assert.Equal("momentum", rows[12][0]);

        var data = Dataset<float>.FromTable(Standardization.Standardize(SyntheticData.LinearRegression(200, 3, 0)).Table, 3);
        double Core(IGradientTransformation optimizer, int seed)
        {
            var options = new TrainingOptions(optimizer, 10, 1, seed, int.MaxValue, NonFinitePolicy.Stop);
            var objective = new RegressionObjective<float>(data);
            var result = Trainer.Train(objective, options, RegressionObjective<float>.InitialParameters(3, seed));
            return objective.Loss(result.Final.Parameters.AsSpan());
        }
        var qhm = new Chain(new AddDecayedWeights(0.001), Optimizer.Qhm(0.02, 0.9, 0.7));
        Assert.Equal(Core(qhm, 1), Cli.Number(rows[6 + 2 + 1][5]));
        // An optimizer repeats its run along an axis it does not read.
        var momentum = rows.Where(r => r[0] == "momentum" && r[1] == "0.01" && r[4] == "0").Select(r => r[5]).ToList();
        Assert.Equal(3, momentum.Count);
        Assert.Single(momentum.Distinct());
        Assert.Equal(Core(new Sgd(0.01, 0.9, weightDecay: 0.001), 0), Cli.Number(momentum[0]));
        Assert.Matches(@"^24 points, 0 diverged; best: (qhm, lr [\d.]+, momentum 0.9, nu [\d.]+|momentum, lr [\d.]+, momentum 0.9), seed \d: final loss [\d.]+$", cli.Run([.. grid, "--out", cli.PathOf("again")]).LastLine);

        for (var k = 1; k <= 3; k++)
            Assert.Equal(0, cli.Run([.. grid, "--shard", $"{k}/3", "--out", cli.PathOf($"shard{k}")]).ExitCode);
        Assert.Equal(0, cli.Run("merge", cli.PathOf("shard2"), cli.PathOf("shard3"), cli.PathOf("shard1"), "--out", cli.PathOf("merged")).ExitCode);
        foreach (var file in new[] { "sweep.csv", "sweep.json", "sweep.png" })
            Assert.Equal(File.ReadAllBytes(cli.PathOf("all", file)), File.ReadAllBytes(cli.PathOf("merged", file)));
    }

    [Fact]
    public void Shards_merged_equal_the_unsharded_sweep()
    {
        Assert.Equal(0, cli.Run(["sweep", .. Grid, "--out", cli.PathOf("all")]).ExitCode);
        for (var k = 1; k <= 3; k++)
            Assert.Equal(0, cli.Run(["sweep", .. Grid, "--shard", $"{k}/3", "--out", cli.PathOf($"shard{k}")]).ExitCode);
        var merged = cli.Run("merge", cli.PathOf("shard3"), cli.PathOf("shard1"), cli.PathOf("shard2"), "--out", cli.PathOf("merged"));
        Assert.Equal(0, merged.ExitCode);
        foreach (var file in new[] { "sweep.csv", "sweep.json", "sweep.png" })
            Assert.Equal(File.ReadAllBytes(cli.PathOf("all", file)), File.ReadAllBytes(cli.PathOf("merged", file)));
    }

    [Fact]
    public void Merge_refuses_missing_shards_and_shards_of_another_sweep()
    {
        cli.Run(["sweep", .. Grid, "--shard", "1/2", "--out", cli.PathOf("a")]);
        Assert.Equal(0, cli.Run(["sweep", .. Grid.Select(a => a == "300x4" ? "301x4" : a), "--shard", "2/2", "--out", cli.PathOf("b")]).ExitCode);
        var missing = cli.Run("merge", cli.PathOf("a"), "--out", cli.PathOf("never"));
        Assert.Equal(2, missing.ExitCode);
        Assert.StartsWith("merge: 12 of 24 points are missing", missing.Error);
        var mixed = cli.Run("merge", cli.PathOf("a"), cli.PathOf("b"), "--out", cli.PathOf("never"));
        Assert.Equal(2, mixed.ExitCode);
        Assert.Contains("belongs to a different sweep", mixed.Error);
        Assert.False(Directory.Exists(cli.PathOf("never")));
    }

    [Theory]
    [InlineData("--shard 3/2: must be K/N with 1 ≤ K ≤ N, e.g. 2/8", "--shard", "3/2")]
    [InlineData("--shard 0/4: must be K/N with 1 ≤ K ≤ N, e.g. 2/8", "--shard", "0/4")]
    [InlineData("--momentum 0: must be > 0 with Nesterov momentum (at the grid's point nesterov, lr 0.005, momentum 0, seed 0)", "--optimizer", "nesterov", "--momentum", "0,0.9")]
    [InlineData("--optimizer sgd,momentum: \"sgd\" must be one of gd, momentum, nesterov, sgdw, keras, qhm, aggmo, demon, lookahead, schedule-free", "--optimizer", "sgd,momentum")]
    [InlineData("--lr -1: must be ≥ 0 (at the grid's point momentum, lr -1, momentum 0, seed 0)", "--lr", "0.1,-1")]
    [InlineData("--nu 0.5,0.5: lists 0.5 twice", "--optimizer", "qhm", "--nu", "0.5,0.5")]
    [InlineData("--nu: not a hyperparameter of --optimizer momentum,gd; qhm reads it", "--optimizer", "momentum,gd", "--nu", "0.5,0.7")]
    [InlineData("--parallelism 0: must be an integer in [1, 1024]", "--parallelism", "0")]
    public void Bad_sweep_options_exit_2(string message, params string[] args)
    {
        var result = cli.Run(["sweep", .. args, "--out", cli.PathOf("never")]);
        Assert.Equal(2, result.ExitCode);
        Assert.Equal(message, result.Error.TrimEnd());
        Assert.False(Directory.Exists(cli.PathOf("never")));
    }
}
