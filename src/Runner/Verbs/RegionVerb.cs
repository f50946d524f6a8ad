using Momentum.Optimizers;
using Momentum.Runner.Cli;
using Momentum.Runner.Output;
using Momentum.Theory;
using ScottPlot;

namespace Momentum.Runner.Verbs;

/// <summary>
/// The convergence map (d2l §11.6.3.2; Goh 2017, "the 2D parameter space"): the rate ρ(R) over ηλ ∈ (0, max] × β ∈ [0, 1)
/// with the borders and the regimes marked. For the book's heavy ball (the default) R(β, η, λ) in closed form
/// (<see cref="MomentumMatrix"/>) with the boundary ηλ = 2 + 2β and critical damping ηλ = (1 ± √β)²; for any other linear
/// optimizer of the table its own R, rows from <see cref="Region.Row"/> and borders from <see cref="Region.Borders"/>,
/// both computed in Core. β is <c>--momentum</c>; for AggMo it sets the momenta β⁽ⁱ⁾ = 1 − (1 − β)ⁱ, i = 0 … K − 1 (Lucas
/// et al. 2019's choice, K the number of <c>--betas</c>); gd has none, so its rows are all alike.
/// </summary>
internal sealed class RegionVerb : Verb<RegionVerb.Settings>
{
    /// <param name="Points">Grid points along each axis.</param>
    /// <param name="EtaLambdaMax">The largest ηλ.</param>
    /// <param name="Family">(ηλ, β) ↦ the optimizer on λ = 1; null for the book's heavy ball, drawn from its closed form.</param>
    /// <param name="Label">The optimizer and the hyperparameters that are not axes, for the title.</param>
    public sealed record Settings(int Points, double EtaLambdaMax, Func<double, double, IGradientTransformation>? Family = null, string Label = "momentum");

    public override string Name => "region";
    public override string Description => "The convergence map of any linear optimizer (momentum by default): the rate over ηλ × β, with the stability and critical-damping borders and the regimes: region.csv and region.png.";
    public override string Example => "momentum region --optimizer nesterov --points 200";

    public override IReadOnlyList<OptionSpec> Options { get; } =
    [
        // η and β are the map's axes: every hyperparameter option but --lr and --momentum.
        .. OptimizerTable.Specs(optimizer: "momentum", lr: "", momentum: "").Where(o => o.Name is not ("--lr" or "--momentum")),
        new("--points", "Grid points along each axis.", "200"),
        new("--eta-lambda-max", "The largest ηλ on the map.", "4"),
    ];

    protected override Settings Read(SettingsReader r)
    {
        var (points, max) = (r.Int("--points", Rules.Between(2, 4000)), r.Double("--eta-lambda-max", Rules.Positive));
        var name = r.Choice("--optimizer", [.. OptimizerTable.Names]);
        OptimizerTable.RequireFits([name], flag => r.Has(flag) && r.IsGiven(flag));
        string? Raw(string flag) => r.Has(flag) ? r.Raw(flag) : null;
        var values = OptimizerTable.ReadValues(flag => !r.Has(flag) ? 0 : r.OptionalText(flag) is null ? null : r.Double(flag, Rules.Any),
            flag => r.Doubles(flag, Rules.Any), Raw);
        // Built at a point inside every optimizer's ranges (PyTorch's Nesterov refuses β = 0), so that Core checks the rest.
        if (OptimizerTable.Choose(name, values with { LearningRate = 1, ConstantLearningRate = 1, Momentum = 0.5 }, Raw).IsBooksHeavyBall)
            return new(points, max);

        IGradientTransformation Family(double eta, double beta) => OptimizerTable.Build(name, values with
        {
            LearningRate = eta,
            ConstantLearningRate = eta,
            Momentum = beta,
            Betas = name == "aggmo" ? [.. Enumerable.Range(0, values.Betas.Length).Select(i => 1 - Math.Pow(1 - beta, i))] : values.Betas,
        }, Raw);
        var label = OptimizerTable.Describe(name, values, learningRate: false, momenta: false) + (name == "aggmo" ? $", β⁽ⁱ⁾ = 1 − (1 − β)ⁱ for i < {values.Betas.Length}" : "");
        try
        {
            LinearMethod.Of(Family(max / 2, 0.5));
        }
        catch (NonlinearMethodException e)
        {
            throw new UsageException($"--optimizer {label}: region reads rates off a fixed linear map, and {e.Message}");
        }
        return new(points, max, Family, label);
    }

    /// <summary>
    /// The map's grid of n points a side: ηλ ∈ (0, max] at max·(i + 1)/n (as max·((i + 1)/n) where max·(i + 1) would
    /// overflow) and β ∈ [0, 1) at j/n.
    /// </summary>
    internal static double EtaLambdaAt(double max, int n, int i) => double.IsFinite(max * (i + 1)) ? max * (i + 1) / n : max * ((i + 1.0) / n);

    /// <inheritdoc cref="EtaLambdaAt"/>
    internal static double MomentumAt(int n, int j) => (double)j / n;

    /// <summary>Most cells per axis of the figure's map: a finer map than the picture's pixels shows nothing more.</summary>
    public const int MapCells = 400;

    /// <summary>The momenta at which the printed line gives the stability border of an optimizer other than the book's heavy ball.</summary>
    private static readonly double[] Shown = [0, 0.5, 0.9];

    protected override Task<int> RunAsync(Settings s, VerbContext context)
    {
        var n = s.Points;
        var etaLambdas = Enumerable.Range(0, n).Select(i => EtaLambdaAt(s.EtaLambdaMax, n, i)).ToArray();
        double Beta(int j) => MomentumAt(n, j);
        // A β the optimizer refuses (PyTorch's Nesterov needs β > 0) leaves its row out of the CSV and gray on the map.
        string? Refusal(double beta)
        {
            try
            {
                s.Family?.Invoke(s.EtaLambdaMax / 2, beta);
                return null;
            }
            catch (UsageException e)
            {
                return e.Message;
            }
        }
        bool Accepts(double beta) => Refusal(beta) is null;
        var (refusedRows, firstRefusal) = (0, "");
        IEnumerable<(double Rate, Regime Regime)> Row(int j) => s.Family is { } family
            ? Region.Row(family, Beta(j), etaLambdas).Select(c => (c.Rate, c.Regime))
            : etaLambdas.Select(el => (MomentumMatrix.SpectralRadius(Beta(j), el, 1), MomentumMatrix.RegimeOf(Beta(j), el, 1)));

        // region.csv gets every grid point as it is computed; the map draws the grid's points at (about) evenly spaced
        // indices, at most MapCells a side, so its cells are values of the CSV.
        var m = Math.Min(n, MapCells);
        var shown = Enumerable.Range(0, m).Select(k => m == n ? k : (int)Math.Round((double)k * (n - 1) / (m - 1))).ToArray();
        var cellOf = new int[n];
        Array.Fill(cellOf, -1);
        for (var k = 0; k < m; k++) cellOf[shown[k]] = k;
        var rates = new double[m, m];
        long converging = 0, cells = 0;
        using (var csv = Csv.Begin(context.Output, "region.csv", ["eta_lambda", "beta", "rate", "regime"], context.Cancellation))
        {
            for (var j = 0; j < n; j++)
            {
                context.Cancellation.ThrowIfCancellationRequested();
                if (Refusal(Beta(j)) is { } why)
                {
                    if (refusedRows++ == 0) firstRefusal = why;
                    if (cellOf[j] >= 0)
                        for (var k = 0; k < m; k++) rates[m - 1 - cellOf[j], k] = double.NaN;
                    continue;
                }
                var i = 0;
                foreach (var (rate, regime) in Row(j))
                {
                    csv.Field(etaLambdas[i]).Field(Beta(j)).Field(rate).Field(AnalyzeVerb.RegimeName(regime)).End();
                    cells++;
                    if (rate < 1) converging++;
                    if (cellOf[j] >= 0 && cellOf[i] >= 0)
                        rates[m - 1 - cellOf[j], cellOf[i]] = rate < 1 ? rate : double.NaN; // row 0 is drawn at the top
                    i++;
                }
            }
            csv.Finish();
        }

        if (s.Family is null)
        {
            Figures.Save(context.Output, "region.png", Map(s, rates), 760, 520);
            context.Print($"converges for {converging} of {(long)n * n} grid points; boundary ηλ = 2 + 2β");
            return Task.FromResult(App.Success);
        }

        context.Cancellation.ThrowIfCancellationRequested();
        // The borders at β = k/100 (0, 0.5 and 0.9 among them, exactly), each crossing bisected to 10⁻¹² relative.
        var momenta = Enumerable.Range(0, 100).Select(k => k / 100.0).Where(Accepts).ToArray();
        var borders = Region.Borders(s.Family, momenta, s.EtaLambdaMax, scan: 100);
        Figures.Save(context.Output, "region.png", Map(s, rates, borders), 760, 520);
        var shownMomenta = Shown.Where(Accepts).ToArray();
        var stability = borders.Where(c => c.Border == RegionBorder.Stability).ToList();
        string At(double beta) =>
            stability.Where(c => c.Momentum == beta).Select(c => Format.G(c.EtaLambda)).ToList() is { Count: > 0 } crossings
                ? $"ηλ = {string.Join(" and ", crossings)} (β = {Format.G(beta)})"
                : $"none up to ηλ = {Format.G(s.EtaLambdaMax)} (β = {Format.G(beta)})";
        var left = refusedRows == 0 ? "" : $" ({refusedRows} {(refusedRows == 1 ? "row" : "rows")} of β left out: {firstRefusal})";
        context.Print($"converges for {converging} of {cells} grid points{left}; stability border {string.Join(", ", shownMomenta.Select(At))}");
        return Task.FromResult(App.Success);
    }

    /// <summary>The map of the rates, with the book's heavy-ball curves (<paramref name="borders"/> null) or the borders Core found.</summary>
    internal static Plot Map(Settings s, double[,] rates, IReadOnlyList<RegionCrossing>? borders = null)
    {
        var plot = Figures.New(borders is null
            ? "Rate per step ρ(R(β, η, λ)) of momentum (gray: ρ ≥ 1, diverges)"
            : $"Rate per step ρ(R) of {s.Label} (gray: ρ ≥ 1, diverges)", "ηλ", "β");
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

        void Curve(double[] etaLambdas, double[] betas, Color color, string label, LinePattern pattern)
        {
            var line = plot.Add.Scatter(etaLambdas, betas, color);
            line.MarkerSize = 0;
            line.LineWidth = 2;
            line.LinePattern = pattern;
            line.LegendText = label;
        }
        if (borders is not null)
        {
            // One line per border and crossing index, broken where that crossing is missing at a β of the scan.
            var momenta = borders.Select(c => c.Momentum).Distinct().Order().ToList();
            var labelled = new HashSet<RegionBorder>();
            foreach (var group in borders.GroupBy(c => (c.Border, c.Index)))
            {
                var byMomentum = group.ToDictionary(c => c.Momentum);
                var run = new List<RegionCrossing>();
                void Draw()
                {
                    if (run.Count > 1)
                    {
                        var stable = group.Key.Border == RegionBorder.Stability;
                        Curve([.. run.Select(c => c.EtaLambda)], [.. run.Select(c => c.Momentum)], stable ? Colors.Red : Figures.Palette[1],
                            labelled.Add(group.Key.Border) ? stable ? "ρ = 1 (stability border)" : "critical damping" : "",
                            stable ? LinePattern.Solid : LinePattern.Dashed);
                    }
                    run.Clear();
                }
                foreach (var beta in momenta)
                    if (byMomentum.TryGetValue(beta, out var crossing)) run.Add(crossing);
                    else Draw();
                Draw();
            }
            plot.Axes.SetLimits(0, s.EtaLambdaMax, 0, 1);
            if (labelled.Count > 0) plot.ShowLegend(Alignment.UpperLeft);
            return plot;
        }

        var book = Enumerable.Range(0, 201).Select(k => k / 200.0).ToArray();
        Curve([.. book.Select(b => 2 + 2 * b)], book, Colors.Red, "ηλ = 2 + 2β (boundary)", LinePattern.Solid);
        Curve([.. book.Select(b => Math.Pow(1 - Math.Sqrt(b), 2))], book, Figures.Palette[1], "ηλ = (1 ± √β)² (critical damping)", LinePattern.Dashed);
        Curve([.. book.Select(b => Math.Pow(1 + Math.Sqrt(b), 2))], book, Figures.Palette[1], "", LinePattern.Dashed);

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
