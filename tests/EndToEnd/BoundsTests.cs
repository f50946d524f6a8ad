namespace Momentum.EndToEnd;

/// <summary>
/// Accepted input never exhausts memory: long outputs are streamed to disk, and an input whose output would pass a
/// documented bound (README, "Bounds") is refused with exit 2, naming the bound, before anything is written.
/// </summary>
public sealed class BoundsTests : IDisposable
{
    private readonly Cli cli = new();

    public void Dispose() => cli.Dispose();

    private static string Repeat(string value, int count) => string.Join(",", Enumerable.Repeat(value, count));

    [Theory]
    [InlineData("quadratic.csv would hold 10,020,001,002 values, (--steps + 1) rows × (2 + one per eigenvalue) columns; the most one output file may hold is 100,000,000: lower --steps or give fewer --eigenvalues",
        "quadratic", "--steps", "10000000", "--eigenvalues", "1000 ones")]
    [InlineData("weights.csv would hold 6,000,000,000 values, --horizon rows per beta × 3 columns; the most one output file may hold is 100,000,000: lower --horizon or give fewer --betas",
        "weights", "--horizon", "1000000", "--betas", "2000 halves")]
    [InlineData("scalar.csv would hold 15,000,000,000 values, --steps rows per lambda × 3 columns; the most one output file may hold is 100,000,000: lower --steps or give fewer --lambdas",
        "scalar", "--steps", "1000000", "--lambdas", "5000 halves")]
    [InlineData("loss.csv would hold 600,000,003 values, one row per --record-every examples over --epochs passes of the rows; the most one output file may hold is 100,000,000: raise --record-every or lower --epochs",
        "train", "--synthetic", "200x2", "--epochs", "1000000", "--record-every", "1")]
    [InlineData("sweep: the grid has 1,001,000 points (1 optimizers × 1001 lr × 1000 momentum × 1 seeds); a sweep has at most 1,000,000",
        "sweep", "--lr", "1001 rates", "--momentum", "1000 momenta")]
    public void An_input_whose_output_would_pass_a_bound_is_refused_naming_it(string message, params string[] args)
    {
        string Expand(string arg) => arg switch
        {
            "1000 ones" => Repeat("1", 1000),
            "2000 halves" => Repeat("0.5", 2000),
            "5000 halves" => Repeat("0.5", 5000),
            "1001 rates" => string.Join(",", Enumerable.Range(1, 1001).Select(i => (i * 1e-4).ToString(System.Globalization.CultureInfo.InvariantCulture))),
            "1000 momenta" => string.Join(",", Enumerable.Range(0, 1000).Select(i => (i / 1000.0).ToString(System.Globalization.CultureInfo.InvariantCulture))),
            _ => arg,
        };
        var result = cli.Run([.. args.Select(Expand), "--out", cli.PathOf("never")]);
        Assert.Equal((2, message), (result.ExitCode, result.Error.TrimEnd()));
        Assert.False(Directory.Exists(cli.PathOf("never")));
    }

    [Fact]
    public void A_config_is_read_no_further_than_its_bound_and_refused_when_it_holds_NUL_bytes_or_is_a_folder()
    {
        var large = cli.PathOf("large.json");
        File.WriteAllText(large, "{\"experiments\": [{\"verb\": \"trace\"}]}" + new string(' ', 1 << 20));
        Assert.Equal($"{large}: is larger than 1 MiB, the most a run config may be", cli.Run("run", "--config", large).Error.TrimEnd());
        var sparse = cli.PathOf("sparse.json");
        using (var file = File.Create(sparse)) file.SetLength(2L << 30); // 2 GiB of NUL bytes, none of them on disk
        Assert.Equal($"{sparse}: is not a text file (it holds NUL bytes)", cli.Run("run", "--config", sparse).Error.TrimEnd());
        Assert.Equal("/dev/zero: is not a text file (it holds NUL bytes)", cli.Run("run", "--config", "/dev/zero").Error.TrimEnd());
        Assert.Equal($"{cli.Root}: is a folder, not a run config", cli.Run("run", "--config", cli.Root).Error.TrimEnd());
    }
}

/// <summary>The long outputs of the report, run in a real process whose heap is capped at 256 MB: they stream.</summary>
[Collection(nameof(ProcessCollection))]
public sealed class StreamingTests : IDisposable
{
    private readonly Cli cli = new();

    public void Dispose() => cli.Dispose();

    [Theory]
    [InlineData("trace", "trace.csv", 10_000_002, new[] { "trace", "--steps", "10000000" })]
    [InlineData("region", "region.csv", 16_000_001, new[] { "region", "--points", "4000" })]
    [InlineData("quadratic", "quadratic.csv", 1_000_002, new[] { "quadratic", "--steps", "1000000", "--eigenvalues", "1,0.5,0.25,0.125,0.0625,0.03125,0.015625,0.0078125,0.00390625,0.001953125,0.0009765625,0.00048828125,1,0.5,0.25,0.125,0.0625,0.03125,0.015625,0.0078125,0.00390625,0.001953125,0.0009765625,0.00048828125,1,0.5,0.25,0.125,0.0625,0.03125,0.015625,0.0078125,0.00390625,0.001953125,0.0009765625,0.00048828125,1,0.5,0.25,0.125,0.0625,0.03125,0.015625,0.0078125,0.00390625,0.001953125,0.0009765625,0.00048828125" })]
    public void A_long_output_is_written_within_a_256_MB_heap(string verb, string file, long lines, string[] args)
    {
        if (!ChildProcess.Supported) return;
        using var run = ChildProcess.StartWith(cli.Root, [("DOTNET_GCHeapHardLimit", "0x10000000")], [.. args, "--out", "o"]);
        Assert.True(run.WaitForExit(600) == 0, $"{verb}: {run.Error}");
        Assert.Equal(lines, File.ReadLines(cli.PathOf("o", file)).LongCount());
        Assert.True(File.Exists(cli.PathOf("o", Path.ChangeExtension(file, ".png"))));
    }
}
