using Momentum.Runner.Cli;
using Momentum.Runner.Output;
using Momentum.Theory;

namespace Momentum.Runner.Verbs;

/// <summary>
/// d2l §11.6.3.2, gradient descent on the scalar f(x) = (λ/2) x² from x₀ = 1: xₜ = (1 − ηλ)ᵗ, which converges when
/// 0 &lt; ηλ &lt; 2 and oscillates when ηλ &gt; 1 (<see cref="Convergence.GradientDescentIterate"/>).
/// </summary>
internal sealed class ScalarVerb : Verb<ScalarVerb.Settings>
{
    public sealed record Settings(double[] Lambdas, double LearningRate, int Steps);

    public override string Name => "scalar";
    public override string Description => "Gradient descent on f(x) = (λ/2)·x² from x0 = 1, x_t = (1 − ηλ)^t for several λ: scalar.csv and scalar.png.";
    public override string Example => "momentum scalar --lambdas 0.1,1,10,19 --lr 0.1";

    public override IReadOnlyList<OptionSpec> Options { get; } =
    [
        new("--lambdas", "The curvatures λ to compare.", "0.1,1,10,19"),
        new("--lr", "Learning rate η > 0.", "0.1"),
        new("--steps", "Points t = 0 … steps − 1 (the book plots 20).", "20"),
    ];

    protected override Settings Read(SettingsReader r) =>
        new(r.Doubles("--lambdas", Rules.Any), r.Double("--lr", Rules.Positive), r.Int("--steps", Rules.Between(1, 10_000_000)));

    protected override Task<int> RunAsync(Settings s, VerbContext context)
    {
        var series = s.Lambdas.Select(lambda =>
            (Lambda: lambda, X: Enumerable.Range(0, s.Steps).Select(t => Convergence.GradientDescentIterate(s.LearningRate, lambda, t)).ToArray()))
            .ToList();
        Csv.Write(context.Output, "scalar.csv", ["t", "lambda", "x"],
            series.SelectMany(x => x.X.Select((v, t) => (IReadOnlyList<object>)[t, x.Lambda, v])));
        var time = Enumerable.Range(0, s.Steps).Select(t => (double)t).ToArray();
        Figures.Save(context.Output, "scalar.png", Figures.Lines($"Gradient descent on (λ/2)·x², η = {Format.G(s.LearningRate)}", "time", "x",
            series.Select(x => ($"lambda = {Format.F(x.Lambda, 2)}", time, x.X))));
        foreach (var (lambda, x) in series)
        {
            var factor = 1 - s.LearningRate * lambda;
            var verdict = Math.Abs(factor) < 1 ? (factor < 0 ? "converges, oscillating" : "converges") : "does not converge";
            context.Print($"lambda = {Format.G(lambda)}: 1 - eta*lambda = {Format.G(factor)}, x_{s.Steps - 1} = {Format.G(x[^1])} ({verdict})");
        }
        return Task.FromResult(App.Success);
    }
}
