using Momentum.Runner.Cli;
using Momentum.Runner.Output;
using Momentum.Theory;

namespace Momentum.Runner.Verbs;

/// <summary>d2l §11.6.1.1, the effective sample weights β^τ of past gradients and their sum 1/(1 − β).</summary>
internal sealed class WeightsVerb : Verb<WeightsVerb.Settings>
{
    public sealed record Settings(double[] Betas, int Horizon);

    public override string Name => "weights";
    public override string Description => "The weight β^τ that momentum gives the gradient τ steps back, and 1/(1 − β): weights.csv and weights.png.";
    public override string Example => "momentum weights --betas 0.95,0.9,0.6,0 --horizon 40";

    public override IReadOnlyList<OptionSpec> Options { get; } =
    [
        new("--betas", "The momenta β to compare, each in [0, 1).", "0.95,0.9,0.6,0"),
        new("--horizon", "Lags τ = 0 … horizon − 1.", "40"),
    ];

    protected override Settings Read(SettingsReader r)
    {
        var betas = r.Doubles("--betas", Rules.MomentumRange);
        var horizon = r.Int("--horizon", Rules.Between(1, 1_000_000));
        Limits.RequireValues("weights.csv", (long)betas.Length * horizon, 3, "--horizon rows per beta × 3 columns", "lower --horizon or give fewer --betas");
        return new(betas, horizon);
    }

    protected override Task<int> RunAsync(Settings s, VerbContext context)
    {
        // Each weight goes to weights.csv as it is computed; the figure keeps a thinned line for each of the first betas.
        var series = new List<(double Beta, double[] X, double[] Y)>();
        using (var csv = Csv.Begin(context.Output, "weights.csv", ["t", "beta", "weight"], context.Cancellation))
        {
            foreach (var beta in s.Betas)
            {
                var line = series.Count < Limits.SeriesPerFigure ? new Thinning(s.Horizon, dimensions: 1) : null;
                for (var t = 0; t < s.Horizon; t++)
                {
                    var weight = EffectiveSampleWeights.Weight(beta, t);
                    csv.Field(t).Field(beta).Field(weight).End();
                    line?.Add(t, weight);
                }
                if (line is not null)
                {
                    var (x, y) = line.Series();
                    series.Add((beta, x, y));
                }
            }
            csv.Finish();
        }
        Figures.Save(context.Output, "weights.png", Figures.Lines(Figures.Titled("Effective sample weights β^τ", s.Betas.Length, "betas"), "time", "weight",
            series.Select(x => ($"beta = {Format.F(x.Beta, 2)}", x.X, x.Y))));
        foreach (var beta in s.Betas)
        {
            context.Cancellation.ThrowIfCancellationRequested();
            var count = EffectiveSampleWeights.EffectiveCount(beta);
            context.Print($"beta = {Format.Exact(beta)}: 1/(1 - beta) = {Format.G(count)} {(count == 1 ? "gradient" : "gradients")}");
        }
        return Task.FromResult(App.Success);
    }
}
