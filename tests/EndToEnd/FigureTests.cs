using System.Text.Json;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Momentum.Runner.Cli;
using Momentum.Runner.Output;
using Momentum.Runner.Verbs;
using ScottPlot;

namespace Momentum.EndToEnd;

/// <summary>
/// Figures with nothing finite to draw (an empty shard, every point diverged, nothing converging, an overflowing f) never
/// stop the program, and say so on themselves; long series are thinned to a few thousand points that keep the first,
/// the last and the extremes.
/// </summary>
public sealed class FigureTests : IDisposable
{
    private readonly Cli cli = new();

    public void Dispose() => cli.Dispose();

    private static IEnumerable<string> Texts(Plot plot) => plot.GetPlottables<ScottPlot.Plottables.Text>().Select(t => t.LabelText);

    private static readonly SweepVerb.Grid Grid = new(["momentum", "nesterov"], [new("lr", [0.01, 0.1]), new("momentum", [0.5, 0.9])], null, "coupled", [0], "constant", "rows", 10, 2, "float32", "half-mse", "d", "f");

    [Fact]
    public void An_empty_shard_of_the_default_sweep_is_a_complete_shard_and_its_figure_says_it_holds_no_points()
    {
        var result = cli.Run("sweep", "--shard", "16/16", "--out", cli.PathOf("s"));
        Assert.Equal(0, result.ExitCode);
        Assert.Equal("0 points, 0 diverged", result.LastLine);
        Cli.AssertPng(cli.PathOf("s", "sweep.png"));
        using var manifest = JsonDocument.Parse(File.ReadAllText(cli.PathOf("s", "sweep.json")));
        Assert.Equal(0, manifest.RootElement.GetProperty("shard_points").GetInt32());
        Assert.True(manifest.RootElement.GetProperty("complete").GetBoolean());
        Assert.All(SweepFigure.Render(Grid, []).GetPlots(), p => Assert.Contains("no points of this panel in this shard", Texts(p)));
    }

    [Fact]
    public void The_sixteen_shards_of_the_readmes_job_array_on_the_default_grid_merge_into_the_unsharded_sweep()
    {
        Assert.Equal(0, cli.Run("sweep", "--out", cli.PathOf("all")).ExitCode);
        for (var k = 1; k <= 16; k++) Assert.Equal(0, cli.Run("sweep", "--shard", $"{k}/16", "--out", cli.PathOf($"shard-{k}")).ExitCode);
        Assert.Equal(0, cli.Run(["merge", .. Enumerable.Range(1, 16).Select(k => cli.PathOf($"shard-{k}")), "--out", cli.PathOf("merged")]).ExitCode);
        KillTests.AssertSameFiles(cli.PathOf("all"), cli.PathOf("merged"), ["sweep.csv", "sweep.json", "sweep.png"]);
    }

    [Fact]
    public void A_sweep_where_every_point_diverges_draws_a_figure_that_says_so()
    {
        var result = cli.Run("sweep", "--synthetic", "300x3", "--lr", "10", "--momentum", "0.5,0.9", "--out", cli.PathOf("s"));
        Assert.Equal(0, result.ExitCode);
        Assert.Equal("2 points, 2 diverged", result.LastLine);
        Cli.AssertPng(cli.PathOf("s", "sweep.png"));
        var panels = SweepFigure.Render(Grid, [.. Enumerable.Range(0, Grid.Count).Select(i => new SweepVerb.Row(Grid.At(i), double.NaN, true, null))]).GetPlots();
        Assert.All(panels, p => Assert.Contains($"{Figures.NothingFinite}: every point run here diverged", Texts(p)));
    }

    [Fact]
    public void A_region_where_nothing_converges_draws_a_map_that_says_so()
    {
        var result = cli.Run("region", "--eta-lambda-max", "1000", "--out", cli.PathOf("r"));
        Assert.Equal(0, result.ExitCode);
        Assert.Equal("converges for 0 of 40000 grid points; boundary ηλ = 2 + 2β", result.LastLine);
        Cli.AssertPng(cli.PathOf("r", "region.png"));
        var nothing = new double[3, 3];
        for (var i = 0; i < 3; i++) for (var j = 0; j < 3; j++) nothing[i, j] = double.NaN;
        Assert.Contains("no grid point converges (ρ ≥ 1 everywhere on this map)", Texts(RegionVerb.Map(new RegionVerb.Settings(3, 1000), nothing)));
    }

    [Fact]
    public void A_path_whose_f_overflows_is_drawn_without_contours_and_the_figure_says_why()
    {
        var result = cli.Run("trace", "--start", "1e200,1e200", "--lr", "1e-10", "--steps", "3", "--out", cli.PathOf("t"));
        Assert.Equal(0, result.ExitCode);
        Assert.Equal("Infinity", Cli.ReadCsv(cli.PathOf("t", "trace.csv")).Rows[0][3]);
        Cli.AssertPng(cli.PathOf("t", "trace.png"));
        var plot = Figures.Trace2d("t", [(1e200, 1e200), (1e199, 1e199)], (x1, x2) => x1 * x1 + x2 * x2);
        Assert.Contains("(no contours: f overflows on this range)", Texts(plot));
    }

    [Fact]
    public void Lines_with_no_finite_point_say_so_and_a_figure_of_many_series_says_how_many_it_draws()
    {
        var plot = Figures.Lines("x", "t", "y", [("a", [0.0, 1.0], [double.NaN, double.PositiveInfinity])]);
        Assert.Contains(Figures.NothingFinite, Texts(plot));
        var log = Figures.LogLines("x", "t", "y", [("a", [0.0, 1.0], [0.0, -1.0])]);
        Assert.Contains(Figures.NothingFinite, Texts(log));

        var result = cli.Run("scalar", "--lambdas", string.Join(",", Enumerable.Range(1, 70).Select(i => i * 0.01)), "--steps", "3", "--out", cli.PathOf("s"));
        Assert.Equal(0, result.ExitCode);
        Assert.Equal(70, result.Lines.Length);
        Assert.Equal("Gradient descent on (λ/2)·x², η = 0.1 (first 64 of 70 lambdas)", Figures.Titled("Gradient descent on (λ/2)·x², η = 0.1", 70, "lambdas"));
    }

    [Fact]
    public void A_path_of_a_million_steps_is_written_whole_and_drawn_thinned()
    {
        var result = cli.Run("trace", "--steps", "1000000", "--out", cli.PathOf("t"));
        Assert.Equal(0, result.ExitCode);
        Assert.Equal(1_000_002, File.ReadLines(cli.PathOf("t", "trace.csv")).Count());
        Cli.AssertPng(cli.PathOf("t", "trace.png"));
    }

    // Series of any length, with spikes: values from a few magnitudes, and now and then a huge one.
    private static readonly Arbitrary<double[]> Series =
        (from length in Gen.Frequency((3, Gen.Choose(0, 200)), (2, Gen.Choose(2900, 3100)), (2, Gen.Choose(3101, 40_000)))
         from seed in Gen.Choose(0, int.MaxValue)
         select Enumerable.Range(0, length).Select(i =>
         {
             var random = new Random(seed + i);
             return random.Next(50) == 0 ? (random.NextDouble() - 0.5) * 1e6 : Math.Sin(i / 50.0) + random.NextDouble();
         }).ToArray()).ToArbitrary();

    [Property(MaxTest = 100)]
    public Property Thinning_keeps_every_point_of_a_short_series_and_of_a_long_one_the_first_the_last_and_the_extremes_in_order() =>
        Prop.ForAll(Series, values =>
        {
            var thinning = new Thinning(values.Length, dimensions: 1);
            for (var i = 0; i < values.Length; i++) thinning.Add(i, values[i]);
            var (x, y) = thinning.Series();
            if (values.Length == 0) return (x.Length == 0).Label("an empty series stays empty");
            var ordered = x.Zip(x.Skip(1)).All(p => p.First < p.Second);
            var exact = x.Select((t, k) => values[(int)t] == y[k]).All(b => b);
            var kept = x[0] == 0 && x[^1] == values.Length - 1 && y.Contains(values.Max()) && y.Contains(values.Min());
            var bounded = values.Length <= Limits.PointsPerSeries ? x.Length == values.Length : x.Length <= Limits.PointsPerSeries + 4;
            return (ordered && exact && kept && bounded).Label($"{values.Length} points thinned to {x.Length}");
        });

    [Fact]
    public void Thinning_a_path_keeps_the_extremes_of_both_coordinates()
    {
        var thinning = new Thinning(100_000, dimensions: 2);
        for (var i = 0; i < 100_000; i++) thinning.Add(i, [i == 77_777 ? 1e9 : Math.Cos(i), i == 12_345 ? -1e9 : Math.Sin(i)]);
        var points = thinning.Points;
        Assert.True(points.Count <= Limits.PointsPerSeries + 6);
        Assert.Contains(points, p => p.Values[0] == 1e9 && p.X == 77_777);
        Assert.Contains(points, p => p.Values[1] == -1e9 && p.X == 12_345);
        Assert.Equal(99_999, points[^1].X);
    }
}
