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

    protected override Task<int> RunAsync(Settings s, VerbContext context)
    {
        var n = s.Points;
        // ηλ ∈ (0, max] at max·(i + 1)/n; β ∈ [0, 1) at j/n.
        double EtaLambda(int i) => s.EtaLambdaMax * (i + 1) / n;
        double Beta(int j) => (double)j / n;

        var rows = new List<IReadOnlyList<object>>(n * n);
        var rates = new double[n, n];
        for (var j = 0; j < n; j++)
            for (var i = 0; i < n; i++)
            {
                var rate = MomentumMatrix.SpectralRadius(Beta(j), EtaLambda(i), 1);
                var regime = MomentumMatrix.RegimeOf(Beta(j), EtaLambda(i), 1);
                rows.Add([EtaLambda(i), Beta(j), rate, AnalyzeVerb.RegimeName(regime)]);
                rates[n - 1 - j, i] = rate < 1 ? rate : double.NaN; // row 0 is drawn at the top
            }
        Csv.Write(context.Output, "region.csv", ["eta_lambda", "beta", "rate", "regime"], rows);
        Figures.Save(context.Output, "region.png", Map(s, rates), 760, 520);

        var converging = rows.Count(r => (double)r[2] < 1);
        context.Print($"converges for {converging} of {n * n} grid points; boundary ηλ = 2 + 2β");
        return Task.FromResult(App.Success);
    }

    private static Plot Map(Settings s, double[,] rates)
    {
        var plot = Figures.New("Rate per step ρ(R(β, η, λ)) of momentum (gray: ρ ≥ 1, diverges)", "ηλ", "β");
        var heatmap = plot.Add.Heatmap(rates);
        heatmap.Extent = new CoordinateRect(0, s.EtaLambdaMax, 0, 1);
        heatmap.Colormap = new ScottPlot.Colormaps.Viridis();
        heatmap.NaNCellColor = Colors.LightGray;
        plot.Add.ColorBar(heatmap).Label = "rate";

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
