using Momentum.Optimizers;
using Momentum.Problems;
using Momentum.Runner.Cli;
using Momentum.Runner.Output;
using Momentum.Theory;

namespace Momentum.Runner.Verbs;

/// <summary>
/// d2l §11.6 exercise 2: an optimizer on f(x) = ½ Σ λᵢ xᵢ², by default with λᵢ = 2⁻ⁱ, with torch.optim.SGD's options;
/// every coordinate's |xᵢ| against the step on a log scale.
/// </summary>
internal sealed class QuadraticVerb : Verb<QuadraticVerb.Settings>
{
    public sealed record Settings(SgdOptions Optimizer, int Steps, double[] Eigenvalues, double[] Start);

    private static readonly string Exercise2 = Format.List(DiagonalQuadratic.Exercise2().Eigenvalues);

    public override string Name => "quadratic";
    public override string Description => "Exercise 2: gd/momentum/nesterov on f(x) = ½ Σ λi·xi² (λi = 2^-i by default): quadratic.csv and a log-scale plot of |xi|.";
    public override string Example => "momentum quadratic --optimizer momentum --lr 1 --momentum 0.9 --steps 100";

    public override IReadOnlyList<OptionSpec> Options { get; } =
    [
        .. OptimizerSettings.Specs(lr: "1", momentum: "0.9", full: true),
        new("--steps", "Number of steps.", "100"),
        new("--eigenvalues", "λ1,…,λn (default λi = 2^-i for i = 0…9).", Exercise2),
        new("--x0", "The start: one value per coordinate, or one value for all.", "1"),
    ];

    protected override Settings Read(SettingsReader r)
    {
        var optimizer = OptimizerSettings.Read(r, full: true);
        var steps = r.Int("--steps", Rules.Between(0, 10_000_000));
        var eigenvalues = r.Doubles("--eigenvalues", Rules.Any);
        var x0 = r.Doubles("--x0", Rules.Any);
        if (x0.Length != 1 && x0.Length != eigenvalues.Length)
            throw SettingsReader.Fail("--x0", r.Raw("--x0")!, $"needs 1 value or {eigenvalues.Length} (one per eigenvalue), found {x0.Length}");
        return new(optimizer, steps, eigenvalues, x0.Length == 1 ? Enumerable.Repeat(x0[0], eigenvalues.Length).ToArray() : x0);
    }

    protected override Task<int> RunAsync(Settings s, VerbContext context)
    {
        var problem = new DiagonalQuadratic([.. s.Eigenvalues]);
        LegacyTrajectory trajectory;
        try
        {
            trajectory = LegacyTrajectory.Run(problem, s.Optimizer, s.Start, s.Steps);
        }
        catch (NonFiniteGradientException e)
        {
            var bad = s.Eigenvalues.Where(l => l <= 0 || s.Optimizer.LearningRate >= Convergence.LargestStableLearningRate(s.Optimizer, l)).ToArray();
            var why = bad.Length > 0 ? $" (lr is past the stable limit for λ = {string.Join(", ", bad.Select(l => Format.G(l)))})" : "";
            context.Error.WriteLine($"diverged: the gradient overflowed at step {e.Step + 1}{why}; nothing was written");
            return Task.FromResult(App.Diverged);
        }

        var n = problem.Dimension;
        Csv.Write(context.Output, "quadratic.csv", ["step", "f", .. Enumerable.Range(1, n).Select(i => $"x{i}")],
            trajectory.Points.Select((x, t) => (IReadOnlyList<object>)[t, trajectory.Values[t], .. x.Cast<object>()]));

        var steps = Enumerable.Range(0, trajectory.Points.Length).Select(t => (double)t).ToArray();
        var series = Enumerable.Range(0, n).Select(i =>
            ($"x{i + 1} (λ = {Format.G(s.Eigenvalues[i])})", steps, trajectory.Points.Select(x => Math.Abs(x[i])).ToArray()));
        var title = $"{OptimizerSettings.Describe(s.Optimizer)} on f(x) = ½ Σ λi·xi²";
        Figures.Save(context.Output, "quadratic.png", Figures.LogLines(title, "step", "|xi|", series));

        var last = trajectory.Points[^1];
        var slowest = Enumerable.Range(0, n).MaxBy(i => Math.Abs(last[i]));
        context.Print($"step {trajectory.Steps}, f: {Format.G(trajectory.Values[^1])}, largest |x{slowest + 1}| = {Format.G(Math.Abs(last[slowest]))} (λ = {Format.G(s.Eigenvalues[slowest])})");
        return Task.FromResult(App.Success);
    }
}
