using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Momentum.Optimizers;
using Momentum.Problems;
using Momentum.Runner.Cli;
using Momentum.Runner.Output;
using Xunit.Abstractions;

namespace Momentum.EndToEnd;

/// <summary>
/// The chapter's <c>report.html</c>: one self-contained file whose numbers are Core's, and (in headless Chromium) a page
/// that renders without script errors and whose sliders move the plotted trace.
/// </summary>
public sealed class ReportTests(ReportTests.Chapter chapter, ITestOutputHelper log) : IClassFixture<ReportTests.Chapter>
{
    /// <summary>One chapter run for the tests of this class, which only read what it wrote.</summary>
    public sealed class Chapter : IDisposable
    {
        private readonly Cli cli = new();

        public Chapter() => Report = Run(cli);

        /// <summary>The chapter's report.html.</summary>
        public string Report { get; }

        public string PathOf(params string[] parts) => cli.PathOf(["out", .. parts]);

        public string Html => File.ReadAllText(Report);

        /// <summary>Runs the chapter into <paramref name="cli"/>'s folder out and returns its report.html.</summary>
        internal static string Run(Cli cli)
        {
            var result = cli.Run("chapter", "--out", cli.PathOf("out"));
            Assert.Equal(0, result.ExitCode);
            Assert.Contains($"interactive report: {cli.PathOf("out", "report.html")} (self-contained; open it in a browser)", result.Lines);
            return cli.PathOf("out", "report.html");
        }

        public void Dispose() => cli.Dispose();
    }

    [Fact]
    public void Chapter_writes_report_html_as_one_file_with_plotly_js_inside_and_nothing_to_fetch()
    {
        var bytes = File.ReadAllBytes(chapter.Report);
        // The byte order mark: plotly.js fills the head before any <meta charset> could be seen.
        Assert.Equal(Encoding.UTF8.Preamble.ToArray(), bytes[..3]);
        var html = Encoding.UTF8.GetString(bytes.AsSpan(3));
        Assert.StartsWith("<!DOCTYPE html>", html);
        Assert.Single(Regex.Matches(html, @"\* plotly\.js v\d+\.\d+\.\d+"));
        Assert.DoesNotMatch(@"<script[^>]*\bsrc=", html);
        Assert.DoesNotMatch(@"<link[^>]*\bhref=", html);
        Assert.InRange(bytes.Length, 3_000_000, 8_000_000);
        foreach (var chart in new[] { ReportHtml.TraceChart, ReportHtml.RateChart, "loss-chart", "section-5-chart", "section-10-chart", "section-11-chart", "section-12-chart" })
            Assert.Contains($"Plotly.newPlot('{chart}', ", html);
        Assert.Contains("[report.html](report.html)", File.ReadAllText(chapter.PathOf("report.md")));
    }

    [Fact]
    public void The_sliders_grid_holds_the_books_trace_runs_exactly_as_the_trace_sections_wrote_them()
    {
        var grid = Grid(chapter.Html);
        foreach (var (section, eta, beta) in new[] { ("01-gd-lr0.4", 0.4, 0.0), ("02-gd-lr0.6", 0.6, 0.0), ("03-momentum-lr0.6-beta0.5", 0.6, 0.5), ("04-momentum-lr0.6-beta0.25", 0.6, 0.25) })
        {
            var run = Run(grid, eta, beta);
            var (_, rows) = Cli.ReadCsv(chapter.PathOf(section, "trace.csv"));
            Assert.Equal(rows.Select(r => Cli.Number(r[1])), run["x1"]!.AsArray().Select(x => x!.GetValue<double>()));
            Assert.Equal(rows.Select(r => Cli.Number(r[2])), run["x2"]!.AsArray().Select(x => x!.GetValue<double>()));
        }
    }

    [Fact]
    public void Every_run_of_the_grid_is_Cores_trajectory_and_its_status_says_whether_the_rate_converges()
    {
        var grid = Grid(chapter.Html);
        var etas = grid["learningRates"]!.AsArray().Select(x => x!.GetValue<double>()).ToArray();
        var betas = grid["momenta"]!.AsArray().Select(x => x!.GetValue<double>()).ToArray();
        Assert.Equal(20, etas.Length);
        Assert.Equal(20, betas.Length);
        foreach (var eta in etas)
            foreach (var beta in betas)
            {
                var run = Run(grid, eta, beta);
                var expected = Trajectory.Collect(TwoDimensionalQuadratic.Chapter, Optimizer.HeavyBall(eta, beta), [-5, -2], 20);
                Assert.Equal(expected.Select(p => p.Point[1]), run["x2"]!.AsArray().Select(x => x!.GetValue<double>()));
                // Heavy ball converges on λ ∈ {0.2, 4} exactly when 4η < 2 + 2β (d2l §11.6.3.2).
                var status = run["status"]!.GetValue<string>();
                Assert.EndsWith(4 * eta < 2 + 2 * beta ? ": converges" : ": does not converge (ηλ ≥ 2 + 2β)", status);
                Assert.Equal([0.2 * eta, 4 * eta], run["etaLambda"]!.AsArray().Select(x => x!.GetValue<double>()));
            }
    }

    [Fact]
    public void The_rate_maps_hover_values_are_the_rates_and_regimes_the_region_section_wrote()
    {
        var map = Figure(chapter.Html, ReportHtml.RateChart)["data"]![0]!;
        var (header, rows) = Cli.ReadCsv(chapter.PathOf("13-region", "region.csv"));
        Assert.Equal(["eta_lambda", "beta", "rate", "regime"], header);
        var n = map["x"]!.AsArray().Count;
        Assert.Equal(n * n, rows.Length);
        for (var k = 0; k < rows.Length; k++)
        {
            var (j, i) = (k / n, k % n);
            Assert.Equal(Cli.Number(rows[k][0]), map["x"]![i]!.GetValue<double>());
            Assert.Equal(Cli.Number(rows[k][1]), map["y"]![j]!.GetValue<double>());
            Assert.Equal(Math.Round(Cli.Number(rows[k][2]), 6), map["z"]![j]![i]!.GetValue<double>());
            Assert.Equal(rows[k][3], map["text"]![j]![i]!.GetValue<string>());
        }
    }

    [Fact]
    public void The_same_chapter_writes_the_same_report_html_byte_for_byte()
    {
        using var cli = new Cli();
        var first = File.ReadAllBytes(Chapter.Run(cli));
        Assert.Equal(first, File.ReadAllBytes(Chapter.Run(cli)));
    }

    [Fact]
    public void A_section_stopped_before_its_first_row_has_no_figure_and_the_report_is_still_written()
    {
        // What a training section interrupted in its first epoch keeps: loss.csv with its header alone.
        using var cli = new Cli();
        var stopped = Directory.CreateDirectory(cli.PathOf("out", "06-train")).FullName;
        var finished = Directory.CreateDirectory(cli.PathOf("out", "07-train")).FullName;
        File.WriteAllText(Path.Combine(stopped, "loss.csv"), "epoch,loss\n");
        File.WriteAllText(Path.Combine(finished, "loss.csv"), "epoch,loss\n0,2.5\n1,0.75\n");
        var train = new Experiment("train", "06-train", "stopped", new Dictionary<string, string>());
        Assert.Null(ReportFigures.LossCurves([(6, train, stopped)]));
        var lines = JsonNode.Parse(ReportFigures.LossCurves([(6, train, stopped), (7, train with { Folder = "07-train" }, finished)])!)!["data"]!.AsArray();
        Assert.Equal("7. 07-train", Assert.Single(lines)!["name"]!.GetValue<string>());
        Assert.Equal([2.5, 0.75], lines[0]!["y"]!.AsArray().Select(y => y!.GetValue<double>()));

        File.WriteAllText(Path.Combine(stopped, "weights.csv"), "t,beta,weight\r\n");
        Assert.Null(ReportFigures.Section(new Experiment("weights", "06-train", "stopped", new Dictionary<string, string>()), stopped));
    }

    [ChromiumFact]
    public async Task Report_html_renders_in_headless_Chromium_without_script_errors_and_moving_a_slider_moves_the_trace()
    {
        var report = chapter.Report;
        await using var browser = await HeadlessChromium.StartAsync(HeadlessChromium.Executable!, 1100, 1400);
        var url = new Uri(report).AbsoluteUri;
        await browser.NavigateAsync(url);
        await browser.WaitForAsync("document.querySelectorAll('.chart').length === 7 && " +
            "Array.from(document.querySelectorAll('.chart')).every(c => c.querySelector('.main-svg') && c._fullLayout)", "every chart drawn");

        string Path(string expression) => $"JSON.stringify(document.getElementById('{ReportHtml.TraceChart}').data[{ReportFigures.PathTrace}].{expression})";
        var before = (await browser.EvaluateAsync(Path("x"))).GetString();
        await browser.PressAsync(ReportHtml.LearningRateSlider, "ArrowRight", 39);
        await browser.WaitForAsync($"{Path("x")} !== {JsonSerializer.Serialize(before)}", "the trace to move after the η slider moved");

        // η went from 0.6 to the next grid value, 0.65: the plotted path is Core's run of (0.65, 0.5), to the last bit.
        Assert.Equal("0.65", (await browser.EvaluateAsync($"document.getElementById('{ReportHtml.LearningRateSlider}-value').textContent")).GetString());
        var expected = Trajectory.Collect(TwoDimensionalQuadratic.Chapter, Optimizer.HeavyBall(0.65, 0.5), [-5, -2], 20);
        Assert.Equal(expected.Select(p => p.Point[0]), JsonSerializer.Deserialize<double[]>((await browser.EvaluateAsync(Path("x"))).GetString()!)!);
        Assert.Equal(expected.Select(p => p.Point[1]), JsonSerializer.Deserialize<double[]>((await browser.EvaluateAsync(Path("y"))).GetString()!)!);
        Assert.StartsWith("η = 0.65, β = 0.5: after 20 steps",
            (await browser.EvaluateAsync($"document.getElementById('{ReportHtml.TraceStatus}').textContent")).GetString());

        // β down to 0.45: the trace's two directions on the rate map follow.
        await browser.PressAsync(ReportHtml.MomentumSlider, "ArrowLeft", 37);
        var directions = $"JSON.stringify(document.getElementById('{ReportHtml.RateChart}').data[{ReportFigures.DirectionsTrace}].y)";
        await browser.WaitForAsync($"{directions} === '[0.45,0.45]'", "the rate map's points to move after the β slider moved");

        var screenshot = await browser.ScreenshotAsync();
        var artefact = Artefact("report.png");
        await File.WriteAllBytesAsync(artefact, screenshot);
        log.WriteLine($"screenshot: {artefact}");
        Cli.AssertPng(artefact);

        Assert.Empty(browser.Errors);
        Assert.All(browser.Requests, r => Assert.True(r == url || r.StartsWith("data:", StringComparison.Ordinal), $"the page fetched {r}"));
    }

    /// <summary>
    /// Where a test keeps what a person may want to look at afterwards: <c>$MOMENTUM_TEST_ARTEFACTS</c> (.ci/run sets
    /// TestResults/ci/artefacts), else artefacts/ beside the test binaries.
    /// </summary>
    private static string Artefact(string file)
    {
        var folder = Environment.GetEnvironmentVariable("MOMENTUM_TEST_ARTEFACTS") is { Length: > 0 } set ? set : Path.Combine(AppContext.BaseDirectory, "artefacts");
        Directory.CreateDirectory(folder);
        return Path.Combine(folder, file);
    }

    private static JsonNode Grid(string html)
    {
        var match = Regex.Match(html, $"<script type=\"application/json\" id=\"{ReportHtml.TraceGridData}\">(.*?)</script>", RegexOptions.Singleline);
        Assert.True(match.Success, "report.html has no grid of runs");
        return JsonNode.Parse(match.Groups[1].Value)!;
    }

    private static JsonNode Run(JsonNode grid, double eta, double beta)
    {
        var i = grid["learningRates"]!.AsArray().Select(x => x!.GetValue<double>()).ToList().IndexOf(eta);
        var j = grid["momenta"]!.AsArray().Select(x => x!.GetValue<double>()).ToList().IndexOf(beta);
        Assert.True(i >= 0 && j >= 0, $"η = {eta}, β = {beta} is not on the grid");
        return grid["runs"]![i * grid["momenta"]!.AsArray().Count + j]!;
    }

    private static JsonNode Figure(string html, string chart)
    {
        var match = Regex.Match(html, $@"Plotly\.newPlot\('{chart}', (.*?)\);</script>", RegexOptions.Singleline);
        Assert.True(match.Success, $"report.html does not draw {chart}");
        return JsonNode.Parse(match.Groups[1].Value.Replace("<\\/", "</", StringComparison.Ordinal))!;
    }
}

/// <summary>
/// A fact that needs headless Chromium (Debian's <c>chromium</c>, which .ci/run installs where missing): skipped, saying
/// why, when it is not on PATH.
/// </summary>
public sealed class ChromiumFactAttribute : FactAttribute
{
    public ChromiumFactAttribute()
    {
        if (HeadlessChromium.Executable is null)
            Skip = "chromium is not on PATH: install Debian's chromium (apt-get install -y chromium; .ci/run does where it is missing)"
                + (Environment.GetEnvironmentVariable("MOMENTUM_CHROMIUM_SKIPPED") is { Length: > 0 } why ? $": {why}" : "");
    }
}
