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

    protected override Settings Read(SettingsReader r) =>
        new(r.Doubles("--betas", Rules.MomentumRange), r.Int("--horizon", Rules.Between(1, 1_000_000)));

    protected override Task<int> RunAsync(Settings s, VerbContext context)
    {
        var series = s.Betas.Select(b => (Beta: b, Weights: EffectiveSampleWeights.Weights(b, s.Horizon))).ToList();
        Csv.Write(context.Output, "weights.csv", ["t", "beta", "weight"],
            series.SelectMany(x => x.Weights.Select((w, t) => (IReadOnlyList<object>)[t, x.Beta, w])));
        var time = Enumerable.Range(0, s.Horizon).Select(t => (double)t).ToArray();
        Figures.Save(context.Output, "weights.png", Figures.Lines("Effective sample weights β^τ", "time", "weight",
            series.Select(x => ($"beta = {Format.F(x.Beta, 2)}", time, x.Weights))));
        foreach (var (beta, _) in series)
        {
            var count = EffectiveSampleWeights.EffectiveCount(beta);
            context.Print($"beta = {Format.G(beta)}: 1/(1 - beta) = {Format.G(count)} {(count == 1 ? "gradient" : "gradients")}");
        }
        return Task.FromResult(App.Success);
    }
}
