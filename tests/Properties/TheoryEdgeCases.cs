using System.Collections.Immutable;
using System.Numerics;
using Momentum.Optimizers;
using Momentum.Problems;
using Momentum.Theory;
using Momentum.Training;

namespace Momentum.Properties;

/// <summary>
/// The theory's edges, each with what it says: steps that are not a fixed linear map for reasons no built-in
/// transformation has (an affine start, a hyperparameter refused late, scalars that follow the state), matrices and
/// lengths that do not fit, names that do not exist, and the theory's records compared and printed part by part.
/// </summary>
public class TheoryEdgeCases
{
    /// <summary>Gradient descent whose trace starts at x + 1: Init is affine, not linear.</summary>
    private sealed class ShiftedStart : IGradientTransformation
    {
        public StateShape Shape { get; } = StateShape.Of(["trace"]);

        public void Init<T>(ReadOnlySpan<T> parameters, StateBuffers<T> state)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            for (var i = 0; i < parameters.Length; i++) state.Vector(0)[i] = parameters[i] + T.One;
        }

        public void Update<T>(Span<T> updates, StateBuffers<T> state, ReadOnlySpan<T> parameters, long step)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            for (var i = 0; i < updates.Length; i++) updates[i] *= T.CreateChecked(-0.1);
        }

        public override string ToString() => "ShiftedStart";
    }

    /// <summary>Gradient descent that refuses its learning rate from the step it is given on.</summary>
    private sealed class RefusedFrom(long from) : IGradientTransformation
    {
        public StateShape Shape { get; } = StateShape.Of();

        public void Update<T>(Span<T> updates, StateBuffers<T> state, ReadOnlySpan<T> parameters, long step)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            if (step >= from) throw new HyperparameterException(nameof(RefusedFrom), "learningRate", 0.1, "expired", step);
            for (var i = 0; i < updates.Length; i++) updates[i] *= T.CreateChecked(-0.1);
        }

        public override string ToString() => "RefusedFrom";
    }

    /// <summary>Gradient descent that keeps the last gradient's first value as a scalar: the scalars follow the state.</summary>
    private sealed class RemembersGradient : IGradientTransformation
    {
        public StateShape Shape { get; } = StateShape.Of(scalars: ["last"]);

        public void Update<T>(Span<T> updates, StateBuffers<T> state, ReadOnlySpan<T> parameters, long step)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            state.Scalar(0) = double.CreateChecked(updates[0]);
            for (var i = 0; i < updates.Length; i++) updates[i] *= T.CreateChecked(-0.1);
        }

        public override string ToString() => "RemembersGradient";
    }

    public static TheoryData<string, IGradientTransformation, NonlinearReason, string> NotLinear() => new()
    {
        { "an affine start", new ShiftedStart(), NonlinearReason.NotLinear, "Init(−2.5) gives trace = -1.5, not −2.5 × 2" },
        { "a learning rate refused at step 3", new RefusedFrom(3), NonlinearReason.VariesWithStep, "a hyperparameter is refused at step 3 (" },
        { "a learning rate refused at step 10⁶", new RefusedFrom(1_000_000), NonlinearReason.VariesWithStep, "a hyperparameter is refused at step 1000000 (" },
        { "a learning rate refused at step 2⁶², the last step probed", new RefusedFrom(1L << 62), NonlinearReason.VariesWithStep, "a hyperparameter is refused at step 4611686018427387904 (" },
        { "scalars that follow the gradient", new RemembersGradient(), NonlinearReason.NotLinear, "the scalars it leaves at step 0 depend on the state (unit gradient)" },
    };

    [Theory]
    [MemberData(nameof(NotLinear))]
    [MemberData(nameof(MethodReadingEdgeCases.NotLinearAtAnEdge), MemberType = typeof(MethodReadingEdgeCases))]
    public void A_step_that_is_not_a_fixed_linear_map_is_refused_with_what_was_seen(string what, IGradientTransformation method, NonlinearReason reason, string detail)
    {
        var e = Assert.Throws<NonlinearMethodException>(() => LinearMethod.Of(method));
        Assert.True(reason == e.Reason, $"{what}: {e.Reason}, {e.Message}");
        Assert.True(e.Detail.StartsWith(detail, StringComparison.Ordinal), $"{what}: {e.Detail}");
        Assert.Equal(method.ToString(), e.Method);
    }

    [Fact]
    public void A_learning_rate_refused_only_after_the_last_step_probed_is_read_as_linear()
    {
        // The probes reach 2⁶² (LinearMethod's LaterSteps); a refusal from 2⁶² + 1 on is never seen, and the map is η = 0.1's.
        var map = LinearMethod.Of(new RefusedFrom((1L << 62) + 1)).At(2);
        Assert.Equal([1 - 0.1 * 2], map.Matrix.ToArray());
    }

    public static TheoryData<string, Action, string> Refusals() => new()
    {
        { "eigenvalues of a 2×3 matrix", () => Spectrum.Eigenvalues(new double[2, 3]), "the matrix is 2×3: it must be square and non-empty. (Parameter 'matrix')" },
        { "eigenvalues of an empty matrix", () => Spectrum.Eigenvalues(new double[0, 0]), "the matrix is 0×0: it must be square and non-empty. (Parameter 'matrix')" },
        { "eigenvalues of a matrix holding NaN", () => Spectrum.Eigenvalues(new double[,] { { 1, double.NaN }, { 0, 1 } }), "the matrix holds NaN: every entry must be finite. (Parameter 'matrix')" },
        { "the radius of a 3×2 matrix", () => Spectrum.Radius(new double[3, 2]), "the matrix is 3×2: it must be square and non-empty. (Parameter 'matrix')" },
        { "the eigendecomposition of a 1×2 matrix", () => SymmetricEigen.Of(new double[1, 2]), "The matrix is 1×2: it must be square and non-empty. (Parameter 'q')" },
        { "a quadratic of a 2×1 matrix", () => _ = new Quadratic(new double[2, 1], [1.0, 2.0]), "The matrix is 2×1: it must be square and non-empty. (Parameter 'q')" },
        { "a covariance entry by a name it lacks", () => _ = Covariance["x", "velocity"], "no coordinate \"velocity\"; there are x, trace." },
        { "a stationary loss with fewer variances", () => GradientNoise.StationaryExcessLoss(HeavyBall, [1.0, 2.0], [0.5]), "2 eigenvalues and 1 values in variances: one each, at least one. (Parameter 'variances')" },
        { "a stationary loss of no eigenvalues", () => GradientNoise.StationaryExcessLoss(HeavyBall, [], []), "0 eigenvalues and 0 values in variances: one each, at least one. (Parameter 'variances')" },
        { "an expected loss with more starts", () => GradientNoise.ExpectedLoss(HeavyBall, [1.0], [1.0, 2.0], [0.5], 3), "1 eigenvalues and 2 values in start: one each, at least one. (Parameter 'start')" },
        { "an expected loss with fewer variances", () => GradientNoise.ExpectedLoss(HeavyBall, [1.0, 2.0], [1.0, 2.0], [0.5], 3), "2 eigenvalues and 1 values in variances: one each, at least one. (Parameter 'variances')" },
        { "a regression's expected loss from a start of the wrong length", () => Regression.ExpectedLoss(HeavyBall, 2, [0.0], 3), "θ₀ has 1 values; the model has 3. (Parameter 'start')" },
    };

    [Theory]
    [MemberData(nameof(Refusals))]
    public void Every_refusal_says_what_was_wrong(string what, Action call, string message)
        => Refusal.Says(what, call, message, e => e is ArgumentException or KeyNotFoundException);

    [Fact]
    public void A_plateau_needs_a_map_that_converges()
    {
        // ηλ far beyond 2 + 2β for the largest trained curvature: no stationary distribution under reshuffled minibatches.
        var e = Assert.Throws<ArgumentException>(() => Regression.Plateau(LinearMethod.Of(Optimizer.HeavyBall(100, 0.5)), 2));
        Assert.Contains("has no stationary distribution: ρ(R) = ", e.Message);
        Assert.Contains(" must be < 1.", e.Message);
        Assert.Equal("map", e.ParamName);
    }

    [Fact]
    public void A_covariance_reads_the_same_entry_by_index_and_by_name()
    {
        Assert.Equal(2.0, Covariance["x", "trace"]);
        Assert.Equal(Covariance[0, 1], Covariance["x", "trace"]);
        Assert.Equal(Covariance[1, 0], Covariance["trace", "x"]);
        Assert.Equal(3.0, Covariance["trace", "trace"]);
    }

    [Fact]
    public void The_condition_number_is_the_largest_over_the_smallest_eigenvalue() =>
        Assert.Equal(400.0, OptimalParameters.ConditionNumber(0.25, 100));

    [Fact]
    public void Records_of_the_theory_are_equal_exactly_when_every_part_is()
    {
        // StateCovariance: names and values.
        Assert.Equal(Covariance, new StateCovariance(["x", "trace"], [1.0, 2.0, 2.0, 3.0]));
        Assert.Equal(Covariance.GetHashCode(), new StateCovariance(["x", "trace"], [1.0, 2.0, 2.0, 3.0]).GetHashCode());
        Assert.NotEqual(Covariance, new StateCovariance(["x", "velocity"], [1.0, 2.0, 2.0, 3.0]));
        Assert.NotEqual(Covariance, new StateCovariance(["x", "trace"], [1.0, 2.0, 2.0, 3.5]));
        Assert.False(Covariance.Equals(null));

        // The eigendecomposition: eigenvalues and eigenvectors.
        var eigen = new SymmetricEigendecomposition([1.0, 2.0], [[1.0, 0.0], [0.0, 1.0]]);
        Assert.Equal(eigen, new SymmetricEigendecomposition([1.0, 2.0], [[1.0, 0.0], [0.0, 1.0]]));
        Assert.Equal(eigen.GetHashCode(), new SymmetricEigendecomposition([1.0, 2.0], [[1.0, 0.0], [0.0, 1.0]]).GetHashCode());
        Assert.NotEqual(eigen, new SymmetricEigendecomposition([1.0, 2.5], [[1.0, 0.0], [0.0, 1.0]]));
        Assert.NotEqual(eigen, new SymmetricEigendecomposition([1.0, 2.0], [[1.0, 0.0], [0.0, -1.0]]));
        Assert.NotEqual(eigen, new SymmetricEigendecomposition([1.0, 2.0], [[1.0, 0.0]]));
        Assert.False(eigen.Equals(null));
        Assert.Equal(1.0, eigen.Smallest);
        Assert.Equal(2.0, eigen.Largest);

        // A quadratic: Q, c and b.
        var quadratic = new Quadratic(new double[,] { { 2, 1 }, { 1, 3 } }, [1.0, -1.0], 0.5);
        Assert.Equal(quadratic, new Quadratic(new double[,] { { 2, 1 }, { 1, 3 } }, [1.0, -1.0], 0.5));
        Assert.Equal(quadratic.GetHashCode(), new Quadratic(new double[,] { { 2, 1 }, { 1, 3 } }, [1.0, -1.0], 0.5).GetHashCode());
        Assert.NotEqual(quadratic, new Quadratic(new double[,] { { 2, 1 }, { 1, 4 } }, [1.0, -1.0], 0.5));
        Assert.NotEqual(quadratic, new Quadratic(new double[,] { { 2, 1 }, { 1, 3 } }, [1.0, -2.0], 0.5));
        Assert.NotEqual(quadratic, new Quadratic(new double[,] { { 2, 1 }, { 1, 3 } }, [1.0, -1.0], 0.25));
        Assert.False(quadratic.Equals(null));
    }

    [Fact]
    public void A_linear_method_and_its_maps_are_equal_exactly_when_their_method_and_matrices_are()
    {
        var method = LinearMethod.Of(Optimizer.HeavyBall(0.1, 0.9));
        var again = LinearMethod.Of(Optimizer.HeavyBall(0.1, 0.9));
        Assert.Equal(method, again);
        Assert.Equal(method.GetHashCode(), again.GetHashCode());
        Assert.NotEqual(method, LinearMethod.Of(Optimizer.HeavyBall(0.1, 0.8)));
        Assert.NotEqual(method, LinearMethod.Of(Optimizer.HeavyBall(0.2, 0.9)));
        Assert.False(method.Equals(null));
        // Another transformation with the same matrices: a chain of one.
        var chained = LinearMethod.Of(new Chain(Optimizer.HeavyBall(0.1, 0.9)));
        Assert.True(method.Transition.SequenceEqual(chained.Transition) && method.GradientInput.SequenceEqual(chained.GradientInput));
        Assert.NotEqual(method, chained);

        Assert.Equal(method.At(2), again.At(2));
        Assert.Equal(method.At(2).GetHashCode(), again.At(2).GetHashCode());
        Assert.NotEqual(method.At(2), method.At(3));
        Assert.NotEqual(method.At(2), chained.At(2));
        Assert.False(method.At(2).Equals(null));
    }

    [Fact]
    public void Tuned_parameters_are_equal_exactly_when_method_names_values_and_rate_are_and_print_each_value()
    {
        TunedParameters Tuned(double eta = 0.1, double beta = 0.9, string name = "Momentum", double rate = 0.5) =>
            new(Optimizer.HeavyBall(eta, beta), ["LearningRate", name], [eta, beta], rate);
        var tuned = Tuned();
        Assert.Equal(tuned, Tuned());
        Assert.Equal(tuned.GetHashCode(), Tuned().GetHashCode());
        Assert.NotEqual(tuned, new TunedParameters(Optimizer.HeavyBall(0.1, 0.8), ["LearningRate", "Momentum"], [0.1, 0.9], 0.5));
        Assert.NotEqual(tuned, Tuned(name: "Beta"));
        Assert.NotEqual(tuned, new TunedParameters(Optimizer.HeavyBall(0.1, 0.9), ["LearningRate", "Momentum"], [0.1, 0.8], 0.5));
        Assert.NotEqual(tuned, Tuned(rate: 0.25));
        Assert.False(tuned.Equals(null));
        Assert.Equal(0.9, tuned["Momentum"]);
        Assert.Equal($"TunedParameters {{ Method = {Optimizer.HeavyBall(0.1, 0.9)}, LearningRate = 0.1, Momentum = 0.9, Rate = 0.5 }}",
            tuned.ToString());
    }

    [Fact]
    public void Regression_noise_is_equal_exactly_when_its_data_and_loss_give_the_same_parts()
    {
        var again = RegressionNoise.Of(new Dataset<double>([1.0, 0.0, 0.0, 1.0, 1.0, 1.0, 2.0, 1.0], [1.0, 2.0, 2.5, 4.0], 2));
        Assert.Equal(Regression, again);
        Assert.Equal(Regression.GetHashCode(), again.GetHashCode());
        Assert.False(Regression.Equals(null));
        // Other data: a target, a row more, a feature, the loss.
        Assert.NotEqual(Regression, RegressionNoise.Of(new Dataset<double>([1.0, 0.0, 0.0, 1.0, 1.0, 1.0, 2.0, 1.0], [1.0, 2.0, 2.5, 4.5], 2)));
        Assert.NotEqual(Regression, RegressionNoise.Of(new Dataset<double>([1.0, 0.0, 0.0, 1.0, 1.0, 1.0, 2.0, 1.0, 2.0, 1.0], [1.0, 2.0, 2.5, 4.0, 4.0], 2)));
        Assert.NotEqual(Regression, RegressionNoise.Of(new Dataset<double>([1.0, 0.0, 0.0, 1.0, 1.0, 1.0, 3.0, 1.0], [1.0, 2.0, 2.5, 4.0], 2)));
        // Each part changed on its own (through the internal constructor: data cannot change one part alone).
        var r = Regression;
        RegressionNoise With(int? rows = null, RegressionLoss? loss = null, ImmutableArray<double>? optimum = null, double? minimum = null,
            SymmetricEigendecomposition? hessian = null, ImmutableArray<double>? variances = null) =>
            new(rows ?? r.Rows, loss ?? r.Loss, optimum ?? r.Optimum, minimum ?? r.MinimumLoss, hessian ?? r.Hessian, variances ?? r.ExampleVariances);
        Assert.Equal(r, With());
        Assert.NotEqual(r, With(rows: r.Rows + 1));
        Assert.NotEqual(r, With(loss: RegressionLoss.SquaredError));
        Assert.NotEqual(r, With(optimum: [.. r.Optimum.Select(v => v + 1)]));
        Assert.NotEqual(r, With(minimum: r.MinimumLoss + 1));
        Assert.NotEqual(r, With(hessian: new SymmetricEigendecomposition([.. r.Hessian.Eigenvalues.Select(v => v + 1)], r.Hessian.Eigenvectors)));
        Assert.NotEqual(r, With(variances: [.. r.ExampleVariances.Select(v => v + 1)]));
    }

    [Fact]
    public void The_theory_s_records_print_their_values()
    {
        Assert.Equal("StateCovariance { State = [x, trace], Values = [1, 2, 2, 3] }", Covariance.ToString());
        Assert.Equal("SymmetricEigendecomposition { Eigenvalues = [1, 2], Eigenvectors = 2 }",
            new SymmetricEigendecomposition([1.0, 2.0], [[1.0, 0.0], [0.0, 1.0]]).ToString());
        Assert.Equal($"LinearMethod {{ Method = {Optimizer.HeavyBall(0.1, 0.9)}, State = [x, trace] }}", LinearMethod.Of(Optimizer.HeavyBall(0.1, 0.9)).ToString());
    }

    private static readonly StateCovariance Covariance = new(["x", "trace"], [1.0, 2.0, 2.0, 3.0]);
    private static readonly LinearMethod HeavyBall = LinearMethod.Of(Optimizer.HeavyBall(0.1, 0.9));

    // Four rows of two features: a regression whose model has three parameters (two weights and a bias).
    private static readonly RegressionNoise Regression =
        RegressionNoise.Of(new Dataset<double>([1.0, 0.0, 0.0, 1.0, 1.0, 1.0, 2.0, 1.0], [1.0, 2.0, 2.5, 4.0], 2));
}
