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
    [InlineData("--momentum 0,0.9: includes 0, which --optimizer nesterov does not allow (Nesterov needs β > 0)", "--optimizer", "nesterov", "--momentum", "0,0.9")]
    [InlineData("--optimizer sgd,momentum: \"sgd\" must be one of gd, momentum, nesterov", "--optimizer", "sgd,momentum")]
    [InlineData("--lr 0.1,-1: item 2 (-1) must be > 0", "--lr", "0.1,-1")]
    [InlineData("--parallelism 0: must be an integer in [1, 1024]", "--parallelism", "0")]
    public void Bad_sweep_options_exit_2(string message, params string[] args)
    {
        var result = cli.Run(["sweep", .. args, "--out", cli.PathOf("never")]);
        Assert.Equal(2, result.ExitCode);
        Assert.Equal(message, result.Error.TrimEnd());
        Assert.False(Directory.Exists(cli.PathOf("never")));
    }
}
