using Momentum.Testing;
using System.Numerics;
using MathNet.Numerics.LinearAlgebra;
using Momentum.Optimizers;
using Momentum.Problems;
using Momentum.Theory;

namespace Momentum.Properties;

/// <summary>
/// d2l §11.6.3.2 and Goh (2017): along an eigen-direction momentum is the 2×2 linear map R(β, η, λ), and for β ∈ [0, 1)
/// it converges exactly when 0 &lt; ηλ &lt; 2 + 2β.
/// </summary>
public class ConvergenceProperties
{
    public sealed record Setting(double Momentum, double EtaLambda, double Lambda)
    {
        public double LearningRate => EtaLambda / Lambda;
        public override string ToString() => $"β={Momentum:R}, ηλ={EtaLambda:R}, λ={Lambda:R}";
    }

    private static Gen<Setting> Settings(Func<double, Gen<double>> etaLambda) =>
        from beta in Generators.Momentum
        from el in etaLambda(beta)
        from lambda in Generators.LogUniform(1e-3, 1e3)
        select new Setting(beta, el, lambda);

    private static readonly Arbitrary<Setting> Inside = Settings(Generators.EtaLambdaInside).ToArbitrary();
    private static readonly Arbitrary<Setting> Outside = Settings(Generators.EtaLambdaOutside).ToArbitrary();
    private static readonly Arbitrary<Setting> Anywhere =
        Settings(b => Gen.OneOf(Generators.EtaLambdaInside(b), Generators.EtaLambdaOutside(b))).ToArbitrary();

    /// <summary>|vₜ| + |xₜ| after iterating R from (v₀, x₀) = (0, 1) (the optimizer's start) for <paramref name="steps"/> steps.</summary>
    private static double SizeAfter(Setting s, long steps)
    {
        var (v, x) = (0.0, 1.0);
        for (long t = 0; t < steps; t++)
            (v, x) = MomentumMatrix.Apply(s.Momentum, s.LearningRate, s.Lambda, v, x);
        return Math.Abs(v) / s.Lambda + Math.Abs(x);
    }

    [Property(MaxTest = 1000)]
    public Property Converges_exactly_when_the_spectral_radius_of_R_is_below_one() =>
        Prop.ForAll(Anywhere, s =>
        {
            var predicate = Convergence.Converges(s.Momentum, s.LearningRate, s.Lambda);
            var radius = MomentumMatrix.SpectralRadius(s.Momentum, s.LearningRate, s.Lambda);
            var interval = s.EtaLambda > 0 && s.EtaLambda < 2 + 2 * s.Momentum;
            return (predicate == interval && (radius < 1) == interval).Label($"radius {radius:R}");
        });

    // Rates within 3·10⁻⁴ of 1 would need more than 2·10⁵ steps to show; the equivalence property above covers them
    // through the spectral radius, this one iterates every other case of the same generator until the error is gone.
    private static readonly Arbitrary<Setting> InsideAndIterable = Settings(Generators.EtaLambdaInside)
        .Where(s => MomentumMatrix.SpectralRadius(s.Momentum, s.LearningRate, s.Lambda) < 1 - 3e-4).ToArbitrary();

    [Property(MaxTest = 500)]
    public Property Inside_the_interval_the_iterates_tend_to_zero() =>
        Prop.ForAll(InsideAndIterable, s =>
        {
            var radius = MomentumMatrix.SpectralRadius(s.Momentum, s.LearningRate, s.Lambda);
            // Long enough for ρᵗ to reach 1e−12 twice over, which also absorbs the transient t·ρᵗ of coinciding roots.
            var steps = (long)(2 * Convergence.StepsToShrink(radius, 1e-12) + 100);
            return (SizeAfter(s, steps) < 1e-6).Label($"radius {radius:R}, {steps} steps");
        });

    [Property(MaxTest = 500)]
    public Property Outside_the_interval_a_generic_start_does_not_converge() =>
        Prop.ForAll(Outside, s =>
        {
            var radius = MomentumMatrix.SpectralRadius(s.Momentum, s.LearningRate, s.Lambda);
            var steps = radius > 1 ? (long)Math.Min(Math.Log(1e12) / Math.Log(radius) + 10, 1e6) : 1000;
            return (!Convergence.Converges(s.Momentum, s.LearningRate, s.Lambda) && radius >= 1 && SizeAfter(s, steps) >= 0.5)
                .Label($"radius {radius:R}, {steps} steps, size {SizeAfter(s, steps):R}");
        });

    [Property(MaxTest = 300)]
    public Property With_beta_zero_the_condition_is_gradient_descents_zero_below_eta_lambda_below_two() =>
        Prop.ForAll(Generators.Uniform(-1, 5).ToArbitrary(), Generators.LogUniform(1e-3, 1e3).ToArbitrary(), (etaLambda, lambda) =>
            Convergence.Converges(0, etaLambda / lambda, lambda) == (etaLambda > 0 && etaLambda < 2)
            && Math.Abs(MomentumMatrix.SpectralRadius(0, etaLambda / lambda, lambda) - Math.Abs(1 - etaLambda)) <= 1e-15 * (1 + Math.Abs(etaLambda)));

    [Property(MaxTest = 300)]
    public Property Iterating_R_reproduces_the_optimizers_scalar_trajectory_step_for_step() =>
        Prop.ForAll(Anywhere, Generators.Normal.ToArbitrary(), (s, start) =>
        {
            const int steps = 60;
            var trajectory = LegacyTrajectory.Run(new DiagonalQuadratic([s.Lambda]), SgdOptions.HeavyBall(s.LearningRate, s.Momentum), [start], steps);
            var (v, x) = (0.0, start);
            var size = Math.Abs(start) + 1;
            for (var t = 1; t <= steps; t++)
            {
                (v, x) = MomentumMatrix.Apply(s.Momentum, s.LearningRate, s.Lambda, v, x);
                size = Math.Max(size, Math.Abs(x));
                if (Math.Abs(trajectory.Points[t][0] - x) > 1e-12 * size)
                    return false.Label($"step {t}: optimizer {trajectory.Points[t][0]:R}, R {x:R}");
            }
            return true.ToProperty();
        });

    [Property(MaxTest = 300)]
    public Property Beta_zero_recovers_gradient_descent_x_t_equals_one_minus_eta_lambda_to_the_t_times_x0() =>
        Prop.ForAll(Generators.LogUniform(1e-3, 10).ToArbitrary(), Generators.Uniform(0.01, 1.9).ToArbitrary(), Generators.Normal.ToArbitrary(), (lambda, etaLambda, start) =>
        {
            var heavyBall = LegacyTrajectory.Run(new DiagonalQuadratic([lambda]), SgdOptions.HeavyBall(etaLambda / lambda, 0), [start], 50);
            return Enumerable.Range(0, 51).All(t =>
                Math.Abs(heavyBall.Points[t][0] - Convergence.GradientDescentIterate(etaLambda / lambda, lambda, t, start)) <= 1e-13 * (t + 1) * Math.Abs(start));
        });

    [Property(MaxTest = 500)]
    public Property The_closed_form_eigenvalues_of_R_equal_MathNets_eigendecomposition() =>
        Prop.ForAll(Anywhere, s =>
        {
            var (first, second) = MomentumMatrix.Eigenvalues(s.Momentum, s.LearningRate, s.Lambda);
            var evd = Matrix<double>.Build.DenseOfArray(MomentumMatrix.Of(s.Momentum, s.LearningRate, s.Lambda)).Evd();
            var theirs = evd.EigenValues.OrderByDescending(Complex.Abs).ToArray();
            var radius = MomentumMatrix.SpectralRadius(s.Momentum, s.LearningRate, s.Lambda);
            // Near-coinciding roots are sensitive (an error ε in R moves them by √ε), hence 1e−6.
            return (Math.Abs(Complex.Abs(first) - Complex.Abs(theirs[0])) < 1e-6 * (1 + Complex.Abs(first))
                    && Math.Abs(Complex.Abs(second) - Complex.Abs(theirs[1])) < 1e-6 * (1 + Complex.Abs(first))
                    && Math.Abs(radius - Complex.Abs(first)) < 1e-12 * (1 + radius))
                .Label($"ours {first}, {second}; MathNet {theirs[0]}, {theirs[1]}");
        });

    [Property(MaxTest = 500)]
    public Property In_the_complex_regime_both_eigenvalues_have_modulus_square_root_of_beta() =>
        Prop.ForAll(Inside, s =>
        {
            var (first, second) = MomentumMatrix.Eigenvalues(s.Momentum, s.LearningRate, s.Lambda);
            var complex = first.Imaginary != 0;
            var rootBeta = Math.Sqrt(s.Momentum);
            return (MomentumMatrix.RegimeOf(s.Momentum, s.LearningRate, s.Lambda) == Regime.Ripples) == complex
                && (!complex || (Math.Abs(Complex.Abs(first) - rootBeta) < 1e-12 && Math.Abs(Complex.Abs(second) - rootBeta) < 1e-12
                                 && MomentumMatrix.SpectralRadius(s.Momentum, s.LearningRate, s.Lambda) == rootBeta));
        });

    [Property(MaxTest = 300)]
    public Property The_regimes_match_the_sign_and_kind_of_the_dominant_eigenvalue() =>
        Prop.ForAll(Anywhere, s =>
        {
            var (first, _) = MomentumMatrix.Eigenvalues(s.Momentum, s.LearningRate, s.Lambda);
            var regime = MomentumMatrix.RegimeOf(s.Momentum, s.LearningRate, s.Lambda);
            var radius = MomentumMatrix.SpectralRadius(s.Momentum, s.LearningRate, s.Lambda);
            Regime expected = radius >= 1 ? Regime.Divergence
                : first.Imaginary != 0 ? Regime.Ripples
                : first.Real >= 0 ? Regime.Monotone
                : Regime.Oscillation;
            return regime == expected;
        });

    [Property(MaxTest = 300)]
    public Property On_the_boundary_eta_lambda_equals_two_plus_two_beta_the_radius_is_one_and_nothing_converges() =>
        Prop.ForAll(Generators.Momentum.ToArbitrary(), beta =>
        {
            var bound = Convergence.StabilityBound(beta);
            var radius = MomentumMatrix.SpectralRadius(beta, bound, 1);
            var s = new Setting(beta, bound, 1);
            // There σ = −1 is a root; when β → 1 the other root −β comes close, and rounding moves them by up to √ε.
            return (!Convergence.Converges(beta, bound, 1) && Math.Abs(radius - 1) < 1e-7 && SizeAfter(s, 1000) >= 0.5)
                .Label($"radius {radius:R}");
        });

    public sealed record Edge(SgdOptions Options, double Lambda)
    {
        public override string ToString() => $"{Options}, λ={Lambda:R}";
    }

    private static readonly Arbitrary<Edge> Edges =
        (from lambda in Generators.LogUniform(1e-2, 1e2)
         from kind in Gen.Choose(0, 2)
         from beta in kind == 0 ? Gen.Constant(0.0) : Generators.Uniform(0.05, 0.9)
         from dampening in kind == 1 ? Gen.Elements(0.0, 0.3, 0.7) : Gen.Constant(0.0)
         from decay in Gen.Elements(0.0, 0.0, 0.1 * lambda)
         select new Edge(new SgdOptions(1, beta, dampening, decay, Nesterov: kind == 2), lambda)).ToArbitrary();

    private static double Final(SgdOptions options, double lambda)
    {
        try
        {
            return Math.Abs(LegacyTrajectory.Run(new DiagonalQuadratic([lambda]), options, [1.0], 3000).Points[^1][0]);
        }
        catch (NonFiniteGradientException)
        {
            return double.PositiveInfinity;
        }
    }

    [Property(MaxTest = 300)]
    public Property Below_the_largest_stable_learning_rate_the_optimizer_converges_and_above_it_diverges() =>
        Prop.ForAll(Edges, e =>
        {
            // The bound for gd, heavy ball (with dampening), Nesterov, and weight decay, checked against the optimizer itself.
            var bound = Convergence.LargestStableLearningRate(e.Options, e.Lambda);
            var below = Final(e.Options with { LearningRate = 0.9 * bound }, e.Lambda);
            var above = Final(e.Options with { LearningRate = 1.1 * bound }, e.Lambda);
            return (below < 1e-3 && above > 1e3).Label($"bound {bound:R}: below → {below:R}, above → {above:R}");
        });

    [Fact]
    public void Steps_to_shrink_by_a_factor_follow_from_the_rate()
    {
        Assert.Equal(40, Convergence.StepsToShrink(Math.Sqrt(0.5), 1e-6));
        Assert.Equal(1, Convergence.StepsToShrink(0, 1e-6));
        Assert.Equal(double.PositiveInfinity, Convergence.StepsToShrink(1, 1e-6));
        Assert.Equal(0, Convergence.StepsToShrink(0.5, 1));
    }
}
