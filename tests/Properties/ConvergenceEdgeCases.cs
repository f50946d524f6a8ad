using Momentum.Optimizers;
using Momentum.Theory;

namespace Momentum.Properties;

/// <summary>
/// The ends of <see cref="Convergence"/>'s answers that its properties do not reach: a family no learning rate makes
/// converge, one every learning rate does, a factor of 1 or more, directions that start at their minimum, and step counts
/// worked by hand for gradient descent, where the error along λ is (1 − ηλ)ᵗ (d2l §11.6.3.2, eq. 11.6.13).
/// </summary>
public class ConvergenceEdgeCases
{
    [Fact]
    public void No_learning_rate_converges_when_the_optimizer_ascends_or_dampening_shuts_the_gradient_out_so_the_largest_stable_one_is_zero()
    {
        // Ascending: x ← x + ηλx grows for every η > 0. Dampening 1: the buffer never takes the gradient in, x never moves.
        Assert.Equal(0, Convergence.LargestStableLearningRate(eta => new Sgd(eta, maximize: true), 4));
        Assert.Equal(0, Convergence.LargestStableLearningRate(eta => new Sgd(eta, 0.9, dampening: 1.0), 4));
    }

    [Fact]
    public void A_family_whose_method_converges_whatever_the_learning_rate_has_an_infinite_largest_stable_one()
    {
        // The family ignores η: gradient descent with η = 0.25 on λ = 4 has ηλ = 1, the error is 0 after one step.
        Assert.Equal(double.PositiveInfinity, Convergence.LargestStableLearningRate(_ => Optimizer.GradientDescent(0.25), 4));
    }

    [Fact]
    public void Shrinking_by_a_factor_of_one_or_more_takes_no_steps_even_where_nothing_converges()
    {
        var diverging = LinearMethod.Of(Optimizer.GradientDescent(3)).At(1);     // ηλ = 3: error (−2)ᵗ
        Assert.False(diverging.Converges());
        Assert.Equal(0, Convergence.StepsToShrink(2, 1));
        Assert.Equal(0, Convergence.StepsToShrink(1, 1.5));
        Assert.Equal(0, Convergence.StepsToShrink(diverging, 1));
        Assert.Equal(0, Convergence.StepsToShrink(LinearMethod.Of(Optimizer.GradientDescent(3)), [1.0], [1.0], 1));
        Assert.Equal(double.PositiveInfinity, Convergence.StepsToShrink(diverging, 0.5));
    }

    [Fact]
    public void Gradient_descent_at_eta_lambda_one_half_shrinks_the_error_a_thousandfold_in_ten_steps()
    {
        // |1 − ηλ|ᵗ = 2⁻ᵗ ≤ 10⁻³ from t = ⌈ln 10⁻³ / ln ½⌉ = ⌈9.97⌉ = 10.
        var method = LinearMethod.Of(Optimizer.GradientDescent(0.5));
        Assert.Equal(10, Convergence.StepsToShrink(0.5, 1e-3));
        Assert.Equal(10, Convergence.StepsToShrink(method.At(1), 1e-3));
        Assert.Equal(10, Convergence.StepsToShrink(method, [1.0], [1.0], 1e-3));
        // Two directions with the same rate started at (3, 4): ‖xₜ‖ = 5·2⁻ᵗ against 10⁻³·5, the same ten steps.
        Assert.Equal(10, Convergence.StepsToShrink(method, [1.0, 1.0], [3.0, 4.0], 1e-3));
    }

    [Fact]
    public void A_direction_that_starts_at_its_minimum_never_counts_even_when_it_would_diverge()
    {
        // λ = 5: ηλ = 2.5, error (−1.5)ᵗ, but from 0 it stays 0; the other direction decides (ten steps, as above).
        var method = LinearMethod.Of(Optimizer.GradientDescent(0.5));
        Assert.Equal(10, Convergence.StepsToShrink(method, [1.0, 5.0], [1.0, 0.0], 1e-3));
        Assert.Equal(double.PositiveInfinity, Convergence.StepsToShrink(method, [1.0, 5.0], [1.0, 1e-300], 1e-3));
        Assert.Equal(0, Convergence.StepsToShrink(method, [1.0, 5.0], [0.0, 0.0], 1e-3));
    }

    [Fact]
    public void Step_counts_over_a_spectrum_need_one_start_per_eigenvalue_and_at_least_one()
    {
        var method = LinearMethod.Of(Optimizer.GradientDescent(0.5));
        var e = Assert.Throws<ArgumentException>(() => Convergence.StepsToShrink(method, [1.0, 2.0], [1.0], 1e-3));
        Assert.Equal("start", e.ParamName);
        Assert.Contains("2 eigenvalues and 1 start values", e.Message);
        Assert.Equal("start", Assert.Throws<ArgumentException>(() => Convergence.StepsToShrink(method, [], [], 1e-3)).ParamName);
    }

    // Refused by name: checked with the other closed forms' refusals (ConvergenceProperties.Invalid_inputs_throw_…).
    public static TheoryData<string, Action> InvalidInputs => new()
    {
        { "learningRate", () => Convergence.Converges(0.5, double.NaN, 1) },
        { "learningRate", () => Convergence.GradientDescentIterate(double.PositiveInfinity, 1, 1) },
        { "eigenvalue", () => Convergence.GradientDescentIterate(0.1, double.NaN, 1) },
        { "start", () => Convergence.GradientDescentIterate(0.1, 1, 1, double.NaN) },
        { "step", () => Convergence.GradientDescentIterate(0.1, 1, -1) },
        { "factor", () => Convergence.StepsToShrink(LinearMethod.Of(Optimizer.GradientDescent(0.5)).At(1), 0) },
        { "factor", () => Convergence.StepsToShrink(LinearMethod.Of(Optimizer.GradientDescent(0.5)), [1.0], [1.0], -1) },
        { "start", () => Convergence.StepsToShrink(LinearMethod.Of(Optimizer.GradientDescent(0.5)), [1.0], [double.NaN], 0.5) },
        // λ = 5 diverges at η = ½ (ηλ = 2.5): the start is refused before the direction's verdict is read.
        { "start", () => Convergence.StepsToShrink(LinearMethod.Of(Optimizer.GradientDescent(0.5)), [5.0], [double.NaN], 0.5) },
        { "learningRate", () => MomentumMatrix.Of(0.5, double.NaN, 1) },
        { "eigenvalue", () => MomentumMatrix.Apply(0.5, 0.1, double.PositiveInfinity, 0, 1) },
    };

    [Fact]
    public void A_missing_family_map_or_method_is_refused_by_name()
    {
        Assert.Equal("family", Assert.Throws<ArgumentNullException>(() => Convergence.LargestStableLearningRate(null!, 1)).ParamName);
        Assert.Equal("map", Assert.Throws<ArgumentNullException>(() => Convergence.StepsToShrink((LinearMap)null!, 0.5)).ParamName);
        Assert.Equal("method", Assert.Throws<ArgumentNullException>(() => Convergence.StepsToShrink(null!, [1.0], [1.0], 0.5)).ParamName);
    }

    [Fact]
    public void The_largest_stable_learning_rate_of_a_family_that_is_not_linear_is_refused_even_when_its_step_changes_late()
    {
        // Demon's momentum decays with the step count from the start; a step decay halves η only at step 100. Neither is
        // a fixed map, hence there is no stable range to search.
        Assert.Throws<NonlinearMethodException>(() => Convergence.LargestStableLearningRate(eta => Optimizer.Demon(eta, 0.9, 100), 1));
        Assert.Throws<NonlinearMethodException>(() => Convergence.LargestStableLearningRate(eta => new Sgd(Schedule.StepDecay(eta, 100, 0.5)), 1));
    }

    [Fact]
    public void Where_eta_equal_to_one_over_L_already_diverges_the_search_goes_down_to_two_over_L_plus_the_weight_decay()
    {
        // Coupled weight decay 3 on λ = 1: x ← x − η(1 + 3)x converges iff 0 < 4η < 2 (d2l §11.6.3.2 with λ + λ_wd), so
        // η* = ½, below the search's first guess 1/L = 1.
        Assert.Equal(0.5, Convergence.LargestStableLearningRate(eta => new Sgd(eta, weightDecay: 3.0), 1), 12);
    }

    [Fact]
    public void The_error_over_several_directions_is_their_euclidean_norm()
    {
        // Two directions at ηλ = ½ started at (1, 1): ‖xₜ‖ = √2·2⁻ᵗ ≤ ε·√2 with ε = 2^−10.25 from t = 10.25, so 11 steps;
        // the larger direction alone (2⁻ᵗ) would reach ε√2 at t = 9.75, after 10.
        var method = LinearMethod.Of(Optimizer.GradientDescent(0.5));
        Assert.Equal(11, Convergence.StepsToShrink(method, [1.0, 1.0], [1.0, 1.0], Math.Pow(2, -10.25)));
    }

    [Fact]
    public void One_step_of_R_worked_by_hand()
    {
        // β = ½, η = ¼, λ = 2 from (v, x) = (3, 4): v = ½·3 + 2·4 = 9.5, x = 4 − ¼·9.5 = 1.625 (every number exact in binary).
        Assert.Equal((9.5, 1.625), MomentumMatrix.Apply(0.5, 0.25, 2, 3, 4));
    }
}
