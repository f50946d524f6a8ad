using Momentum.Testing;
using Momentum.Optimizers;
using Momentum.Problems;
using Momentum.Theory;

namespace Momentum.Properties;

/// <summary>Goh (2017), "The optimal parameters", and Polyak (1964): the best worst-case rate over λ ∈ [μ, L].</summary>
public class OptimalParameterProperties
{
    private static readonly Arbitrary<(double Mu, double L)> Spectra =
        (from mu in Generators.LogUniform(1e-3, 10)
         from kappa in Gen.Frequency((4, Generators.LogUniform(1, 1e6)), (1, Gen.Constant(1.0)))
         select (mu, mu * kappa)).ToArbitrary();

    private static readonly Arbitrary<double> Fractions =
        Gen.Frequency((4, Generators.Unit), (1, Gen.Elements(0.0, 1.0))).ToArbitrary();

    [Property(MaxTest = 1000)]
    public Property At_the_optimal_momentum_every_eigenvalue_in_the_range_has_rate_at_most_root_kappa_minus_one_over_root_kappa_plus_one() =>
        Prop.ForAll(Spectra, Fractions, (spectrum, u) =>
        {
            var (mu, l) = spectrum;
            var best = OptimalParameters.ForMomentum(mu, l);
            var kappa = l / mu;
            var lambda = mu + u * (l - mu);
            var radius = MomentumMatrix.SpectralRadius(best.Momentum, best.LearningRate, lambda);
            var promised = (Math.Sqrt(kappa) - 1) / (Math.Sqrt(kappa) + 1);
            // At μ and L the roots coincide, where rounding moves them by about √ε.
            return (Math.Abs(best.Rate - promised) <= 1e-12 && radius <= promised + 1e-7
                    && Math.Abs(best.Rate - Math.Sqrt(best.Momentum)) <= 1e-12)
                .Label($"λ={lambda:R}: radius {radius:R}, promised {promised:R}");
        });

    [Property(MaxTest = 1000)]
    public Property At_the_optimal_step_size_gradient_descent_has_rate_at_most_kappa_minus_one_over_kappa_plus_one() =>
        Prop.ForAll(Spectra, Fractions, (spectrum, u) =>
        {
            var (mu, l) = spectrum;
            var best = OptimalParameters.ForGradientDescent(mu, l);
            var lambda = mu + u * (l - mu);
            var kappa = l / mu;
            var promised = (kappa - 1) / (kappa + 1);
            return Math.Abs(1 - best.LearningRate * lambda) <= promised + 1e-12
                && Math.Abs(MomentumMatrix.SpectralRadius(0, best.LearningRate, lambda) - Math.Abs(1 - best.LearningRate * lambda)) <= 1e-15
                && Math.Abs(best.Rate - promised) <= 1e-12;
        });

    [Property(MaxTest = 300)]
    public Property The_optimal_momentum_is_never_slower_than_the_optimal_gradient_descent() =>
        Prop.ForAll(Spectra, spectrum =>
            OptimalParameters.ForMomentum(spectrum.Mu, spectrum.L).Rate <= OptimalParameters.ForGradientDescent(spectrum.Mu, spectrum.L).Rate + 1e-15);

    [Property(MaxTest = 500)]
    public Property Critical_damping_makes_the_two_roots_coincide_with_rate_one_minus_root_eta_lambda() =>
        Prop.ForAll(Generators.Uniform(1e-6, 1).ToArbitrary(), Generators.LogUniform(1e-3, 1e3).ToArbitrary(), (etaLambda, lambda) =>
        {
            var eta = etaLambda / lambda;
            var beta = OptimalParameters.CriticalDamping(eta, lambda);
            var trace = 1 + beta - etaLambda;
            var radius = MomentumMatrix.SpectralRadius(beta, eta, lambda);
            return Math.Abs(trace * trace - 4 * beta) <= 1e-14 && Math.Abs(radius - (1 - Math.Sqrt(etaLambda))) <= 1e-7;
        });

    public sealed record Run(double Mu, double L, int Dimension, double[] Start)
    {
        public override string ToString() => $"μ={Mu:R}, L={L:R}, n={Dimension}";
    }

    [Property(MaxTest = 200)]
    public Property A_long_run_at_the_optimal_parameters_contracts_at_the_predicted_rate() =>
        Prop.ForAll(
            (from mu in Generators.LogUniform(1e-2, 1)
             from kappa in Generators.LogUniform(4, 1e3)
             from n in Gen.Choose(8, 24)
             from start in Gen.ArrayOf(Generators.Uniform(0.5, 1.5), n)
             select new Run(mu, mu * kappa, n, start)).ToArbitrary(),
            run =>
            {
                var best = OptimalParameters.ForMomentum(run.Mu, run.L);
                // Eigenvalues spread over [μ, L], ends included.
                var lambdas = Enumerable.Range(0, run.Dimension).Select(i => run.Mu * Math.Pow(run.L / run.Mu, i / (run.Dimension - 1.0))).ToArray();
                // Long enough that the transient t·ρᵗ of the critically damped ends (μ and L) changes the slope by under 1%.
                var steps = (int)Convergence.StepsToShrink(best.Rate, 1e-200);
                var trajectory = LegacyTrajectory.Run(new DiagonalQuadratic([.. lambdas]), SgdOptions.HeavyBall(best.LearningRate, best.Momentum), run.Start, steps);

                // Least-squares slope of log‖xₜ‖ over the second half: the measured log-rate, oscillations averaged out.
                var ts = Enumerable.Range(steps / 2, steps - steps / 2 + 1).ToArray();
                var logs = ts.Select(t => Math.Log(Norm(trajectory.Points[t]))).ToArray();
                var (meanT, meanLog) = (ts.Average(), logs.Average());
                var slope = ts.Zip(logs).Sum(p => (p.First - meanT) * (p.Second - meanLog)) / ts.Sum(t => (t - meanT) * (t - meanT));
                var measured = Math.Exp(slope);
                return (Math.Abs(measured - best.Rate) <= 0.01 * best.Rate + 0.002)
                    .Label($"measured {measured:R}, predicted {best.Rate:R}, {steps} steps");
            });

    // ‖x‖ without squaring (x ~ 1e−200 would underflow).
    private static double Norm(IReadOnlyList<double> x)
    {
        var largest = x.Max(Math.Abs);
        return largest == 0 ? 0 : largest * Math.Sqrt(x.Sum(v => v / largest * (v / largest)));
    }
}
