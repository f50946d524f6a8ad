using System.Globalization;
using Momentum.Optimizers;
using Momentum.Problems;
using Momentum.Theory;

namespace Momentum.Properties;

/// <summary>The printed output of d2l §11.6 (<c>train_2d</c> on f(x) = 0.1x₁² + 2x₂² from (−5, −2), 20 steps).</summary>
public class BookExamples
{
    public static TheoryData<string, IGradientTransformation> BookRuns => new()
    {
        { "epoch 20, x1: -0.943467, x2: -0.000073", Optimizer.GradientDescent(0.4) },
        { "epoch 20, x1: -0.387814, x2: -1673.365109", Optimizer.GradientDescent(0.6) },
        { "epoch 20, x1: 0.007188, x2: 0.002553", Optimizer.HeavyBall(0.6, 0.5) },
        { "epoch 20, x1: -0.126340, x2: -0.186632", Optimizer.HeavyBall(0.6, 0.25) },
    };

    [Theory]
    [MemberData(nameof(BookRuns))]
    public void The_optimizers_print_the_books_lines(string line, IGradientTransformation optimizer)
    {
        var last = Trajectory.Collect(TwoDimensionalQuadratic.Chapter, optimizer, [-5, -2], 20)[^1];
        Assert.Equal(line, string.Create(CultureInfo.InvariantCulture, $"epoch {last.Step}, x1: {last.Point[0]:F6}, x2: {last.Point[1]:F6}"));
    }

    [Fact]
    public void The_books_momentum_run_is_in_the_ripples_on_both_directions_and_gradient_descent_at_0_6_diverges_on_x2()
    {
        // d2l §11.6: η = 0.6, β = 0.5 on λ = 0.2 and 4: ηλ = 0.12 and 2.4, both below (1 + √0.5)² = 2.91 and above
        // (1 − √0.5)² = 0.086, so complex roots of modulus √0.5; gradient descent at η = 0.6 has |1 − 2.4| = 1.4 on λ = 4.
        var momentum = LinearMethod.Of(Optimizer.HeavyBall(0.6, 0.5));
        Assert.All(new[] { 0.2, 4.0 }, l => Assert.Equal(Momentum.Theory.Regime.Ripples, momentum.At(l).Regime()));
        Assert.Equal(Math.Sqrt(0.5), momentum.At(4).SpectralRadius(), 15);
        Assert.Equal(1.4, LinearMethod.Of(Optimizer.GradientDescent(0.6)).At(4).SpectralRadius(), 15);
    }

    [Fact]
    public void The_chapters_problem_has_Hessian_eigenvalues_0_2_and_4()
    {
        Assert.Equal([0.2, 4.0], TwoDimensionalQuadratic.Chapter.HessianEigenvalues.ToArray());
        Assert.Equal(0.1 * 25 + 2 * 4, TwoDimensionalQuadratic.Chapter.Value([-5, -2]));
    }

    [Fact]
    public void Exercise_2_uses_eigenvalues_two_to_the_minus_i()
    {
        var problem = DiagonalQuadratic.Exercise2();
        Assert.Equal(10, problem.Dimension);
        Assert.Equal(1, problem.Eigenvalues[0]);
        Assert.Equal(1.0 / 512, problem.Eigenvalues[9]);
    }
}
