namespace Momentum.EndToEnd;

/// <summary>merge takes each complete shard of one sweep once, as its sweep wrote it, and writes into a folder of its own.</summary>
public sealed class MergeTests : IDisposable
{
    private readonly Cli cli = new();

    public void Dispose() => cli.Dispose();

    private static readonly string[] Grid = ["sweep", "--synthetic", "100x2", "--lr", "0.01,0.02,0.05", "--momentum", "0.5,0.9"];

    private string Shard(int k, int n, string? name = null)
    {
        var folder = cli.PathOf(name ?? $"shard-{k}");
        Assert.Equal(0, cli.Run([.. Grid, "--shard", $"{k}/{n}", "--out", folder]).ExitCode);
        return folder;
    }

    private (int Code, string Error) Merge(params string[] args)
    {
        var result = cli.Run(["merge", .. args]);
        return (result.ExitCode, result.Error.TrimEnd());
    }

    [Fact]
    public void A_grid_value_the_runtime_writes_one_ulp_off_resumes_and_merges()
    {
        // 2⁻²⁵: .NET 10's "R" and Utf8JsonWriter write 2.980232238769531E-08, which reads back one ulp below.
        string[] grid = ["sweep", "--synthetic", "100x2", "--lr", "2.9802322387695312e-8,0.01", "--momentum", "0.5", "--epochs", "1"];
        var whole = cli.PathOf("whole");
        Assert.Equal(0, cli.Run([.. grid, "--out", whole]).ExitCode);
        Assert.Contains("2.9802322387695312E-08", File.ReadAllText(Path.Combine(whole, "sweep.json")));
        var resumed = cli.Run(["sweep", "--resume", whole]);
        Assert.True(resumed.ExitCode == 0, resumed.Error);
        var (a, b) = (cli.PathOf("a"), cli.PathOf("b"));
        Assert.Equal(0, cli.Run([.. grid, "--shard", "1/2", "--out", a]).ExitCode);
        Assert.Equal(0, cli.Run([.. grid, "--shard", "2/2", "--out", b]).ExitCode);
        Assert.Equal((0, ""), Merge(a, b, "--out", cli.PathOf("m")));
        Assert.Equal(File.ReadAllBytes(Path.Combine(whole, "sweep.csv")), File.ReadAllBytes(cli.PathOf("m", "sweep.csv")));
    }

    [Fact]
    public void The_same_shard_given_twice_is_refused()
    {
        var (a, b, copy) = (Shard(1, 2), Shard(2, 2), Shard(1, 2, "copy"));
        Assert.Equal((2, $"merge: {a} and {copy} are both shard 1/2 of this sweep; give each shard once"), Merge(a, b, copy, "--out", cli.PathOf("m")));
        Assert.Equal((2, $"merge: {a}/ is given twice (as {a})"), Merge(a, b, a + "/", "--out", cli.PathOf("m")));
        Assert.False(Directory.Exists(cli.PathOf("m")));
    }

    [Fact]
    public void A_manifest_edited_to_an_impossible_shard_is_refused()
    {
        var a = Shard(1, 2);
        var manifest = Path.Combine(a, "sweep.json");
        File.WriteAllText(manifest, File.ReadAllText(manifest).Replace("\"shard\": \"1/2\"", "\"shard\": \"9/4\""));
        Assert.Equal((2, $"{manifest}: \"shard\" is 9/4, not K/N with 1 ≤ K ≤ N"), Merge(a, "--out", cli.PathOf("m")));
        File.WriteAllText(manifest, File.ReadAllText(manifest).Replace("\"shard\": \"9/4\"", "\"shard\": \"2/4\""));
        Assert.Equal((2, $"{manifest}: \"shard_points\" must be 2, the points of shard 2/4 of a grid of 6"), Merge(a, "--out", cli.PathOf("m")));
    }

    [Theory]
    [InlineData("\"weight_decay_mode\": \"coupled\"", "\"weight_decay_mode\": \"sideways\"", "\"grid\": --weight-decay-mode sideways: must be one of coupled, decoupled (at the grid's point momentum, lr 0.01, momentum 0.5, seed 0)")]
    [InlineData("\"option\": \"momentum\"", "\"option\": \"nu\"", "\"grid\": the first axes must be lr and momentum")]
    [InlineData("\"values\": [", "\"values\": [-1, ", "\"grid\": --lr -1: must be ≥ 0 (at the grid's point momentum, lr -1, momentum -1, seed 0)")]
    [InlineData("\"optimizers\": [", "\"optimizers\": [\"adam\", ", "\"grid\": optimizers must be among gd, momentum, nesterov, sgdw, keras, qhm, aggmo, demon, lookahead, schedule-free")]
    [InlineData("\"seeds\": [", "\"seeds\": [\"x\", ", "\"grid\" is not a sweep's grid (")]
    public void A_manifest_whose_grid_was_edited_out_of_its_ranges_is_refused(string field, string edited, string message)
    {
        var a = Shard(1, 1);
        var manifest = Path.Combine(a, "sweep.json");
        var text = File.ReadAllText(manifest);
        Assert.Contains(field, text);
        File.WriteAllText(manifest, text.Replace(field, edited));
        var (code, error) = Merge(a, "--out", cli.PathOf("m"));
        Assert.Equal(2, code);
        Assert.StartsWith($"{manifest}: {message}", error);
        Assert.Equal(2, cli.Run("sweep", "--resume", a).ExitCode);
    }

    [Fact]
    public void Merging_into_one_of_the_shard_folders_is_refused()
    {
        var (a, b) = (Shard(1, 2), Shard(2, 2));
        Assert.Equal((2, $"--out {b}: is one of the shard folders being merged; merge into a folder of its own"), Merge(a, b, "--out", b));
    }

    [Fact]
    public void A_shard_whose_rows_were_edited_is_refused_by_merge_and_by_resume()
    {
        var (a, b) = (Shard(1, 2), Shard(2, 2));
        var csv = Path.Combine(b, "sweep.csv");
        var lines = File.ReadAllLines(csv);
        var fields = lines[1].Split(',');
        fields[4] = "0.001";
        File.WriteAllLines(csv, [lines[0], string.Join(",", fields), .. lines.Skip(2)]);
        var message = $"{csv}: its rows are not those the sweep wrote (their digest differs from rows_sha256 in sweep.json): the file was edited; run the shard again";
        Assert.Equal((2, message), Merge(a, b, "--out", cli.PathOf("m")));
        Assert.Equal((2, message), (cli.Run("sweep", "--resume", b).ExitCode, cli.Run("sweep", "--resume", b).Error.TrimEnd()));
    }

    [Fact]
    public void An_unfinished_shard_and_shards_of_different_cuts_are_refused()
    {
        var (a, b) = (Shard(1, 2), Shard(2, 2));
        SweepFolders.MarkRunning(b);
        Assert.Equal((2, $"{b}: shard 2/2 is running, not complete; finish it with momentum sweep --resume {b}"), Merge(a, b, "--out", cli.PathOf("m")));
        var third = Shard(3, 3);
        Assert.Equal((2, $"{third}: is shard 3/3, but {a} is a shard of 2: the sweep was cut into 2 shards"), Merge(a, third, "--out", cli.PathOf("m")));
        Assert.StartsWith("merge: 3 of 6 points are missing (points 1, 3, 5): shard 2/2 of 2 was not given", Merge(a, "--out", cli.PathOf("m")).Error);
    }

    [Fact]
    public void A_row_moved_into_another_shard_is_refused()
    {
        var (a, b) = (Shard(1, 2), Shard(2, 2));
        var csv = Path.Combine(a, "sweep.csv");
        File.AppendAllLines(csv, [File.ReadAllLines(Path.Combine(b, "sweep.csv"))[1]]);
        Assert.Equal((2, $"{csv}:5:8: point 1 is not in shard 1/2 (its points are those ≡ 0 modulo 2)"), Merge(a, b, "--out", cli.PathOf("m")));
    }
}
