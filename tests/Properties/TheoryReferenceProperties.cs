using System.Numerics;
using System.Text.Json;
using Momentum.Optimizers;
using Momentum.Theory;

namespace Momentum.Properties;

/// <summary>
/// Held-out references computed outside this code (Fixtures/theory_references.json, by bench/theory/references.py in
/// 40-digit mpmath from each paper's update rule): rates, optimal parameters, worst rates, stationary variances and
/// iteration counts. Every value must match to 1e-7 relative (step counts exactly).
/// </summary>
public class TheoryReferenceProperties
{
    private static readonly JsonElement Fixture =
        JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", "theory_references.json"))).RootElement;

    private static double Number(JsonElement e, string name, double fallback = 0) =>
        e.TryGetProperty(name, out var v) ? v.GetDouble() : fallback;

    /// <summary>The transformation a reference row describes, by the script's method names.</summary>
    private static IGradientTransformation Method(JsonElement row)
    {
        var method = row.GetProperty("method").GetString();
        var eta = Number(row, "learning_rate");
        var beta = Number(row, "momentum");
        return method switch
        {
            "gd" => Optimizer.GradientDescent(eta),
            "heavy_ball" when Number(row, "decoupled_weight_decay") != 0 => Optimizer.Sgdw(eta, beta, Number(row, "decoupled_weight_decay")),
            "heavy_ball" => new Sgd(eta, beta, Number(row, "dampening"), Number(row, "weight_decay")),
            "nesterov" or "nag_sc" => Optimizer.Nesterov(eta, beta),
            "qhm" => Optimizer.Qhm(eta, beta, Number(row, "nu")),
            "aggmo" => new AggMo(eta, [.. row.GetProperty("betas").EnumerateArray().Select(b => b.GetDouble())]),
            "keras" => Optimizer.Keras(eta, beta, row.GetProperty("nesterov").GetBoolean()),
            _ => throw new InvalidOperationException($"unknown method {method}"),
        };
    }

    private static void Near(double expected, double actual, string what, double tolerance = 1e-7) =>
        Assert.True(Math.Abs(actual - expected) <= tolerance * Math.Abs(expected), $"{what}: {actual:R}, reference {expected:R}");

    [Fact]
    public void The_spectral_radius_of_every_methods_own_map_matches_the_reference()
    {
        var rows = Fixture.GetProperty("rates").EnumerateArray().ToArray();
        Assert.True(rows.Length >= 100);
        foreach (var row in rows)
            Near(row.GetProperty("rate").GetDouble(), LinearMethod.Of(Method(row)).At(row.GetProperty("eigenvalue").GetDouble()).SpectralRadius(), row.ToString());
    }

    [Fact]
    public void The_closed_form_optimal_parameters_match_the_reference()
    {
        foreach (var row in Fixture.GetProperty("optimal").EnumerateArray())
        {
            var (mu, l) = (row.GetProperty("smallest").GetDouble(), row.GetProperty("largest").GetDouble());
            var found = row.GetProperty("method").GetString() switch
            {
                "gd" => OptimalParameters.ForGradientDescent(mu, l),
                "heavy_ball" => OptimalParameters.ForMomentum(mu, l),
                "nesterov" => OptimalParameters.ForNesterov(mu, l),
                _ => OptimalParameters.ForNesterovStandard(mu, l),
            };
            Near(row.GetProperty("learning_rate").GetDouble(), found.LearningRate, $"η of {row}");
            Near(row.GetProperty("momentum").GetDouble(), found.Momentum, $"β of {row}");
            Near(row.GetProperty("rate").GetDouble(), found.Rate, $"ρ of {row}");
        }
    }

    [Fact]
    public void The_worst_rate_over_the_spectrum_matches_the_reference()
    {
        foreach (var row in Fixture.GetProperty("worst_rates").EnumerateArray())
            Near(row.GetProperty("worst_rate").GetDouble(),
                Tuning.WorstRate(Method(row), row.GetProperty("smallest").GetDouble(), row.GetProperty("largest").GetDouble()), row.ToString());
    }

    [Fact]
    public void The_stationary_second_moment_under_gradient_noise_matches_the_reference()
    {
        foreach (var row in Fixture.GetProperty("stationary").EnumerateArray())
        {
            var map = LinearMethod.Of(Method(row)).At(row.GetProperty("eigenvalue").GetDouble());
            Near(row.GetProperty("second_moment").GetDouble(), GradientNoise.StationarySecondMoment(map, row.GetProperty("variance").GetDouble()), row.ToString());
        }
    }

    [Fact]
    public void The_predicted_steps_of_one_direction_match_the_references_Jordan_envelope()
    {
        var steps = Fixture.GetProperty("steps");
        var (mu, l) = (steps.GetProperty("smallest").GetDouble(), steps.GetProperty("largest").GetDouble());
        foreach (var row in steps.GetProperty("directions").EnumerateArray())
        {
            var method = Optimal(row.GetProperty("method").GetString()!, mu, l);
            var predicted = Convergence.StepsToShrink(LinearMethod.Of(method).At(row.GetProperty("eigenvalue").GetDouble()), steps.GetProperty("factor").GetDouble());
            Assert.True(row.GetProperty("predicted_steps").GetDouble() == predicted, $"{row}: {predicted}");
        }
    }

    [Fact]
    public void The_optimizers_measured_steps_on_the_kappa_1e4_quadratic_match_the_40_digit_iteration()
    {
        var steps = Fixture.GetProperty("steps");
        var (mu, l) = (steps.GetProperty("smallest").GetDouble(), steps.GetProperty("largest").GetDouble());
        double[] lambdas = [.. steps.GetProperty("eigenvalues").EnumerateArray().Select(e => e.GetDouble())];
        double[] start = [.. steps.GetProperty("start").EnumerateArray().Select(e => e.GetDouble())];
        foreach (var row in steps.GetProperty("quadratic").EnumerateArray())
        {
            var expected = row.GetProperty("measured_steps").GetInt64();
            var method = Optimal(row.GetProperty("method").GetString()!, mu, l);
            var measured = IterationCountProperties.Measured(method, lambdas, start, steps.GetProperty("factor").GetDouble(), 2 * expected + 100);
            Assert.True(expected == measured, $"{row}: the optimizer took {measured}");
        }
    }

    private static IGradientTransformation Optimal(string method, double mu, double l) => method switch
    {
        "gd" => Optimizer.GradientDescent(OptimalParameters.ForGradientDescent(mu, l).LearningRate),
        "heavy_ball" => Of(OptimalParameters.ForMomentum(mu, l), Optimizer.HeavyBall),
        "nesterov" => Of(OptimalParameters.ForNesterov(mu, l), Optimizer.Nesterov),
        _ => Of(OptimalParameters.ForNesterovStandard(mu, l), Optimizer.Nesterov),
    };

    private static IGradientTransformation Of(OptimalParameters p, Func<Schedule, Schedule, Sgd> build) => build(p.LearningRate, p.Momentum);

    /// <summary>
    /// The closed form's promise (Spectrum's remarks): roots that nearly coincide near −1, 0 or 1 keep their digits, and
    /// p(s) = det(sI − R) is computed with one rounding even when its two products cancel. Each root is within a few units
    /// in the last place of 1 of mpmath's, where expanding about 0 instead of ±1, or Kahan's correction with its sign
    /// flipped, is off by 10⁻¹² to 10⁻¹⁰.
    /// </summary>
    [Fact]
    public void The_roots_of_a_two_by_two_map_near_a_double_root_or_a_cancelling_determinant_match_the_reference()
    {
        const double tolerance = 4 * 2.220446049250313e-16; // 4 ulp of 1, for roots of modulus below 2
        var rows = Fixture.GetProperty("spectra").EnumerateArray().ToArray();
        Assert.True(rows.Length >= 72);
        foreach (var row in rows)
        {
            double[] m = [.. row.GetProperty("matrix").EnumerateArray().Select(e => e.GetDouble())];
            Complex[] expected = [.. row.GetProperty("eigenvalues").EnumerateArray().Select(v => new Complex(v[0].GetDouble(), v[1].GetDouble()))];
            var found = Spectrum.Eigenvalues(new[,] { { m[0], m[1] }, { m[2], m[3] } });
            // Paired in whichever order fits better: a conjugate pair or two real roots a rounding apart have no order.
            static double Off(Complex a, Complex b) => Math.Max(Math.Abs(a.Real - b.Real), Math.Abs(a.Imaginary - b.Imaginary));
            var error = Math.Min(Math.Max(Off(found[0], expected[0]), Off(found[1], expected[1])), Math.Max(Off(found[0], expected[1]), Off(found[1], expected[0])));
            Assert.True(error <= tolerance, $"{row}: roots {found[0]}, {found[1]}, off by {error:G3}");
        }
    }

    [Fact]
    public void The_fixture_was_written_by_the_reference_script()
    {
        Assert.Equal("bench/theory/references.py", Fixture.GetProperty("generator").GetString());
        Assert.Equal(40, Fixture.GetProperty("mpmath_dps").GetInt32());
    }
}
