using Momentum.Runner.Cli;
using Momentum.Runner.Output;
using Momentum.Theory;
using ScottPlot;

namespace Momentum.Runner.Verbs;

/// <summary>
/// The convergence map of momentum (d2l §11.6.3.2; Goh 2017, "the 2D parameter space"): the rate ρ(R(β, η, λ)) over
/// ηλ ∈ (0, 4] × β ∈ [0, 1), with the boundary ηλ = 2 + 2β and the regimes marked.
/// </summary>
internal sealed class RegionVerb : Verb<RegionVerb.Settings>
{
    public sealed record Settings(int Points, double EtaLambdaMax);

    public override string Name => "region";
    public override string Description => "The convergence map: the rate over ηλ × β, with the boundary ηλ = 2 + 2β and the regimes: region.csv and region.png.";
    public override string Example => "momentum region --points 200";

    public override IReadOnlyList<OptionSpec> Options { get; } =
    [
        new("--points", "Grid points along each axis.", "200"),
        new("--eta-lambda-max", "The largest ηλ on the map.", "4"),
    ];

    protected override Settings Read(SettingsReader r) =>
        new(r.Int("--points", Rules.Between(2, 4000)), r.Double("--eta-lambda-max", Rules.Positive));

    /// <summary>
    /// The map's grid of n points a side: ηλ ∈ (0, max] at max·(i + 1)/n (as max·((i + 1)/n) where max·(i + 1) would
    /// overflow) and β ∈ [0, 1) at j/n.
    /// </summary>
    internal static double EtaLambdaAt(double max, int n, int i) => double.IsFinite(max * (i + 1)) ? max * (i + 1) / n : max * ((i + 1.0) / n);

    /// <inheritdoc cref="EtaLambdaAt"/>
    internal static double MomentumAt(int n, int j) => (double)j / n;

    /// <summary>Most cells per axis of the figure's map: a finer map than the picture's pixels shows nothing more.</summary>
    public const int MapCells = 400;

    protected override Task<int> RunAsync(Settings s, VerbContext context)
    {
        var n = s.Points;
        double EtaLambda(int i) => EtaLambdaAt(s.EtaLambdaMax, n, i);
        double Beta(int j) => MomentumAt(n, j);

        // region.csv gets every grid point as it is computed; the map draws the grid's points at (about) evenly spaced
        // indices, at most MapCells a side, so its cells are values of the CSV.
        var m = Math.Min(n, MapCells);
        var shown = Enumerable.Range(0, m).Select(k => m == n ? k : (int)Math.Round((double)k * (n - 1) / (m - 1))).ToArray();
        var cellOf = new int[n];
        Array.Fill(cellOf, -1);
        for (var k = 0; k < m; k++) cellOf[shown[k]] = k;
        var rates = new double[m, m];
        long converging = 0;
        using (var csv = Csv.Begin(context.Output, "region.csv", ["eta_lambda", "beta", "rate", "regime"], context.Cancellation))
        {
            for (var j = 0; j < n; j++)
            {
                context.Cancellation.ThrowIfCancellationRequested();
                for (var i = 0; i < n; i++)
                {
                    var rate = MomentumMatrix.SpectralRadius(Beta(j), EtaLambda(i), 1);
                    var regime = MomentumMatrix.RegimeOf(Beta(j), EtaLambda(i), 1);
                    csv.Field(EtaLambda(i)).Field(Beta(j)).Field(rate).Field(AnalyzeVerb.RegimeName(regime)).End();
                    if (rate < 1) converging++;
                    if (cellOf[j] >= 0 && cellOf[i] >= 0)
                        rates[m - 1 - cellOf[j], cellOf[i]] = rate < 1 ? rate : double.NaN; // row 0 is drawn at the top
                }
            }
            csv.Finish();
        }
        Figures.Save(context.Output, "region.png", Map(s, rates), 760, 520);

        context.Print($"converges for {converging} of {(long)n * n} grid points; boundary ηλ = 2 + 2β");
        return Task.FromResult(App.Success);
    }

    internal static Plot Map(Settings s, double[,] rates)
    {
        var plot = Figures.New("Rate per step ρ(R(β, η, λ)) of momentum (gray: ρ ≥ 1, diverges)", "ηλ", "β");
        // A heatmap needs a finite cell for its colour scale; a map where nothing converges says so instead.
        if (rates.Cast<double>().Any(double.IsFinite))
        {
            var heatmap = plot.Add.Heatmap(rates);
            heatmap.Extent = new CoordinateRect(0, s.EtaLambdaMax, 0, 1);
            heatmap.Colormap = new ScottPlot.Colormaps.Viridis();
            heatmap.NaNCellColor = Colors.LightGray;
            plot.Add.ColorBar(heatmap).Label = "rate";
        }
        else
            Figures.Note(plot, "no grid point converges (ρ ≥ 1 everywhere on this map)", s.EtaLambdaMax / 2, 0.5);

        var betas = Enumerable.Range(0, 201).Select(k => k / 200.0).ToArray();
        void Curve(Func<double, double> etaLambda, Color color, string label, LinePattern pattern)
        {
            var line = plot.Add.Scatter(betas.Select(etaLambda).ToArray(), betas, color);
            line.MarkerSize = 0;
            line.LineWidth = 2;
            line.LinePattern = pattern;
            line.LegendText = label;
        }
        Curve(b => 2 + 2 * b, Colors.Red, "ηλ = 2 + 2β (boundary)", LinePattern.Solid);
        Curve(b => Math.Pow(1 - Math.Sqrt(b), 2), Figures.Palette[1], "ηλ = (1 ± √β)² (critical damping)", LinePattern.Dashed);
        Curve(b => Math.Pow(1 + Math.Sqrt(b), 2), Figures.Palette[1], "", LinePattern.Dashed);

        void Label(string text, double x, double y, Color color)
        {
            var label = plot.Add.Text(text, x, y);
            label.LabelFontColor = color;
            label.LabelFontSize = 15;
            label.LabelBold = true;
            label.LabelAlignment = Alignment.MiddleCenter;
        }
        Label("ripples", 1.1, 0.55, Colors.White);
        Label("monotone", 0.28, 0.04, Colors.White);
        Label("oscillation", 1.7, 0.025, Colors.White);
        if (s.EtaLambdaMax > 3) Label("divergence", Math.Min(3.4, s.EtaLambdaMax - 0.4), 0.3, Colors.Black);

        plot.Axes.SetLimits(0, s.EtaLambdaMax, 0, 1);
        plot.ShowLegend(Alignment.UpperLeft);
        return plot;
    }
}
