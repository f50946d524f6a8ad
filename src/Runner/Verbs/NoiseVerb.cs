using Momentum.Optimizers;
using Momentum.Runner.Cli;
using Momentum.Runner.Output;
using Momentum.Theory;
using Momentum.Training;
using ScottPlot;

namespace Momentum.Runner.Verbs;

/// <summary>
/// d2l §11.6 exercise 4, stochastic gradients: K seeded runs of an optimizer on f(x) = ½ Σ λᵢxᵢ² whose every gradient
/// coordinate carries additive noise, g = λᵢxᵢ + σξ with ξ ~ N(0, 1) independent across runs, steps and coordinates; the
/// mean of f over the runs with a band of their spread, beside Core's prediction for the optimizer's own linear map
/// (<see cref="GradientNoise"/>): the transient E[f_t] and the plateau ½ Σ λᵢ E[xᵢ²] of the stationary covariance
/// (the discrete Lyapunov equation Σ = R Σ Rᵀ + σ² b bᵀ).
/// </summary>
/// <remarks>
/// The noise of run k is the standard normal stream <see cref="Seeds.Stream.GradientNoise"/> with index k of
/// <c>--seed</c> (<see cref="StandardNormal"/>), number t·n + i for step t and coordinate i: a run's noise does not depend
/// on how many runs there are, and every run is the same on every machine. The runs are stepped together as one vector of
/// K·n parameters: the optimizers act coordinate by coordinate, so this is K independent runs.
/// </remarks>
internal sealed class NoiseVerb : Verb<NoiseVerb.Settings>
{
    /// <param name="Optimizer">The optimizer, a linear method.</param>
    /// <param name="Eigenvalues">λ₁ … λₙ.</param>
    /// <param name="Start">x₀.</param>
    /// <param name="Sigma">σ, the noise's standard deviation per gradient coordinate.</param>
    /// <param name="Runs">K.</param>
    /// <param name="Steps">T.</param>
    /// <param name="Seed">The seed of the noise.</param>
    public sealed record Settings(OptimizerTable.Choice Optimizer, double[] Eigenvalues, double[] Start, double Sigma, int Runs, int Steps, int Seed);

    public override string Name => "noise";
    public override string Description => "Exercise 4: K seeded runs of any linear optimizer on f(x) = ½ Σ λi·xi² with gradient noise σ, their mean f and spread beside the predicted transient and plateau: noise.csv and noise.png.";
    public override string Example => "momentum noise --optimizer momentum --lr 0.05 --momentum 0.5 --noise 1 --runs 1000 --steps 500 --seed 0";

    public override IReadOnlyList<OptionSpec> Options { get; } =
    [
        .. OptimizerTable.Specs(optimizer: "momentum", lr: "0.05", momentum: "0.5"),
        new("--noise", "σ ≥ 0: every gradient coordinate gets σ·ξ added, ξ ~ N(0, 1) independent across runs, steps and coordinates.", "1"),
        new("--runs", "K, the number of independent runs (at least 2).", "1000"),
        new("--steps", "Steps of each run.", "500"),
        new("--eigenvalues", "λ1,…,λn (default: the chapter's f, Hessian diag(0.2, 4)).", "0.2,4"),
        new("--x0", "The start: one value per coordinate, or one value for all.", "1"),
        new("--seed", "Seeds the noise.", "0"),
    ];

    /// <summary>Most numbers in the runs' state: K·n parameters and their optimizer's vectors stay within a few hundred MB.</summary>
    public const long MostCoordinates = 10_000_000;

    /// <summary>The fraction of the steps, at the end, over which the measured plateau is averaged.</summary>
    private const int PlateauQuarter = 4;

    protected override Settings Read(SettingsReader r)
    {
        var optimizer = OptimizerTable.Read(r);
        LinearMethod method;
        try
        {
            method = LinearMethod.Of(optimizer.Transformation);
        }
        catch (NonlinearMethodException e)
        {
            throw new UsageException($"--optimizer {optimizer.Description}: noise predicts from a fixed linear map, and {e.Message}");
        }
        var sigma = r.Double("--noise", Rules.NonNegative);
        var runs = r.Int("--runs", Rules.Between(2, 100_000_000));
        var steps = r.Int("--steps", Rules.Between(1, 100_000_000));
        var eigenvalues = r.Doubles("--eigenvalues", Rules.Positive);
        var x0 = r.Doubles("--x0", Rules.Any);
        if (x0.Length != 1 && x0.Length != eigenvalues.Length)
            throw SettingsReader.Fail("--x0", r.Raw("--x0")!, $"needs 1 value or {eigenvalues.Length} (one per eigenvalue), found {x0.Length}");
        if ((long)runs * eigenvalues.Length > MostCoordinates)
            throw SettingsReader.Fail("--runs", r.Text("--runs"), $"{runs} runs × {eigenvalues.Length} coordinates is more than {MostCoordinates} numbers; give fewer runs");
        Limits.RequireValues("noise.csv", steps + 1L, 6, "(--steps + 1) rows × 6 columns", "lower --steps");
        // The plateau exists only where every direction converges: ρ(R(λᵢ)) < 1.
        foreach (var lambda in eigenvalues)
            if (method.At(lambda) is var map && !map.Converges())
                throw new UsageException($"--optimizer {optimizer.Description}: does not converge along λ = {Format.G(lambda)} (rate {Format.G(map.SpectralRadius(), 4)} per step), so noise has no plateau to predict; lower --lr");
        return new(optimizer, eigenvalues, x0.Length == 1 ? Enumerable.Repeat(x0[0], eigenvalues.Length).ToArray() : x0, sigma, runs, steps,
            r.Int("--seed", Rules.Between(int.MinValue, int.MaxValue)));
    }

    protected override Task<int> RunAsync(Settings s, VerbContext context)
    {
        var method = LinearMethod.Of(s.Optimizer.Transformation);
        var variances = Enumerable.Repeat(s.Sigma * s.Sigma, s.Eigenvalues.Length).ToArray();
        var predicted = GradientNoise.ExpectedLoss(method, s.Eigenvalues, s.Start, variances, s.Steps);
        var stationary = GradientNoise.StationaryExcessLoss(method, s.Eigenvalues, variances);

        var (n, runs) = (s.Eigenvalues.Length, s.Runs);
        var optimizer = s.Optimizer.Transformation;
        var x = new double[runs * n];
        for (var k = 0; k < runs; k++) s.Start.CopyTo(x, k * n);
        var (vectors, scalars) = (new double[optimizer.Shape.VectorLength(x.Length)], new double[optimizer.Shape.Scalars.Length]);
        var buffers = new StateBuffers<double>(vectors, scalars, x.Length);
        optimizer.Init<double>(x, buffers);
        var gradient = new double[x.Length];

        // Each run's noise is drawn for a block of steps at a time: its stream from number t·n on.
        var block = Math.Max(1, 256 / n);
        var noise = new double[runs][];
        var keys = new ulong[runs];
        for (var k = 0; k < runs; k++) (noise[k], keys[k]) = (new double[block * n], Seeds.Derive64(s.Seed, Seeds.Stream.GradientNoise, k));

        var from = s.Steps - s.Steps / PlateauQuarter;
        var losses = new double[runs];
        var sorted = new double[runs];
        var plateau = new double[runs]; // each run's mean f over steps from … T
        var drawn = new Thinning(s.Steps + 1L, dimensions: 4);
        using (var csv = Csv.Begin(context.Output, "noise.csv", ["step", "mean_f", "sd_f", "q10_f", "q90_f", "predicted_f"], context.Cancellation))
        {
            for (var t = 0; ; t++)
            {
                for (var k = 0; k < runs; k++)
                {
                    var f = 0.0;
                    for (var i = 0; i < n; i++) f += 0.5 * s.Eigenvalues[i] * x[k * n + i] * x[k * n + i];
                    losses[k] = f;
                    if (t >= from) plateau[k] += f / (s.Steps - from + 1);
                }
                var (mean, sd) = MeanAndDeviation(losses);
                if (!double.IsFinite(mean))
                {
                    context.Error.WriteLine($"diverged: f overflowed at step {t}; nothing was written");
                    return Task.FromResult(App.Diverged);
                }
                losses.CopyTo(sorted, 0);
                Array.Sort(sorted);
                var (low, high) = (Quantile(sorted, 0.1), Quantile(sorted, 0.9));
                csv.Field(t).Field(mean).Field(sd).Field(low).Field(high).Field(predicted[t]).End();
                drawn.Add(t, [mean, low, high, predicted[t]]);
                if (t == s.Steps) break;

                if (t % block == 0)
                    for (var k = 0; k < runs; k++) StandardNormal.Fill(keys[k], (long)t * n, noise[k]);
                var offset = t % block * n;
                for (var k = 0; k < runs; k++)
                    for (var i = 0; i < n; i++)
                        gradient[k * n + i] = s.Eigenvalues[i] * x[k * n + i] + s.Sigma * noise[k][offset + i];
                optimizer.Step<double>(gradient, buffers, x, t);
            }
            csv.Finish();
        }

        var (measured, spread) = MeanAndDeviation(plateau);
        var error = spread / Math.Sqrt(runs);
        var expected = predicted.Skip(from).Average();
        Figures.Save(context.Output, "noise.png", Figure(s, drawn, stationary));
        var apart = s.Sigma > 0 && error > 0 ? $": {Format.G(Math.Abs(measured - expected) / error, 2)} standard errors apart" : "";
        context.Print($"plateau: measured {Format.G(measured)} ± {Format.G(error, 2)} (mean f over steps {from}–{s.Steps} of {runs} runs), " +
            $"predicted {Format.G(expected)} (E[f_t] there; stationary {Format.G(stationary)}){apart}");
        return Task.FromResult(App.Success);
    }

    private static (double Mean, double Deviation) MeanAndDeviation(double[] values)
    {
        var mean = values.Average();
        var squares = 0.0;
        foreach (var v in values) squares += (v - mean) * (v - mean);
        return (mean, Math.Sqrt(squares / (values.Length - 1)));
    }

    // The p-quantile of sorted values, interpolated between neighbours (Hyndman and Fan's type 7, numpy's default).
    private static double Quantile(double[] sorted, double p)
    {
        var at = p * (sorted.Length - 1);
        var below = (int)Math.Floor(at);
        return below + 1 < sorted.Length ? sorted[below] + (at - below) * (sorted[below + 1] - sorted[below]) : sorted[below];
    }

    private static Plot Figure(Settings s, Thinning drawn, double stationary)
    {
        var (steps, mean) = drawn.Series(0);
        var (low, high, predicted) = (drawn.Series(1).Y, drawn.Series(2).Y, drawn.Series(3).Y);
        var title = $"{s.Optimizer.Description}, gradient noise σ = {Format.G(s.Sigma)}, {s.Runs} runs";
        var plot = Figures.LogLines(title, "step", "f(x)",
        [
            ("mean f of the runs", steps, mean),
            ("predicted E[f_t]", steps, predicted),
            ("predicted plateau", [steps[0], steps[^1]], [stationary, stationary]),
        ]);
        // The band: the runs' 10th to 90th percentile of f, on the same log10 scale as the lines.
        var keep = Enumerable.Range(0, steps.Length).Where(i => low[i] > 0 && double.IsFinite(high[i])).ToArray();
        if (keep.Length > 1)
        {
            var band = plot.Add.FillY([.. keep.Select(i => steps[i])], [.. keep.Select(i => Math.Log10(low[i]))], [.. keep.Select(i => Math.Log10(high[i]))]);
            band.FillColor = Figures.Palette[0].WithOpacity(0.2);
            band.LineWidth = 0;
            band.LegendText = "10th–90th percentile of the runs";
            plot.MoveToBack(band);
        }
        return plot;
    }
}
