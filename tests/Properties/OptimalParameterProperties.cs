using Momentum.Testing;
using Momentum.Optimizers;
using Momentum.Problems;
using Momentum.Theory;

namespace Momentum.Properties;

/// <summary>
/// The best worst-case rate over λ ∈ [μ, L]: Polyak (1964) and Goh (2017) for heavy ball, Lessard, Recht and Packard (2016)
/// for Nesterov, Nesterov (2004) for gradient descent and NAG-SC, and the numerical optimiser for the rest. Rates are
/// measured on each optimizer's own map (<see cref="LinearMethod"/>); optimality is shown against perturbed parameters.
/// </summary>
public class OptimalParameterProperties
{
    private static readonly Arbitrary<(double Mu, double L)> Spectra =
        (from mu in Generators.LogUniform(1e-3, 10)
         from kappa in Gen.Frequency((4, Generators.LogUniform(1, 1e6)), (1, Gen.Constant(1.0)), (1, Gen.Choose(1, 8).Select(k => 1 + Math.Pow(10, -k))))
         select (mu, mu * kappa)).ToArbitrary();

    private static readonly Arbitrary<double> Fractions =
        Gen.Frequency((4, Generators.Unit), (1, Gen.Elements(0.0, 1.0))).ToArbitrary();

    // At a critically damped end the two roots coincide, and rounding moves them by about √ε.
    private const double AtDoubleRoot = 1e-7;

    private static double RateOf(IGradientTransformation method, double lambda) => LinearMethod.Of(method).At(lambda).SpectralRadius();

    [Property(MaxTest = 500)]
    public Property At_Polyaks_heavy_ball_every_eigenvalue_in_the_range_has_rate_at_most_root_kappa_minus_one_over_root_kappa_plus_one() =>
        Prop.ForAll(Spectra, Fractions, (spectrum, u) =>
        {
            var (mu, l) = spectrum;
            var best = OptimalParameters.ForMomentum(mu, l);
            var (rootKappa, lambda) = (Math.Sqrt(l / mu), mu + u * (l - mu));
            var promised = (rootKappa - 1) / (rootKappa + 1);
            var radius = RateOf(Optimizer.HeavyBall(best.LearningRate, best.Momentum), lambda);
            return (Math.Abs(best.Rate - promised) <= 1e-12 && radius <= promised + AtDoubleRoot
                    && Math.Abs(best.Rate - Math.Sqrt(best.Momentum)) <= 1e-12)
                .Label($"λ={lambda:R}: radius {radius:R}, promised {promised:R}");
        });

    [Property(MaxTest = 300)]
    public Property At_Polyaks_heavy_ball_both_ends_are_critically_damped_and_the_inside_ripples() =>
        Prop.ForAll(Spectra.Filter(s => s.L > 1.01 * s.Mu), Generators.Uniform(0.01, 0.99).ToArbitrary(), (spectrum, u) =>
        {
            var (mu, l) = spectrum;
            var best = OptimalParameters.ForMomentum(mu, l);
            var method = LinearMethod.Of(Optimizer.HeavyBall(best.LearningRate, best.Momentum));
            var inside = Math.Exp(Math.Log(mu) + u * (Math.Log(l) - Math.Log(mu)));
            return (method.At(mu).Regime() == Regime.CriticallyDamped && method.At(l).Regime() == Regime.CriticallyDamped
                    && method.At(inside).Regime() == Regime.Ripples)
                .Label($"{method.At(mu).Regime()}, {method.At(inside).Regime()}, {method.At(l).Regime()}");
        });

    [Property(MaxTest = 300)]
    public Property At_the_optimal_step_size_gradient_descent_has_rate_kappa_minus_one_over_kappa_plus_one() =>
        Prop.ForAll(Spectra, Fractions, (spectrum, u) =>
        {
            var (mu, l) = spectrum;
            var best = OptimalParameters.ForGradientDescent(mu, l);
            var lambda = mu + u * (l - mu);
            var promised = (l / mu - 1) / (l / mu + 1);
            var radius = RateOf(Optimizer.GradientDescent(best.LearningRate), lambda);
            return (radius <= promised + 1e-12 && Math.Abs(best.Rate - promised) <= 1e-12
                    && Math.Abs(RateOf(Optimizer.GradientDescent(best.LearningRate), mu) - promised) <= 1e-12
                    && Math.Abs(RateOf(Optimizer.GradientDescent(best.LearningRate), l) - promised) <= 1e-12)
                .Label($"radius {radius:R}, promised {promised:R}");
        });

    [Property(MaxTest = 200)]
    public Property At_Lessards_tuning_Nesterov_has_worst_rate_one_minus_two_over_root_of_three_kappa_plus_one() =>
        Prop.ForAll(Spectra.Filter(s => s.L > 1.01 * s.Mu), spectrum =>
        {
            var (mu, l) = spectrum;
            var best = OptimalParameters.ForNesterov(mu, l);
            var promised = 1 - 2 / Math.Sqrt(3 * l / mu + 1);
            var method = LinearMethod.Of(Optimizer.Nesterov(best.LearningRate, best.Momentum));
            var worst = Tuning.WorstRate(method, mu, l);
            return (Math.Abs(best.Rate - promised) <= 1e-12 && Math.Abs(worst - promised) <= AtDoubleRoot
                    && method.At(mu).Regime() == Regime.CriticallyDamped)
                .Label($"worst {worst:R}, promised {promised:R}, at μ {method.At(mu).Regime()}");
        });

    [Property(MaxTest = 200)]
    public Property At_NAG_SC_Nesterov_has_worst_rate_one_minus_one_over_root_kappa_with_a_double_root_at_mu() =>
        Prop.ForAll(Spectra.Filter(s => s.L > 1.01 * s.Mu), spectrum =>
        {
            var (mu, l) = spectrum;
            var standard = OptimalParameters.ForNesterovStandard(mu, l);
            var promised = 1 - 1 / Math.Sqrt(l / mu);
            var method = LinearMethod.Of(Optimizer.Nesterov(standard.LearningRate, standard.Momentum));
            var eigenvalues = method.At(mu).Eigenvalues();
            return (Math.Abs(standard.Rate - promised) <= 1e-12 && Math.Abs(Tuning.WorstRate(method, mu, l) - promised) <= AtDoubleRoot
                    && eigenvalues.All(e => Math.Abs(e.Real - promised) <= AtDoubleRoot && Math.Abs(e.Imaginary) <= AtDoubleRoot))
                .Label($"roots at μ {string.Join(", ", eigenvalues)}");
        });

    public sealed record Perturbation(double Mu, double L, double EtaFactor, double BetaShift)
    {
        public override string ToString() => $"μ={Mu:R}, L={L:R}, η×{EtaFactor:R}, β{BetaShift:+0.####;-0.####}";
    }

    private static readonly Arbitrary<Perturbation> Perturbations =
        (from spectrum in Spectra.Generator.Where(s => s.L > 1.5 * s.Mu && s.L < 1e5 * s.Mu)
         from size in Gen.Choose(1, 4).Select(k => Math.Pow(10, -k))
         from signs in Gen.Elements((1, 0), (-1, 0), (0, 1), (0, -1), (1, 1), (1, -1), (-1, 1), (-1, -1))
         select new Perturbation(spectrum.Mu, spectrum.L, 1 + signs.Item1 * size, signs.Item2 * size)).ToArbitrary();

    private static IGradientTransformation Perturbed(Func<double, double, IGradientTransformation> build, OptimalParameters best, Perturbation p) =>
        build(best.LearningRate * p.EtaFactor, Math.Clamp(best.Momentum + p.BetaShift * (1 - best.Momentum), 1e-12, 1 - 1e-12));

    [Property(MaxTest = 150)]
    public Property Every_other_heavy_ball_eta_and_beta_near_Polyaks_do_worse_in_the_worst_case() =>
        Prop.ForAll(Perturbations, p =>
        {
            var best = OptimalParameters.ForMomentum(p.Mu, p.L);
            var worse = Tuning.WorstRate(Perturbed((eta, beta) => Optimizer.HeavyBall(eta, beta), best, p), p.Mu, p.L);
            return (worse > best.Rate + 1e-9).Label($"perturbed {worse:R} vs {best.Rate:R}");
        });

    [Property(MaxTest = 150)]
    public Property Every_other_Nesterov_eta_and_beta_near_Lessards_do_worse_in_the_worst_case() =>
        Prop.ForAll(Perturbations, p =>
        {
            var best = OptimalParameters.ForNesterov(p.Mu, p.L);
            var worse = Tuning.WorstRate(Perturbed((eta, beta) => Optimizer.Nesterov(eta, beta), best, p), p.Mu, p.L);
            return (worse > best.Rate + 1e-9).Label($"perturbed {worse:R} vs {best.Rate:R}");
        });

    [Property(MaxTest = 150)]
    public Property Every_other_gradient_descent_step_size_does_worse_in_the_worst_case() =>
        Prop.ForAll(Perturbations.Filter(p => p.EtaFactor != 1), p =>
        {
            var best = OptimalParameters.ForGradientDescent(p.Mu, p.L);
            var worse = Tuning.WorstRate(Optimizer.GradientDescent(best.LearningRate * p.EtaFactor), p.Mu, p.L);
            return (worse > best.Rate + 1e-12).Label($"perturbed {worse:R} vs {best.Rate:R}");
        });

    [Property(MaxTest = 300)]
    public Property The_optimal_heavy_ball_is_faster_than_Nesterov_which_is_faster_than_gradient_descent() =>
        Prop.ForAll(Spectra.Filter(s => s.L > 1.01 * s.Mu), s =>
            OptimalParameters.ForMomentum(s.Mu, s.L).Rate < OptimalParameters.ForNesterov(s.Mu, s.L).Rate
            && OptimalParameters.ForNesterov(s.Mu, s.L).Rate < OptimalParameters.ForGradientDescent(s.Mu, s.L).Rate);

    [Property(MaxTest = 500)]
    public Property Critical_damping_makes_the_two_roots_of_the_optimizers_map_coincide_with_rate_one_minus_root_eta_lambda() =>
        Prop.ForAll(Gen.Frequency((3, Generators.Uniform(1e-6, 1)), (1, Gen.Choose(1, 12).Select(k => Math.Pow(10, -k)))).ToArbitrary(),
            Generators.LogUniform(1e-3, 1e3).ToArbitrary(), (etaLambda, lambda) =>
        {
            var eta = etaLambda / lambda;
            var beta = OptimalParameters.CriticalDamping(eta, lambda);
            var map = LinearMethod.Of(Optimizer.HeavyBall(eta, beta)).At(lambda);
            var roots = map.Eigenvalues();
            return ((roots[0] - roots[1]).Magnitude <= AtDoubleRoot && Math.Abs(map.SpectralRadius() - (1 - Math.Sqrt(etaLambda))) <= AtDoubleRoot
                    && map.Regime() == Regime.CriticallyDamped)
                .Label($"roots {roots[0]}, {roots[1]}");
        });

    public static TheoryData<string, Func<double, double, TunedParameters>, Func<double, double, OptimalParameters>> TunedAndClosed => new()
    {
        { "gradient descent", Tuning.GradientDescent, OptimalParameters.ForGradientDescent },
        { "heavy ball", Tuning.HeavyBall, OptimalParameters.ForMomentum },
        { "Nesterov", Tuning.Nesterov, OptimalParameters.ForNesterov },
        { "Keras (heavy ball's iterates for a constant η)", (mu, l) => Tuning.Keras(mu, l), OptimalParameters.ForMomentum },
    };

    [Theory]
    [MemberData(nameof(TunedAndClosed))]
    public void The_numerical_optimiser_finds_the_closed_forms_parameters_and_rate(string method, Func<double, double, TunedParameters> tune,
        Func<double, double, OptimalParameters> closed)
    {
        // κ = 1.5 (β* ≈ 0.01, near the end of its axis), 10, 100, 10⁴, and 10⁸ at μ = 10⁻⁸.
        foreach (var (mu, l) in new[] { (2.0, 3.0), (1.0, 10.0), (0.5, 50.0), (1.0, 1e4), (1e-8, 1.0) })
        {
            var found = tune(mu, l);
            var exact = closed(mu, l);
            string[] names = method == "gradient descent" ? ["LearningRate"] : ["LearningRate", "Momentum"];
            Assert.Equal(names, found.Names.ToArray());
            Assert.True(Math.Abs(found.Rate - exact.Rate) <= 1e-7, $"{method} κ={l / mu}: rate {found.Rate:R} vs {exact.Rate:R}");
            Assert.True(Math.Abs(found["LearningRate"] / exact.LearningRate - 1) <= 1e-5, $"{method}: η {found["LearningRate"]:R} vs {exact.LearningRate:R}");
            if (names.Length == 2)
                Assert.True(Math.Abs(found["Momentum"] - exact.Momentum) <= 1e-5, $"{method}: β {found["Momentum"]:R} vs {exact.Momentum:R}");
        }
    }

    [Fact]
    public void The_numerical_optimum_of_QHM_is_heavy_balls_rate_which_no_such_method_beats()
    {
        // QHM contains heavy ball (ν = 1, η = α(1 − β)); Polyak's rate is the best of any method of this kind on [μ, L].
        // κ = 1.5 too, where the search from QHM's generic starts alone stopped 8·10⁻⁴ short of Polyak's rate.
        foreach (var (mu, l) in new[] { (2.0, 3.0), (1.0, 10.0), (1.0, 100.0), (1.0, 1e4) })
        {
            var qhm = Tuning.Qhm(mu, l);
            var polyak = OptimalParameters.ForMomentum(mu, l).Rate;
            // The values reported are the method's own: QHM is searched over α(1 − β), and α is given back.
            Assert.Equal(new[] { "LearningRate", "Momentum", "Nu" }, qhm.Names.ToArray());
            Assert.Equal(Optimizer.Qhm(qhm["LearningRate"], qhm["Momentum"], qhm["Nu"]), qhm.Method);
            Assert.True(qhm.Rate >= polyak - AtDoubleRoot, $"κ={l / mu}: QHM {qhm.Rate:R} beats Polyak's {polyak:R}");
            Assert.True(qhm.Rate <= polyak + 1e-12, $"κ={l / mu}: QHM {qhm.Rate:R}, Polyak {polyak:R}");
        }
    }

    [Fact]
    public void The_numerical_optimum_of_AggMo_beats_every_nearby_step_size()
    {
        var betas = Optimizer.AggMoDefaultBetas;
        var found = Tuning.AggMo(1, 100, betas);
        var gamma = found["LearningRate"];
        foreach (var factor in new[] { 0.9, 0.99, 0.999, 1.001, 1.01, 1.1 })
            Assert.True(Tuning.WorstRate(new AggMo(gamma * factor, betas), 1, 100) > found.Rate, $"γ × {factor}");
        // And AggMo's passive damping is slower than heavy ball tuned for the same range.
        Assert.True(found.Rate > OptimalParameters.ForMomentum(1, 100).Rate);
    }

    [Fact]
    public void The_books_range_1_to_100_gives_eta_4_over_121_beta_81_over_121_rate_9_over_11_and_Nesterovs_0_884722()
    {
        var heavyBall = OptimalParameters.ForMomentum(1, 100);
        Assert.Equal(4.0 / 121, heavyBall.LearningRate, 15);
        Assert.Equal(81.0 / 121, heavyBall.Momentum, 15);
        Assert.Equal(9.0 / 11, heavyBall.Rate, 15);
        Assert.Equal(0.884722, OptimalParameters.ForNesterov(1, 100).Rate, 6);
        Assert.Equal(0.9, OptimalParameters.ForNesterovStandard(1, 100).Rate, 15);
        Assert.Equal(99.0 / 101, OptimalParameters.ForGradientDescent(1, 100).Rate, 15);
    }

    [Fact]
    public void Goh_s_heavy_ball_parameters_make_Nesterov_diverge_as_its_own_bound_says()
    {
        // The issue's experiment: η = 3.76/L against Nesterov's bound 1.357/L at β = 0.9-ish — the theory says so beforehand.
        var goh = OptimalParameters.ForMomentum(1, 1e4);
        var nesterov = LinearMethod.Of(Optimizer.Nesterov(goh.LearningRate, goh.Momentum));
        Assert.False(nesterov.At(1e4).Converges());
        Assert.True(goh.LearningRate > Convergence.LargestStableLearningRate(eta => Optimizer.Nesterov(eta, goh.Momentum), 1e4));
    }

    [Property(MaxTest = 300)]
    public Property Scaling_the_spectrum_by_a_power_of_two_anywhere_in_the_double_range_scales_eta_and_keeps_beta_and_the_rate() =>
        Prop.ForAll(Generators.LogUniform(1, 1e30).ToArbitrary(), Gen.Choose(-1000, 1000).ToArbitrary(), (kappa, shift) =>
        {
            var (mu, l) = (Math.ScaleB(1.0, shift), Math.ScaleB(kappa, shift));
            if (!double.IsFinite(l) || l > 1e306 || mu < 1e-306) return true.ToProperty(); // η would be subnormal or L overflow
            var ok = true;
            foreach (var form in new Func<double, double, OptimalParameters>[]
                     { OptimalParameters.ForGradientDescent, OptimalParameters.ForMomentum, OptimalParameters.ForNesterov, OptimalParameters.ForNesterovStandard })
            {
                var (scaled, unit) = (form(mu, l), form(1, kappa));
                // √μ and √L are rounded for odd powers of two, hence a few units in the last place rather than equality.
                ok &= Math.Abs(Math.ScaleB(scaled.LearningRate, shift) / unit.LearningRate - 1) <= 1e-15
                      && Math.Abs(scaled.Momentum - unit.Momentum) <= 1e-15 && Math.Abs(scaled.Rate - unit.Rate) <= 1e-15
                      && scaled.Momentum < 1 && double.IsFinite(scaled.Rate);
            }
            return ok.Label($"μ = 2^{shift}, κ = {kappa:R}");
        });

    public static TheoryData<double, double> Unrepresentable => new()
    {
        { 1e-308, 1e308 },      // κ = 10⁶¹⁶ overflows
        { 5e-324, 1 },          // κ = 2·10³²³ overflows
        { 1, 1e40 },            // κ finite, but the optimal β = 1 − 4·10⁻²⁰ rounds to 1
    };

    [Theory]
    [MemberData(nameof(Unrepresentable))]
    public void A_spectrum_beyond_double_precision_is_refused_with_a_reason_never_answered_with_NaN_or_momentum_one(double mu, double l)
    {
        var e = Assert.Throws<HyperparameterException>(() => OptimalParameters.ForMomentum(mu, l));
        Assert.Equal("largest", e.ParamName);
        Assert.Contains("κ", e.Message);
        Assert.Throws<HyperparameterException>(() => OptimalParameters.ForNesterov(mu, l));
        Assert.Throws<HyperparameterException>(() => OptimalParameters.ForNesterovStandard(mu, l));
        if (double.IsInfinity(l / mu))
        {
            Assert.Throws<HyperparameterException>(() => OptimalParameters.ForGradientDescent(mu, l));
            Assert.Throws<HyperparameterException>(() => OptimalParameters.ConditionNumber(mu, l));
        }
        else
        {
            var gd = OptimalParameters.ForGradientDescent(mu, l);
            Assert.True(double.IsFinite(gd.LearningRate) && gd.Rate <= 1);
        }
    }

    [Theory]
    [InlineData(0.0, 1.0, "smallest")]
    [InlineData(-1.0, 1.0, "smallest")]
    [InlineData(double.NaN, 1.0, "smallest")]
    [InlineData(2.0, 1.0, "largest")]
    [InlineData(1.0, double.PositiveInfinity, "largest")]
    public void An_invalid_spectrum_is_refused_naming_the_end(double mu, double l, string parameter)
    {
        foreach (var call in new Action[]
                 {
                     () => OptimalParameters.ForGradientDescent(mu, l), () => OptimalParameters.ForMomentum(mu, l),
                     () => OptimalParameters.ForNesterov(mu, l), () => OptimalParameters.ConditionNumber(mu, l),
                     () => Tuning.WorstRate(Optimizer.HeavyBall(0.1, 0.5), mu, l),
                 })
            Assert.Equal(parameter, Assert.Throws<HyperparameterException>(call).ParamName);
    }

    public sealed record Run(double Mu, double L, int Dimension, double[] Start)
    {
        public override string ToString() => $"μ={Mu:R}, L={L:R}, n={Dimension}";
    }

    [Property(MaxTest = 100)]
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
                var lambdas = Enumerable.Range(0, run.Dimension).Select(i => run.Mu * Math.Pow(run.L / run.Mu, i / (run.Dimension - 1.0))).ToArray();
                // Long enough that the factor t of the critically damped ends changes the slope by under 1 %.
                var steps = (int)Convergence.StepsToShrink(best.Rate, 1e-200);
                var points = Trajectory.Collect(new DiagonalQuadratic([.. lambdas]), Optimizer.HeavyBall(best.LearningRate, best.Momentum), run.Start, steps);

                // Least-squares slope of log‖xₜ‖ over the second half: the measured log-rate, oscillations averaged out.
                var ts = Enumerable.Range(steps / 2, steps - steps / 2 + 1).ToArray();
                var logs = ts.Select(t => Math.Log(Norm(points[t].Point))).ToArray();
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
