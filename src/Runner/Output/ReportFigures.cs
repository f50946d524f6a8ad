using System.Collections.Immutable;
using Microsoft.FSharp.Collections;
using Momentum.Optimizers;
using Momentum.Problems;
using Momentum.Runner.Cli;
using Momentum.Runner.Data;
using Momentum.Runner.Verbs;
using Momentum.Theory;
using Plotly.NET;
using Trace = Plotly.NET.Trace;

namespace Momentum.Runner.Output;

/// <summary>
/// The figures of <c>report.html</c> as Plotly.NET charts (their JSON, for <c>Plotly.newPlot</c>): the chapter's 2D
/// problem over a grid of η and β, every path run by Core (<see cref="Trajectory"/>) and every rate read off the
/// optimizer's own step (<see cref="LinearMethod"/>); the rate map of heavy ball over ηλ × β; and the curves of the
/// sections that ran, read back from the CSV files they wrote.
/// </summary>
/// <remarks>
/// Plotly.NET's typed chart functions take F# optional arguments, which C# must pass one by one; the traces and layouts
/// here are its <see cref="Trace"/>, <see cref="Layout"/> and <see cref="Config"/> objects with plotly.js attributes set
/// by name, which Plotly.NET serialises.
/// </remarks>
internal static class ReportFigures
{
    /// <summary>One run of the grid: heavy ball with (η, β) on f(x) = 0.1x₁² + 2x₂² from the book's start.</summary>
    /// <param name="LearningRate">η.</param>
    /// <param name="Momentum">β (0 is gradient descent).</param>
    /// <param name="X1">x₁ at steps 0 … n.</param>
    /// <param name="X2">x₂ at steps 0 … n.</param>
    /// <param name="EtaLambda">ηλ for each eigenvalue λ of the Hessian, where the run sits on the rate map.</param>
    /// <param name="Status">One line on the run: where it ends, its rate ρ = max over the Hessian's eigenvalues λ of
    /// ρ(R(β, η, λ)), whether it converges.</param>
    internal sealed record TraceRun(double LearningRate, double Momentum, ImmutableArray<double> X1, ImmutableArray<double> X2,
        ImmutableArray<double> EtaLambda, string Status);

    /// <summary>Every run of the grid η × β; run (i, j) has η = <see cref="LearningRates"/>[i] and β = <see cref="Momenta"/>[j].</summary>
    internal sealed record TraceGrid(ImmutableArray<double> LearningRates, ImmutableArray<double> Momenta, int Steps, ImmutableArray<TraceRun> Runs)
    {
        public TraceRun At(int i, int j) => Runs[i * Momenta.Length + j];

        /// <summary>The run of (η, β) exactly, if the grid has it.</summary>
        public (int I, int J)? IndexOf(double learningRate, double momentum) =>
            LearningRates.IndexOf(learningRate) is var i and >= 0 && Momenta.IndexOf(momentum) is var j and >= 0 ? (i, j) : null;
    }

    /// <summary>The problem of the trace (d2l eq. 11.6.4), its start and steps (§11.6.1.2: <c>train_2d</c> from (−5, −2), 20 steps).</summary>
    public static TwoDimensionalQuadratic Problem => TwoDimensionalQuadratic.Chapter;

    public static readonly ImmutableArray<double> Start = [-5, -2];

    public const int Steps = 20;

    /// <summary>
    /// η = 0.05, 0.10, …, 1 and β = 0, 0.05, …, 0.95: the book's settings (η = 0.4 and 0.6; β = 0, 0.25 and 0.5) are on
    /// the grid, and so are runs that diverge along λ = 4 (ηλ ≥ 2 + 2β).
    /// </summary>
    public static TraceGrid Traces()
    {
        ImmutableArray<double> etas = [.. Enumerable.Range(1, 20).Select(k => k / 20.0)];
        ImmutableArray<double> betas = [.. Enumerable.Range(0, 20).Select(k => k / 20.0)];
        var runs = etas.SelectMany(eta => betas.Select(beta => Run(eta, beta)));
        return new(etas, betas, Steps, [.. runs]);
    }

    private static TraceRun Run(double eta, double beta)
    {
        var method = Optimizer.HeavyBall(eta, beta);
        var path = Trajectory.Collect(Problem, method, Start.AsSpan(), Steps, policy: NonFinitePolicy.Stop);
        var lambdas = Problem.HessianEigenvalues;
        var linear = LinearMethod.Of(method);
        var rates = lambdas.Select(l => linear.At(l).SpectralRadius()).ToArray();
        var rate = rates.Max();
        var slowest = lambdas[Array.IndexOf(rates, rate)];
        var last = path[^1];
        // Whether it converges is the chapter's criterion, 0 < ηλ < 2 + 2β for every λ, decided without the rounding of ρ
        // (on the border, where ρ = 1, the computed ρ may fall on either side of 1).
        var converges = lambdas.All(l => Convergence.Converges(beta, eta, l));
        var status = $"η = {Format.G(eta)}, β = {Format.G(beta)}: after {last.Step} steps x = ({Format.G(last.Point[0], 6)}, {Format.G(last.Point[1], 6)}), " +
            $"f(x) = {Format.G(last.Value)}; rate ρ = {Format.G(rate)} per step along λ = {Format.G(slowest)}: " +
            (converges ? "converges" : "does not converge (ηλ ≥ 2 + 2β)");
        return new(eta, beta, [.. path.Select(p => p.Point[0])], [.. path.Select(p => p.Point[1])], [.. lambdas.Select(l => eta * l)], status);
    }

    /// <summary>The index of the path among the traces of <see cref="TraceChart"/>, and of the trace's directions on <see cref="RateMap"/>.</summary>
    public const int PathTrace = 1, DirectionsTrace = 4;

    /// <summary>The path of <paramref name="run"/> over the contours of f, as d2l's <c>show_trace_2d</c> draws it.</summary>
    public static string TraceChart(TraceRun run)
    {
        // The book's start and where every converging run of the grid goes but a few β near 1, whose x₂ swings wider.
        var (x1s, x2s) = (Range(X1Range[0], X1Range[1], 101), Range(X2Range[0], X2Range[1], 81));
        var f = x2s.Select(x2 => x1s.Select(x1 => Math.Round(Problem.Value([x1, x2]), 6)).ToArray()).ToArray();
        var contours = With(new Trace("contour"), ("x", x1s), ("y", x2s), ("z", f), ("showscale", false), ("hoverinfo", "skip"),
            ("contours", new { coloring = "lines", start = 1, end = 34, size = 3 }), ("colorscale", new[] { new object[] { 0, Blue }, [1, Blue] }),
            ("line", new { width = 1 }));
        var path = With(new Trace("scatter"), ("x", run.X1), ("y", run.X2), ("mode", "lines+markers"), ("name", "x_t"),
            ("customdata", Enumerable.Range(0, run.X1.Length)), ("line", new { color = Orange, width = 1.5 }),
            ("marker", new { color = Orange, size = 6 }), ("hovertemplate", "t = %{customdata}<br>x₁ = %{x:.6g}<br>x₂ = %{y:.6g}<extra></extra>"));
        return Chart([contours, path], Layout("Heavy ball on f(x) = 0.1x₁² + 2x₂² from (−5, −2), 20 steps",
            Axis("x₁", X1Range), Axis("x₂", X2Range), ("showlegend", false)));
    }

    /// <summary>
    /// The rate ρ(R(β, η, λ)) of heavy ball over ηλ ∈ (0, 4] × β ∈ [0, 1) in the chapter's closed form
    /// (<see cref="MomentumMatrix"/>; d2l §11.6.3.2, Goh 2017) on the region section's grid, so its values are those of
    /// region.csv, with the regimes in the hover text, the borders ηλ = 2 + 2β and ηλ = (1 ± √β)², and
    /// <paramref name="run"/>'s two directions.
    /// </summary>
    public static string RateMap(TraceRun run, int points = 200)
    {
        var etaLambdas = Enumerable.Range(0, points).Select(i => RegionVerb.EtaLambdaAt(4, points, i)).ToArray();
        var betas = Enumerable.Range(0, points).Select(j => RegionVerb.MomentumAt(points, j)).ToArray();
        var rates = betas.Select(b => etaLambdas.Select(e => Math.Round(MomentumMatrix.SpectralRadius(b, e, 1), 6)).ToArray()).ToArray();
        var regimes = betas.Select(b => etaLambdas.Select(e => AnalyzeVerb.RegimeName(MomentumMatrix.RegimeOf(b, e, 1))).ToArray()).ToArray();
        // Viridis over ρ ∈ [0, 1) and gray from ρ = 1 on: the colour scale runs to 1.25, and larger rates take its end.
        string[] viridis = ["#440154", "#482878", "#3e4a89", "#31688e", "#26828e", "#1f9e89", "#35b779", "#6dcd59", "#b4de2c", "#fde725"];
        var scale = viridis.Select((c, k) => new object[] { 0.8 * k / (viridis.Length - 1), c })
            .Concat([[0.8, "#d3d3d3"], [1.0, "#d3d3d3"]]).ToArray();
        var map = With(new Trace("heatmap"), ("x", etaLambdas), ("y", betas), ("z", rates), ("text", regimes), ("zmin", 0), ("zmax", 1.25),
            ("colorscale", scale), ("hovertemplate", "ηλ = %{x:.3f}<br>β = %{y:.3f}<br>ρ = %{z:.4f} per step<br>%{text}<extra></extra>"),
            ("colorbar", new { title = new { text = "ρ" }, tickvals = new[] { 0, 0.2, 0.4, 0.6, 0.8, 1, 1.125 }, ticktext = new[] { "0", "0.2", "0.4", "0.6", "0.8", "1", "≥ 1: diverges" } }));
        var border = Enumerable.Range(0, 101).Select(k => k / 100.0).ToArray();
        Trace Curve(Func<double, double> etaLambda, string name, string dash, string color) =>
            With(new Trace("scatter"), ("x", border.Select(etaLambda).ToArray()), ("y", border), ("mode", "lines"), ("name", name),
                ("line", new { color, dash, width = 2 }), ("hoverinfo", "skip"));
        var directions = With(new Trace("scatter"), ("x", run.EtaLambda), ("y", run.EtaLambda.Select(_ => run.Momentum)), ("mode", "markers+text"),
            ("name", "the trace's (ηλ, β)"), ("text", Problem.HessianEigenvalues.Select(l => $"λ = {Format.G(l)}")), ("textposition", "top center"),
            ("textfont", new { color = "white" }), ("marker", new { color = "white", size = 10, line = new { color = "black", width = 2 } }),
            ("hovertemplate", "ηλ = %{x:.3f}, β = %{y:.2f}<extra>%{text}</extra>"));
        return Chart([map, Curve(b => 2 + 2 * b, "ηλ = 2 + 2β (border)", "solid", "red"),
                Curve(b => Math.Pow(1 - Math.Sqrt(b), 2), "ηλ = (1 ± √β)² (critical damping)", "dash", Orange),
                With(Curve(b => Math.Pow(1 + Math.Sqrt(b), 2), "", "dash", Orange), ("showlegend", false)), directions],
            Layout("Rate per step ρ(R(β, η, λ)) of heavy ball (gray: ρ ≥ 1, diverges)", Axis("ηλ", [0, 4]), Axis("β", [0, 1]),
                ("legend", new { orientation = "h", y = -0.15 })));
    }

    /// <summary>The loss per epoch of every training section that wrote its loss.csv, one line each, or null when none did.</summary>
    public static string? LossCurves(IEnumerable<(int Number, Experiment Experiment, string Folder)> sections)
    {
        var lines = new List<Trace>();
        foreach (var (number, experiment, folder) in sections)
        {
            if (Read(Path.Combine(folder, "loss.csv")) is not { } table) continue;
            lines.Add(Line($"{number}. {experiment.Folder}", Column(table, "epoch"), Column(table, "loss")));
        }
        return lines.Count == 0 ? null : Chart(lines, Layout("Training loss (d2l's train_ch11 and train_concise_ch11)",
            Axis("epoch", null), Axis("loss", null)));
    }

    /// <summary>
    /// The figure of one section from its CSV, for the verbs whose data is a family of curves (weights, scalar, quadratic),
    /// or null for another verb or when the file is missing (the section did not run or failed).
    /// </summary>
    public static string? Section(Experiment experiment, string folder)
    {
        switch (experiment.Verb)
        {
            case "weights" when Read(Path.Combine(folder, "weights.csv")) is { } table:
                return Chart(Grouped(table, "t", "beta", "weight", b => $"β = {Format.G(b)}"), Layout(experiment.Title, Axis("τ", null), Axis("β^τ", null)));
            case "scalar" when Read(Path.Combine(folder, "scalar.csv")) is { } table:
                return Chart(Grouped(table, "t", "lambda", "x", l => $"λ = {Format.G(l)}"), Layout(experiment.Title, Axis("t", null), Axis("x_t", null)));
            case "quadratic" when Read(Path.Combine(folder, "quadratic.csv")) is { } table:
            {
                var step = Column(table, "step");
                var coordinates = table.Header!.Where(h => h.StartsWith('x')).Take(Limits.SeriesPerFigure);
                // A log axis has no place for 0: such points are gaps.
                var lines = coordinates.Select(h => Line($"|{h}|", step, Column(table, h).Select(v => v == 0 ? (double?)null : Math.Abs(v)).ToArray()));
                var layout = Layout(experiment.Title, Axis("step", null), Axis("|xᵢ|", null));
                layout.SetProperty("yaxis", new { title = new { text = "|xᵢ|" }, type = "log", exponentformat = "power" });
                return Chart(lines, layout);
            }
            default:
                return null;
        }
    }

    // ----- Plotly.NET -----

    // d2l's colours: the path in matplotlib's orange over contours in its blue (show_trace_2d).
    private const string Orange = "#ff7f0e", Blue = "#1f77b4";

    private static readonly double[] X1Range = [-5.5, 4.5], X2Range = [-4, 4];

    private static T With<T>(T obj, params (string Name, object? Value)[] properties) where T : DynamicObj.DynamicObj
    {
        foreach (var (name, value) in properties) obj.SetProperty(name, value);
        return obj;
    }

    private static object Axis(string title, double[]? range) =>
        range is null ? new { title = new { text = title } } : new { title = new { text = title }, range, autorange = false };

    private static Layout Layout(string title, object xAxis, object yAxis, params (string Name, object? Value)[] more) =>
        With(With(new Layout(), ("title", new { text = title, font = new { size = 15 } }), ("xaxis", xAxis), ("yaxis", yAxis),
            ("margin", new { t = 60, r = 20 }), ("height", 480), ("hovermode", "closest")), more);

    private static Trace Line(string name, object x, object y) =>
        With(new Trace("scatter"), ("x", x), ("y", y), ("mode", "lines"), ("name", name));

    private static IEnumerable<Trace> Grouped(DataTable table, string x, string group, string y, Func<double, string> name)
    {
        var (xs, groups, ys) = (Column(table, x), Column(table, group), Column(table, y));
        return groups.Distinct().Take(Limits.SeriesPerFigure).Select(g =>
        {
            var rows = Enumerable.Range(0, groups.Length).Where(r => groups[r] == g).ToArray();
            return Line(name(g), rows.Select(r => xs[r]).ToArray(), rows.Select(r => ys[r]).ToArray());
        });
    }

    /// <summary>The figure as plotly.js reads it: <c>{"data": […], "layout": {…}, "config": {…}}</c>.</summary>
    private static string Chart(IEnumerable<Trace> traces, Layout layout)
    {
        var config = With(new Config(), ("responsive", true), ("displaylogo", false));
        return GenericChart.toJson(GenericChart.NewMultiChart(ListModule.OfSeq(traces), layout, config, new DisplayOptions()));
    }

    // ----- the sections' files -----

    // A training section stopped before its first epoch ended keeps a loss.csv of its header alone (what it wrote so far):
    // that section has no figure, and the report is still written.
    private static DataTable? Read(string path) =>
        File.Exists(path) && File.ReadLines(path).Skip(1).Any(line => line.Length > 0) ? DataFile.Read(path, threads: 1) : null;

    private static double[] Column(DataTable table, string name)
    {
        var k = table.Header!.ToList().IndexOf(name);
        return [.. Enumerable.Range(0, table.Table.Rows).Select(r => table.Table[r, k])];
    }

    private static double[] Range(double from, double to, int count) =>
        [.. Enumerable.Range(0, count).Select(k => from + (to - from) * k / (count - 1))];
}
