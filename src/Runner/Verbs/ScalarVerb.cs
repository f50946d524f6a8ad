using Momentum.Optimizers;
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

    protected override Settings Read(SettingsReader r)
    {
        var lambdas = r.Doubles("--lambdas", Rules.Any);
        var lr = r.Double("--lr", Rules.Positive);
        var steps = r.Int("--steps", Rules.Between(1, 10_000_000));
        Limits.RequireValues("scalar.csv", (long)lambdas.Length * steps, 3, "--steps rows per lambda × 3 columns", "lower --steps or give fewer --lambdas");
        return new(lambdas, lr, steps);
    }

    protected override Task<int> RunAsync(Settings s, VerbContext context)
    {
        // Each iterate goes to scalar.csv as it is computed; the figure keeps a thinned line for each of the first lambdas.
        var series = new List<(double Lambda, double[] X, double[] Y)>();
        var lastIterates = new double[s.Lambdas.Length];
        using (var csv = Csv.Begin(context.Output, "scalar.csv", ["t", "lambda", "x"], context.Cancellation))
        {
            for (var k = 0; k < s.Lambdas.Length; k++)
            {
                var lambda = s.Lambdas[k];
                var line = series.Count < Limits.SeriesPerFigure ? new Thinning(s.Steps, dimensions: 1) : null;
                for (var t = 0; t < s.Steps; t++)
                {
                    var x = Convergence.GradientDescentIterate(s.LearningRate, lambda, t);
                    csv.Field(t).Field(lambda).Field(x).End();
                    line?.Add(t, x);
                    lastIterates[k] = x;
                }
                if (line is not null)
                {
                    var (time, values) = line.Series();
                    series.Add((lambda, time, values));
                }
            }
            csv.Finish();
        }
        Figures.Save(context.Output, "scalar.png", Figures.Lines(
            Figures.Titled($"Gradient descent on (λ/2)·x², η = {Format.G(s.LearningRate)}", s.Lambdas.Length, "lambdas"), "time", "x",
            series.Select(x => ($"lambda = {Format.F(x.Lambda, 2)}", x.X, x.Y))));
        // The verdict is read off gradient descent's own step (d2l §11.6.1: x_t = (1 − ηλ)ᵗx₀).
        var method = LinearMethod.Of(Optimizer.GradientDescent(s.LearningRate));
        for (var k = 0; k < s.Lambdas.Length; k++)
        {
            context.Cancellation.ThrowIfCancellationRequested();
            var lambda = s.Lambdas[k];
            var factor = 1 - s.LearningRate * lambda;
            var verdict = method.At(lambda).Regime() switch
            {
                Regime.Divergence => "does not converge",
                Regime.Oscillation => "converges, oscillating",
                _ => "converges",
            };
            context.Print($"lambda = {Format.Exact(lambda)}: 1 - eta*lambda = {Format.G(factor)}, x_{s.Steps - 1} = {Format.G(lastIterates[k])} ({verdict})");
        }
        return Task.FromResult(App.Success);
    }
}
