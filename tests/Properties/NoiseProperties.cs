using Momentum.Testing;
using Momentum.Optimizers;
using Momentum.Theory;

namespace Momentum.Properties;

/// <summary>
/// d2l §11.6 exercise 4, gradient noise: z ← R z + b ξ has the stationary covariance of the discrete Lyapunov equation
/// Σ = R Σ Rᵀ + σ² b bᵀ, and the mean and covariance recursions give E[f_t]. Checked against heavy ball's closed form and
/// against Monte Carlo runs of the optimizers themselves (their span-level steps with seeded noise in the gradient).
/// </summary>
public class NoiseProperties
{
    /// <summary>
    /// Heavy ball's stationary E[x²] = ησ²(1 + β)/(λ(1 − β)(2(1 + β) − ηλ)): from Σ = RΣRᵀ + σ²bbᵀ over (x, b) with
    /// R = [[1 − ηλ, −ηβ], [λ, β]], b = (−η, 1), solved by hand for Σₓₓ (β = 0: ησ²/(λ(2 − ηλ)), SGD's classic plateau).
    /// </summary>
    private static double HeavyBallSecondMoment(double eta, double beta, double lambda, double variance) =>
        eta * variance * (1 + beta) / (lambda * (1 - beta) * (2 * (1 + beta) - eta * lambda));

    private static readonly Arbitrary<QuadraticSetting> Stable =
        Generators.Settings(Generators.Momentum.Where(b => b < 1 - 1e-6), b => Generators.EtaLambdaInside(b).Where(el => el > 1e-9 && el < (2 + 2 * b) * (1 - 1e-7))).ToArbitrary();

    [Property(MaxTest = 500)]
    public Property The_Lyapunov_solution_for_heavy_ball_equals_its_closed_form() =>
        Prop.ForAll(Stable, Generators.LogUniform(1e-3, 10).ToArbitrary(), (s, variance) =>
        {
            var map = LinearMethod.Of(Optimizer.HeavyBall(s.LearningRate, s.Momentum)).At(s.Eigenvalue);
            var solved = GradientNoise.StationarySecondMoment(map, variance);
            var closed = HeavyBallSecondMoment(s.LearningRate, s.Momentum, s.Eigenvalue, variance);
            // R's entries carry ηλ and 2 + 2β − ηλ (the Jury distances to the border) with an absolute rounding of a few ε,
            // and E[x²] grows like 1/(1 − ρ): the problem itself moves by about ε over each of them, relatively.
            var gap = 1 - map.SpectralRadius();
            // (2·10⁻¹⁵ each: a search of 5·10⁶ cases came within 0.85 of 10⁻¹⁵ each, at β = 0.999 and ηλ = (2 + 2β)(1 − 10⁻⁶).)
            var tolerance = 2e-15 * (1 / s.EtaLambda + 1 / (2 + 2 * s.Momentum - s.EtaLambda) + 1 / gap) + 1e-13;
            return (Math.Abs(solved / closed - 1) <= tolerance).Label($"{s}, σ²={variance:R}: solved {solved:R}, closed form {closed:R}, 1 − ρ = {gap:R}");
        });

    [Fact]
    public void At_eta_0_1_beta_0_9_lambda_and_sigma_1_heavy_ball_settles_at_E_x2_0_513514()
    {
        var map = LinearMethod.Of(Optimizer.HeavyBall(0.1, 0.9)).At(1);
        Assert.Equal(0.513514, GradientNoise.StationarySecondMoment(map, 1), 6);
        Assert.Equal(0.513514 / 2, GradientNoise.StationaryExcessLoss(map, 1), 6);
    }

    [Property(MaxTest = 300)]
    public Property The_stationary_covariance_is_a_fixed_point_of_one_noisy_step_for_every_linear_method() =>
        Prop.ForAll(Methods, Generators.LogUniform(1e-2, 10).ToArbitrary(), (method, variance) =>
        {
            var map = method.At(1);
            if (!map.Converges()) return true.ToProperty(); // no stationary distribution to check
            var sigma = GradientNoise.StationaryCovariance(map, variance);
            var m = sigma.State.Length;
            var r = map.RelevantBlock();
            var b = map.Relevant.Select(i => map.NoiseInput[i]).ToArray();
            var scale = sigma.Values.Max(Math.Abs) + variance * b.Max(v => v * v);
            for (var i = 0; i < m; i++)
                for (var j = 0; j < m; j++)
                {
                    var next = variance * b[i] * b[j];
                    for (var k = 0; k < m; k++)
                        for (var l = 0; l < m; l++) next += r[i, k] * sigma[k, l] * r[j, l];
                    if (Math.Abs(next - sigma[i, j]) > 1e-9 * scale / (1 - map.SpectralRadius()))
                        return false.Label($"Σ[{i},{j}] = {sigma[i, j]:R}, R Σ Rᵀ + σ² b bᵀ = {next:R}");
                }
            return (sigma[0, 0] > 0).Label("E[x²] > 0");
        });

    private static readonly Arbitrary<LinearMethod> Methods =
        (from eta in Generators.LogUniform(1e-3, 0.5)
         from beta in Generators.Uniform(0.05, 0.95)
         from kind in Gen.Choose(0, 6)
         from nu in Generators.Unit
         select LinearMethod.Of(kind switch
         {
             0 => Optimizer.HeavyBall(eta, beta),
             1 => Optimizer.Nesterov(eta, beta),
             2 => Optimizer.Qhm(eta, beta, nu),
             3 => Optimizer.AggMo(eta, 0, beta, 0.99),
             4 => Optimizer.Keras(eta, beta, nesterov: nu > 0.5),
             5 => new Sgd(eta, beta, dampening: nu),
             _ => Optimizer.Sgdw(eta, beta, nu),
         })).ToArbitrary();

    [Property(MaxTest = 200)]
    public Property The_transient_tends_to_the_stationary_plateau() =>
        Prop.ForAll(Methods, method =>
        {
            var map = method.At(1);
            if (!map.Converges() || map.SpectralRadius() > 0.999) return true.ToProperty();
            var steps = (int)Math.Min(200_000, 50 / (1 - map.SpectralRadius()) + 100);
            var transient = GradientNoise.Transient(map, 3, 0.5, steps);
            var plateau = GradientNoise.StationaryExcessLoss(map, 0.5);
            return (Math.Abs(transient[^1].ExpectedLoss / plateau - 1) < 1e-6 && transient[0].ExpectedLoss == 0.5 * 9)
                .Label($"E[f] after {steps} steps {transient[^1].ExpectedLoss:R}, plateau {plateau:R}");
        });

    /// <summary>
    /// n independent runs of the optimizer at once: its span-level step on n parameters, each on f = ½λx² from x₀, with
    /// seeded Gaussian noise of variance σ² added to each coordinate's gradient. Returns x at every requested step.
    /// </summary>
    private static double[][] MonteCarlo(IGradientTransformation method, double lambda, double start, double sigma, int runs, int[] at, int seed)
    {
        var random = new Random(seed);
        var x = Enumerable.Repeat(start, runs).ToArray();
        var (vectors, scalars) = (new double[method.Shape.VectorLength(runs)], new double[method.Shape.Scalars.Length]);
        method.Init<double>(x, new StateBuffers<double>(vectors, scalars, runs));
        var gradient = new double[runs];
        var result = new double[at.Length][];
        var next = 0;
        for (var t = 0; t <= at[^1]; t++)
        {
            if (t == at[next]) result[next++] = (double[])x.Clone();
            if (next == at.Length) break;
            for (var i = 0; i < runs; i++)
            {
                // Box–Muller from the seeded generator.
                var normal = Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
                gradient[i] = lambda * x[i] + sigma * normal;
            }
            method.Step<double>(gradient, new StateBuffers<double>(vectors, scalars, runs), x, t);
        }
        return result;
    }

    public static TheoryData<string, IGradientTransformation> NoisyMethods => new()
    {
        { "heavy ball", Optimizer.HeavyBall(0.1, 0.9) },
        { "gradient descent", Optimizer.GradientDescent(0.3) },
        { "PyTorch's Nesterov", Optimizer.Nesterov(0.05, 0.9) },
        { "QHM", Optimizer.Qhm(0.3, 0.9, 0.7) },
        { "AggMo", Optimizer.AggMo(0.05, 0, 0.9, 0.99) },
        { "Keras, Nesterov form", Optimizer.Keras(0.05, 0.8, nesterov: true) },
        { "heavy ball with dampening", new Sgd(0.1, 0.8, dampening: 0.5) },
        { "SGDW", Optimizer.Sgdw(0.05, 0.9, 0.2) },
    };

    [Theory]
    [MemberData(nameof(NoisyMethods))]
    public void Monte_Carlo_runs_of_the_optimizer_agree_with_the_predicted_transient_and_plateau_within_four_standard_errors(string name, IGradientTransformation method)
    {
        // 10 000 runs with a fixed seed: each prediction must lie within 4 standard errors of the sample mean of f
        // (a two-sided miss has probability 6·10⁻⁵ per comparison under the central limit theorem; the seed is fixed, so
        // the test is deterministic). The standard error is the sample's own: sd(f)/√n.
        const double lambda = 1.5, start = 2, sigma = 0.7;
        const int runs = 10_000;
        int[] at = [0, 1, 2, 5, 10, 30, 100, 2000];
        var map = LinearMethod.Of(method).At(lambda);
        var predicted = GradientNoise.Transient(map, start, sigma * sigma, at[^1]);
        var plateau = GradientNoise.StationaryExcessLoss(map, sigma * sigma);
        var samples = MonteCarlo(method, lambda, start, sigma, runs, at, seed: 17);
        for (var k = 0; k < at.Length; k++)
        {
            var losses = samples[k].Select(x => 0.5 * lambda * x * x).ToArray();
            var mean = losses.Average();
            var error = Math.Sqrt(losses.Sum(f => (f - mean) * (f - mean)) / (runs - 1) / runs);
            var expected = predicted[at[k]].ExpectedLoss;
            Assert.True(Math.Abs(mean - expected) <= 4 * error + 1e-12 * expected,
                $"{name}, step {at[k]}: Monte Carlo {mean:R} ± {error:R}, predicted {expected:R}");
        }
        Assert.True(Math.Abs(predicted[^1].ExpectedLoss / plateau - 1) < 1e-9, $"{name}: the transient reaches the plateau by step {at[^1]}");
    }

    [Fact]
    public void The_plateau_of_a_diagonal_quadratic_is_the_sum_of_its_directions_plateaus()
    {
        var method = LinearMethod.Of(Optimizer.HeavyBall(0.05, 0.9));
        double[] lambdas = [0.2, 1, 4], variances = [1, 0.5, 2];
        var whole = GradientNoise.StationaryExcessLoss(method, lambdas, variances);
        var sum = lambdas.Select((l, i) => 0.5 * l * HeavyBallSecondMoment(0.05, 0.9, l, variances[i])).Sum();
        Assert.Equal(sum, whole, 12);
        var transient = GradientNoise.ExpectedLoss(method, lambdas, [1, 1, 1], variances, 3000);
        Assert.Equal(0.5 * (0.2 + 1 + 4), transient[0], 15);
        Assert.Equal(sum, transient[^1], 9);
    }

    [Fact]
    public void A_map_that_does_not_converge_has_no_stationary_distribution()
    {
        var map = LinearMethod.Of(Optimizer.HeavyBall(1, 0.5)).At(4); // ηλ = 4 ≥ 2 + 2β
        var e = Assert.Throws<ArgumentException>(() => GradientNoise.StationaryCovariance(map, 1));
        Assert.Contains("ρ(R)", e.Message);
        Assert.Equal("variance", Assert.Throws<HyperparameterException>(() => GradientNoise.StationaryCovariance(LinearMethod.Of(Optimizer.HeavyBall(0.1, 0.5)).At(1), -1)).ParamName);
    }
}
