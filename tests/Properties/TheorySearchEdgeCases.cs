using System.Collections.Immutable;
using System.Numerics;
using Momentum.Optimizers;
using Momentum.Problems;
using Momentum.Theory;
using Momentum.Training;

namespace Momentum.Properties;

/// <summary>
/// The edges of the noise models and of the numerical tuning (the files the Theory-searches mutation run measures): what
/// each entry point refuses, in its own words; a map on the stability border itself; the fewest rows and the most
/// ill-conditioned data minibatch noise accepts; the transient's start read from the data; a worst rate that lies inside
/// [μ, L], not at an end; the tuning axes' map onto a range that does not start at 0; a search from every start, and a
/// start refused that only the full reading finds nonlinear.
/// </summary>
public class TheorySearchEdgeCases
{
    private static readonly LinearMethod HeavyBall = LinearMethod.Of(Optimizer.HeavyBall(0.1, 0.9));

    // One feature of mean 0 and mean square 1 beside the constant column: H = I exactly, both eigenvalues 1.
    private static readonly Dataset<double> TwoRows = new([1.0, -1.0], [3.0, 0.5], 1);

    // Gradient descent at η = 2: on λ = 1, σ = 1 − ηλ = −1, exactly on the border ρ = 1.
    private static readonly LinearMethod OnTheBorder = LinearMethod.Of(Optimizer.GradientDescent(2));

    public static TheoryData<string, Action, string> Refusals() => new()
    {
        { "a stationary covariance of no map", () => GradientNoise.StationaryCovariance(null!, 1), "Value cannot be null. (Parameter 'map')" },
        { "a stationary covariance on the border, ρ = 1 exactly", () => GradientNoise.StationaryCovariance(OnTheBorder.At(1), 1), "LinearMap { Method = Sgd { LearningRate = 2, Momentum = 0, Dampening = 0, WeightDecay = 0, Nesterov = False, Maximize = False }, Eigenvalue = 1 } has no stationary distribution: ρ(R) = 1 must be < 1. (Parameter 'map')" },
        { "a stationary loss of no method", () => GradientNoise.StationaryExcessLoss(null!, [1.0], [1.0]), "Value cannot be null. (Parameter 'method')" },
        { "a transient of no map", () => GradientNoise.Transient(null!, 1, 1, 3), "Value cannot be null. (Parameter 'map')" },
        { "a transient from x₀ = NaN", () => GradientNoise.Transient(HeavyBall.At(1), double.NaN, 1, 3), "GradientNoise.start = NaN: must be a finite number" },
        { "a transient of negative variance", () => GradientNoise.Transient(HeavyBall.At(1), 1, -0.5, 3), "GradientNoise.variance = -0.5: must be ≥ 0" },
        { "a transient of −1 steps", () => GradientNoise.Transient(HeavyBall.At(1), 1, 1, -1), "GradientNoise.steps = -1: must be an integer ≥ 0" },
        { "an expected loss of no method", () => GradientNoise.ExpectedLoss(null!, [1.0], [1.0], [1.0], 3), "Value cannot be null. (Parameter 'method')" },
        { "the noise of no data", () => RegressionNoise.Of<double>(null!), "Value cannot be null. (Parameter 'data')" },
        { "the noise of an undefined loss", () => RegressionNoise.Of(TwoRows, (RegressionLoss)7), "must be HalfSquaredError or SquaredError. (Parameter 'loss')" + Environment.NewLine + "Actual value was 7." },
        { "the noise of one row", () => RegressionNoise.Of(new Dataset<double>([1.0], [2.0], 1)), "the data has 1 row: minibatch noise needs at least 2. (Parameter 'data')" },
        { "a batch factor of a batch larger than the data", () => RegressionNoise.Of(TwoRows).BatchFactor(3), "RegressionNoise.batchSize = 3: must be in [1, 2], the number of rows" },
        { "a plateau of no method", () => RegressionNoise.Of(TwoRows).Plateau(null!, 1), "Value cannot be null. (Parameter 'method')" },
        { "a plateau of an undefined sampling", () => RegressionNoise.Of(TwoRows).Plateau(HeavyBall, 1, (MinibatchSampling)5), "must be Independent or Reshuffled. (Parameter 'sampling')" + Environment.NewLine + "Actual value was 5." },
        { "a reshuffled plateau on the border, ρ = 1 exactly", () => RegressionNoise.Of(TwoRows).Plateau(OnTheBorder, 1), "LinearMap { Method = Sgd { LearningRate = 2, Momentum = 0, Dampening = 0, WeightDecay = 0, Nesterov = False, Maximize = False }, Eigenvalue = 1 } has no stationary distribution: ρ(R) = 1 must be < 1. (Parameter 'map')" },
        { "an independent plateau on the border, ρ = 1 exactly", () => RegressionNoise.Of(TwoRows).Plateau(OnTheBorder, 1, MinibatchSampling.Independent), "LinearMap { Method = Sgd { LearningRate = 2, Momentum = 0, Dampening = 0, WeightDecay = 0, Nesterov = False, Maximize = False }, Eigenvalue = 1 } has no stationary distribution: ρ(R) = 1 must be < 1. (Parameter 'map')" },
        { "a regression's expected loss of no method", () => RegressionNoise.Of(TwoRows).ExpectedLoss(null!, 1, [0.0, 0.0], 3), "Value cannot be null. (Parameter 'method')" },
        { "the worst rate of a transformation over μ = 0", () => Tuning.WorstRate(Optimizer.HeavyBall(0.1, 0.5), 0, 1), "Tuning.smallest = 0: must be > 0" },
        { "the worst rate of a method that is not linear, over μ = 0: the spectrum is refused first", () => Tuning.WorstRate(Optimizer.Lookahead(Optimizer.HeavyBall(0.1, 0.5)), 0, 1), "Tuning.smallest = 0: must be > 0" },
        { "the worst rate of no method", () => Tuning.WorstRate((LinearMethod)null!, 1, 2), "Value cannot be null. (Parameter 'method')" },
        { "the worst rate of a method over L < μ", () => Tuning.WorstRate(HeavyBall, 2, 1), "Tuning.largest = 1: must be ≥ 2" },
        { "a search with no builder", () => Tuning.Minimize(null!, [new("LearningRate", 0.1, 1, true)], [[0.5]], 1, 2), "Value cannot be null. (Parameter 'build')" },
        { "a search with no starts", () => Tuning.Minimize(v => Optimizer.GradientDescent(v[0]), [new("LearningRate", 0.1, 1, true)], null!, 1, 2), "Value cannot be null. (Parameter 'starts')" },
        { "a search over μ = −1", () => Tuning.Minimize(v => Optimizer.GradientDescent(v[0]), [new("LearningRate", 0.1, 1, true)], [[0.5]], -1, 2), "Tuning.smallest = -1: must be > 0" },
        { "a search over no axes", () => Tuning.Minimize(v => Optimizer.GradientDescent(0.5), [], [[0.5]], 1, 2), "at least one hyperparameter to tune is needed. (Parameter 'axes')" },
        { "a search from no start", () => Tuning.Minimize(v => Optimizer.GradientDescent(v[0]), [new("LearningRate", 0.1, 1, true)], [], 1, 2), "at least one start, each with 1 values. (Parameter 'starts')" },
        { "a search whose second start is too long", () => Tuning.Minimize(v => Optimizer.GradientDescent(v[0]), [new("LearningRate", 0.1, 1, true)], [[0.5], [0.5, 0.5]], 1, 2), "at least one start, each with 1 values. (Parameter 'starts')" },
        { "gradient descent tuned over μ = 0", () => Tuning.GradientDescent(0, 2), "Tuning.smallest = 0: must be > 0" },
        { "heavy ball tuned over L = ∞", () => Tuning.HeavyBall(1, double.PositiveInfinity), "Tuning.largest = Infinity: must be a finite number ≥ 1" },
        { "QHM tuned over μ = NaN", () => Tuning.Qhm(double.NaN, 2), "Tuning.smallest = NaN: must be a finite number > 0" },
        { "AggMo tuned over L < μ", () => Tuning.AggMo(2, 1, [0.0, 0.9]), "Tuning.largest = 1: must be ≥ 2" },
        { "a tuned value by a name it lacks", () => _ = new TunedParameters(Optimizer.GradientDescent(0.5), ["LearningRate"], [0.5], 0.5)["Momentum"], "no hyperparameter \"Momentum\"; there are LearningRate." },
    };

    [Theory]
    [MemberData(nameof(Refusals))]
    public void Every_refusal_says_what_was_wrong(string what, Action call, string message)
        => Refusal.Says(what, call, message, e => e is ArgumentException or KeyNotFoundException);

    [Fact]
    public void Two_rows_are_enough_for_minibatch_noise()
    {
        // y = 1.25x + 1.75 through both rows: θ* exact, no residual, H = I.
        var noise = RegressionNoise.Of(TwoRows);
        Assert.Equal([1.0, 1.0], noise.Hessian.Eigenvalues.Select(v => Math.Round(v, 14)));
        Assert.Equal([1.25, 1.75], noise.Optimum.Select(v => Math.Round(v, 14)));
        Assert.True(noise.MinimumLoss <= 1e-30, $"ℓ* = {noise.MinimumLoss}");
        Assert.Equal([1.0, 0.0], new[] { noise.BatchFactor(1), noise.BatchFactor(2) });
    }

    [Fact]
    public void Data_whose_Hessian_has_condition_number_ten_to_the_14_is_refused_as_singular_and_ten_to_the_10_is_not()
    {
        // A feature ±s beside the constant column: H = diag(s², 1), smallest/largest = s⁻²; the bound is 10⁻¹².
        var refused = Assert.Throws<ArgumentException>(() => RegressionNoise.Of(new Dataset<double>([1e7, -1e7], [1.0, 2.0], 1)));
        Assert.Equal("the data's Hessian (1/n) X̃ᵀX̃ is singular: the features (with the constant column) are linearly dependent. (Parameter 'data')", refused.Message);
        Assert.Equal([1.0, 1e10], RegressionNoise.Of(new Dataset<double>([1e5, -1e5], [1.0, 2.0], 1)).Hessian.Eigenvalues.Select(v => Math.Round(v, 4)));
    }

    [Fact]
    public void The_predicted_loss_starts_at_the_datas_own_loss_at_theta0()
    {
        // Four rows of two features; θ₀ away from θ* and from 0. ℓ(θ₀) = (1/n) Σ ½(x̃·θ₀ − y)², written out here.
        double[] features = [1.0, 0.0, 0.0, 1.0, 1.0, 1.0, 2.0, 1.0];
        double[] labels = [1.0, 2.0, 2.5, 4.0];
        var noise = RegressionNoise.Of(new Dataset<double>([.. features], [.. labels], 2));
        double[] start = [0.5, -1.0, 2.0];
        var direct = 0.0;
        for (var i = 0; i < 4; i++)
        {
            var residual = features[2 * i] * start[0] + features[2 * i + 1] * start[1] + start[2] - labels[i];
            direct += 0.5 * residual * residual / 4;
        }
        var predicted = noise.ExpectedLoss(HeavyBall, 2, start, 3);
        Assert.True(Math.Abs(predicted[0] - direct) <= 1e-12 * direct, $"{predicted[0]:R} vs {direct:R}");
        var atOptimum = noise.ExpectedLoss(HeavyBall, 2, noise.Optimum.AsSpan(), 3);
        Assert.True(Math.Abs(atOptimum[0] - noise.MinimumLoss) <= 1e-15, $"{atOptimum[0]:R} vs ℓ* {noise.MinimumLoss:R}");
    }

    [Fact]
    public void An_empty_covariance_compares_and_hashes()
    {
        var empty = new StateCovariance([], []);
        Assert.Equal(new StateCovariance([], []), empty);
        Assert.Equal(new StateCovariance([], []).GetHashCode(), empty.GetHashCode());
    }

    [Fact]
    public void A_tuning_axis_maps_its_coordinate_onto_the_whole_range_and_back()
    {
        // t = (1 + sin u)/2 onto [2, 6]: u = −π/2, 0, π/2 give 2, 4, 6; on a log axis [10⁻³, 10], u = 0 gives the geometric mean 0.1.
        var linear = new TuningAxis("x", 2, 6, false);
        Assert.Equal([2.0, 4.0, 6.0], new[] { -Math.PI / 2, 0, Math.PI / 2 }.Select(u => Math.Round(linear.Value(u), 12)));
        Assert.Equal([-Math.PI / 2, 0, Math.PI / 2], new[] { 2.0, 4.0, 6.0 }.Select(v => Math.Round(linear.Coordinate(v), 12)), (a, b) => Math.Abs(a - b) <= 1e-11);
        Assert.Equal(3.0, linear.Value(linear.Coordinate(3)), 12);
        var logarithmic = new TuningAxis("x", 1e-3, 10, true);
        Assert.Equal(0.1, logarithmic.Value(0), 12);
        Assert.Equal(0.0, logarithmic.Coordinate(0.1), 12);
    }

    /// <summary>
    /// A method with two buffers whose spectral radius rises inside [1, 4] and falls again: u = p·g + q·s, s ← S·s + r·g.
    /// Found by a random search over such maps; no built-in method has its worst rate inside an interval.
    /// </summary>
    private sealed record TwoBuffers : GradientTransformation
    {
        public override StateShape Shape => StateShape.Of(["first", "second"]);

        public override void Update<T>(Span<T> updates, StateBuffers<T> state, ReadOnlySpan<T> parameters, long step)
        {
            var first = state.Vector(0);
            var second = state.Vector(1);
            T C(double value) => T.CreateChecked(value);
            for (var i = 0; i < updates.Length; i++)
            {
                var (g, s1, s2) = (updates[i], first[i], second[i]);
                updates[i] = C(-0.448) * g + C(0.165) * s1 + C(0.094) * s2;
                first[i] = C(0.32) * s1 + C(0.536) * s2 + C(-0.845) * g;
                second[i] = C(-0.667) * s1 + C(0.373) * s2 + C(-0.817) * g;
            }
        }
    }

    [Fact]
    public void A_worst_rate_inside_the_interval_is_found_to_twelve_digits()
    {
        // The map [[1 − 0.448λ, 0.165, 0.094], [−0.845λ, 0.32, 0.536], [−0.817λ, −0.667, 0.373]]: ρ(1) = 0.848198, ρ(4) = 0.899139,
        // and the largest ρ, 0.94313602279879557 at λ = 2.66509518, is the root of dρ/dλ found by mpmath in 30 digits:
        //   mp.findroot(lambda l: mp.diff(rho, l), 2.6), rho(l) = max(abs(e) for e in mp.eig(M(l))[0]).
        var method = LinearMethod.Of(new TwoBuffers());
        Assert.Equal(0.84819806, method.At(1).SpectralRadius(), 8);
        Assert.Equal(0.89913881, method.At(4).SpectralRadius(), 8);
        var worst = Tuning.WorstRate(method, 1, 4);
        Assert.True(Math.Abs(worst - 0.94313602279879557) <= 1e-12, $"{worst:R}");
        Assert.Equal(worst, Tuning.WorstRate(new TwoBuffers(), 1, 4));
    }

    [Theory]
    [InlineData(0.3, 4, 0.94313602279879556)]  // the same peak; below λ = 0.04, outside the interval, ρ passes 0.97
    [InlineData(2, 6, 0.94313602279879556)]    // μ ≠ 1, so ln μ ≠ 0; beyond λ = 7, outside, ρ passes 1
    [InlineData(1, 2.5, 0.94241454528431599)]  // ρ still rising at L: the worst is ρ(L), and ρ(2.574) = 0.94292 beyond it
    public void The_search_for_the_worst_rate_looks_only_inside_the_interval(double smallest, double largest, double expected)
    {
        // The same map on intervals around and beside its peak (ρ in 30 digits from mpmath, as above): ρ is 0.748 at
        // λ = 0.4, 0.994 at 0.01 and 1.89 at 8, so a golden section whose bracket reaches out of [μ, L] (or is placed by a
        // wrong ln μ) finds a rate the method does not have there, or misses the peak.
        var worst = Tuning.WorstRate(LinearMethod.Of(new TwoBuffers()), smallest, largest);
        Assert.True(Math.Abs(worst - expected) <= 1e-12, $"[{smallest}, {largest}]: {worst:R}");
    }

    // Gradient descent on [1, 10] at η = η*(1 − h(x)), η* = 2/11: while η ≤ η* its worst rate is 1 − η = 9/11 + η*·h(x),
    // so h shapes the objective. h = 0.8·(1 − 0.6·dip(0.1) − dip(0.9)) has a shallow basin at x = 0.1 (h = 0.32) and the
    // deep one at x = 0.9 (h = 0: gradient descent's optimal rate (κ − 1)/(κ + 1) = 9/11), with h = 0.8 between: farther
    // apart than the simplices the search starts with, so a search that begins in one basin ends in it.
    private static double Dip(double x, double at) => Math.Exp(-Math.Pow((x - at) / 0.05, 2));

    private static IGradientTransformation TwoBasins(ImmutableArray<double> v) =>
        Optimizer.GradientDescent(2.0 / 11 * (1 - 0.8 * (1 - 0.6 * Dip(v[0], 0.1) - Dip(v[0], 0.9))));

    private static readonly ImmutableArray<TuningAxis> UnitAxis = [new("x", 0, 1, false)];

    [Fact]
    public void The_search_runs_from_every_start_so_a_later_start_in_the_deeper_basin_finds_it()
    {
        // The start at 0.85 (h = 0.51) is worse than the one at 0.1 (h = 0.32), and only it lies in the deep basin; it is
        // found whether it comes first or last.
        foreach (ImmutableArray<double>[] starts in new[] { new ImmutableArray<double>[] { [0.1], [0.85] }, [[0.85], [0.1]] })
        {
            var found = Tuning.Minimize(TwoBasins, UnitAxis, starts, 1, 10);
            Assert.True(Math.Abs(found.Rate - 9.0 / 11) <= 1e-12, $"rate {found.Rate:R}, x = {found["x"]:R}");
            Assert.True(Math.Abs(found["x"] - 0.9) <= 1e-4, $"x = {found["x"]:R}");
        }

        // The landscape is what the test needs: from the shallow basin alone, the search ends there (9/11 + 0.32·2/11).
        var shallow = Tuning.Minimize(TwoBasins, UnitAxis, [[0.1]], 1, 10);
        Assert.True(Math.Abs(shallow.Rate - (9.0 / 11 + 0.32 * 2 / 11)) <= 1e-9, $"rate {shallow.Rate:R}, x = {shallow["x"]:R}");
    }

    [Fact]
    public void A_start_whose_method_is_not_a_fixed_linear_map_is_refused_though_every_other_member_is_linear()
    {
        // Lookahead's sync every 200 steps is seen only by the full reading (the search reads steps 1 and 2); elsewhere the
        // family is plain gradient descent, which the search would tune without complaint.
        IGradientTransformation Build(ImmutableArray<double> v) =>
            v[0] == 0.5 ? Optimizer.Lookahead(Optimizer.GradientDescent(0.05), 200) : Optimizer.GradientDescent(v[0] / 10);
        var refused = Assert.Throws<NonlinearMethodException>(() => Tuning.Minimize(Build, UnitAxis, [[0.3], [0.5]], 1, 10));
        Assert.Equal(NonlinearReason.VariesWithStep, refused.Reason);
        Assert.True(Tuning.Minimize(Build, UnitAxis, [[0.3]], 1, 10).Rate < 1);
    }

    [Theory]
    [InlineData(1.0, 10.0)]
    [InlineData(1.0, 100.0)]
    [InlineData(1.0, 1e4)]
    public void Restarts_carry_a_search_in_three_axes_past_the_kinks_of_the_worst_rate_to_Polyaks_rate(double smallest, double largest)
    {
        // QHM over (α(1 − β), β, ν) from three starts away from heavy ball's optimum: the worst rate is a maximum of rates,
        // not smooth where two meet (as at the optimum), and a first simplex collapses there; restarted from the best point
        // the search goes on to Polyak's rate, which QHM reaches at ν = 1 and no such method beats.
        var q = Math.Sqrt(smallest / largest);
        ImmutableArray<TuningAxis> axes = [new("LearningRate", 1e-4 / largest, 8 / largest, true), new("Momentum", 0, 1, false), new("Nu", 0, 1, false)];
        var found = Tuning.Minimize(v => Optimizer.Qhm(v[0] / (1 - v[1]), v[1], v[2]), axes,
            [[1 / largest, Math.Max(0.1, 1 - 3 * q), 0.7], [2 / largest, 0.5, 0.95], [0.5 / largest, Math.Max(0.2, 1 - q), 0.3]],
            smallest, largest);
        var polyak = OptimalParameters.ForMomentum(smallest, largest).Rate;
        Assert.True(Math.Abs(found.Rate - polyak) <= 1e-7, $"κ = {largest / smallest}: {found.Rate:R} vs Polyak's {polyak:R}");
    }

    [Fact]
    public void A_tuned_value_asked_by_a_name_it_lacks_is_refused_listing_every_name()
    {
        var tuned = new TunedParameters(Optimizer.HeavyBall(0.1, 0.5), ["LearningRate", "Momentum"], [0.1, 0.5], 0.5);
        Assert.Equal(0.5, tuned["Momentum"]);
        Assert.Equal("no hyperparameter \"Nu\"; there are LearningRate, Momentum.", Assert.Throws<KeyNotFoundException>(() => tuned["Nu"]).Message);
    }
}
