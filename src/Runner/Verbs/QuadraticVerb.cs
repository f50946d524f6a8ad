using Momentum.Optimizers;
using Momentum.Problems;
using Momentum.Runner.Cli;
using Momentum.Runner.Output;
using Momentum.Theory;

namespace Momentum.Runner.Verbs;

/// <summary>
/// d2l §11.6 exercise 2: any optimizer of the table on f(x) = ½ Σ λᵢ xᵢ², by default with λᵢ = 2⁻ⁱ;
/// every coordinate's |xᵢ| against the step on a log scale.
/// </summary>
internal sealed class QuadraticVerb : Verb<QuadraticVerb.Settings>
{
    public sealed record Settings(OptimizerTable.Choice Optimizer, int Steps, double[] Eigenvalues, double[] Start);

    private static readonly string Exercise2 = Format.List(DiagonalQuadratic.Exercise2().Eigenvalues);

    public override string Name => "quadratic";
    public override string Description => "Exercise 2: an optimizer (gd, momentum, nesterov, qhm, …) on f(x) = ½ Σ λi·xi² (λi = 2^-i by default): quadratic.csv and a log-scale plot of |xi|.";
    public override string Example => "momentum quadratic --optimizer momentum --lr 1 --momentum 0.9 --steps 100";

    public override IReadOnlyList<OptionSpec> Options { get; } =
    [
        .. OptimizerTable.Specs(optimizer: "gd", lr: "1", momentum: "0.9"),
        new("--steps", "Number of steps.", "100"),
        new("--eigenvalues", "λ1,…,λn (default λi = 2^-i for i = 0…9).", Exercise2),
        new("--x0", "The start: one value per coordinate, or one value for all.", "1"),
    ];

    protected override Settings Read(SettingsReader r)
    {
        var optimizer = OptimizerTable.Read(r);
        var steps = r.Int("--steps", Rules.Between(0, 10_000_000));
        var eigenvalues = r.Doubles("--eigenvalues", Rules.Any);
        var x0 = r.Doubles("--x0", Rules.Any);
        if (x0.Length != 1 && x0.Length != eigenvalues.Length)
            throw SettingsReader.Fail("--x0", r.Raw("--x0")!, $"needs 1 value or {eigenvalues.Length} (one per eigenvalue), found {x0.Length}");
        Limits.RequireValues("quadratic.csv", steps + 1L, eigenvalues.Length + 2L, "(--steps + 1) rows × (2 + one per eigenvalue) columns",
            "lower --steps or give fewer --eigenvalues");
        return new(optimizer, steps, eigenvalues, x0.Length == 1 ? Enumerable.Repeat(x0[0], eigenvalues.Length).ToArray() : x0);
    }

    protected override Task<int> RunAsync(Settings s, VerbContext context)
    {
        var problem = new DiagonalQuadratic([.. s.Eigenvalues]);
        var n = problem.Dimension;
        // The figure draws |xi| of the first coordinates, each thinned; quadratic.csv holds every coordinate at every step.
        var drawn = Math.Min(n, Limits.SeriesPerFigure);
        var series = Enumerable.Range(0, drawn).Select(_ => new Thinning(s.Steps + 1L, dimensions: 1)).ToArray();
        var value = 0.0;
        var last = s.Start;
        using (var csv = Csv.Begin(context.Output, "quadratic.csv", ["step", "f", .. Enumerable.Range(1, n).Select(i => $"x{i}")], context.Cancellation))
        {
            try
            {
                var end = Trajectory.Run(problem, s.Optimizer.Transformation, s.Start, s.Steps, (t, x, f) =>
                {
                    value = f;
                    csv.Field(t).Field(f);
                    foreach (var xi in x) csv.Field(xi);
                    csv.End();
                    for (var i = 0; i < drawn; i++) series[i].Add(t, Math.Abs(x[i]));
                    return true;
                });
                last = [.. end.Parameters];
            }
            catch (NonFiniteGradientException e)
            {
                context.Error.WriteLine($"diverged: the gradient overflowed at step {e.Step + 1}{StableLimit(s)}; nothing was written");
                return Task.FromResult(App.Diverged);
            }
            csv.Finish();
        }

        var title = Figures.Titled($"{s.Optimizer.Description} on f(x) = ½ Σ λi·xi²", n, "coordinates");
        Figures.Save(context.Output, "quadratic.png", Figures.LogLines(title, "step", "|xi|",
            series.Select((thinned, i) =>
            {
                var (x, y) = thinned.Series();
                return ($"x{i + 1} (λ = {Format.G(s.Eigenvalues[i])})", x, y);
            })));

        var slowest = Enumerable.Range(0, n).MaxBy(i => Math.Abs(last[i]));
        context.Print($"step {s.Steps}, f: {Format.G(value)}, largest |x{slowest + 1}| = {Format.G(Math.Abs(last[slowest]))} (λ = {Format.G(s.Eigenvalues[slowest])})");
        return Task.FromResult(App.Success);
    }

    /// <summary>
    /// Why the run diverged, from the theory of the optimizer's own step: the eigenvalues past its stable range, when it is
    /// a linear method (<see cref="LinearMap.Converges"/>); empty otherwise.
    /// </summary>
    private static string StableLimit(Settings s)
    {
        try
        {
            var method = LinearMethod.Of(s.Optimizer.Transformation);
            var bad = s.Eigenvalues.Where(l => !method.At(l).Converges()).ToArray();
            return bad.Length == 0 ? "" : $" ({s.Optimizer.Name} does not converge along λ = {string.Join(", ", bad.Take(10).Select(l => Format.G(l)))}{(bad.Length > 10 ? ", …" : "")})";
        }
        catch (NonlinearMethodException)
        {
            return "";   // not a linear method: no iteration matrix to read the limit off
        }
    }
}
