using Momentum.Testing;
using Momentum.Problems;
using Momentum.Theory;

namespace Momentum.Properties;

/// <summary>
/// Every quadratic objective's value and gradient against a closed form written here and against central finite
/// differences of its own value (a gradient that disagrees with the value's slope, or a value off by its ½, is caught).
/// </summary>
public class ObjectiveProperties
{
    /// <summary>∂f/∂xᵢ by the central difference (f(x + heᵢ) − f(x − heᵢ))/(2h), exact for a quadratic up to rounding.</summary>
    private static double[] FiniteDifference(IObjective f, double[] x)
    {
        var gradient = new double[x.Length];
        for (var i = 0; i < x.Length; i++)
        {
            var h = 1e-3 * (1 + Math.Abs(x[i]));
            var (plus, minus) = ((double[])x.Clone(), (double[])x.Clone());
            plus[i] += h;
            minus[i] -= h;
            gradient[i] = (f.Value(plus) - f.Value(minus)) / (plus[i] - minus[i]);
        }
        return gradient;
    }

    private static Property Agrees(IObjective f, double[] x, double expectedValue, double[] expectedGradient)
    {
        var gradient = new double[x.Length];
        f.Gradient(x, gradient);
        var numeric = FiniteDifference(f, x);
        var valueScale = 1 + Math.Abs(expectedValue);
        var gradientScale = 1 + expectedGradient.Max(Math.Abs);
        if (Math.Abs(f.Value(x) - expectedValue) > 1e-12 * valueScale)
            return false.Label($"f = {f.Value(x):R}, closed form {expectedValue:R}");
        for (var i = 0; i < x.Length; i++)
        {
            if (Math.Abs(gradient[i] - expectedGradient[i]) > 1e-12 * gradientScale)
                return false.Label($"∇f[{i}] = {gradient[i]:R}, closed form {expectedGradient[i]:R}");
            if (Math.Abs(numeric[i] - gradient[i]) > 1e-6 * gradientScale)
                return false.Label($"∇f[{i}] = {gradient[i]:R}, finite difference {numeric[i]:R}");
        }
        return true.ToProperty();
    }

    [Property(MaxTest = 300)]
    public Property The_diagonal_quadratic_is_one_half_sum_lambda_x_squared_with_gradient_lambda_x() =>
        Prop.ForAll(Gen.Choose(1, 12).SelectMany(n => Gen.Zip(Gen.ArrayOf(Generators.LogUniform(1e-2, 1e2), n), Gen.ArrayOf(Generators.Normal, n))).ToArbitrary(), c =>
        {
            var (lambdas, x) = c;
            var value = 0.0;
            for (var i = 0; i < x.Length; i++) value += 0.5 * lambdas[i] * x[i] * x[i];
            return Agrees(new DiagonalQuadratic([.. lambdas]), x, value, [.. lambdas.Zip(x, (l, v) => l * v)]);
        });

    [Property(MaxTest = 300)]
    public Property The_two_dimensional_quadratic_is_a1_x1_squared_plus_a2_x2_squared() =>
        Prop.ForAll(Generators.LogUniform(1e-2, 1e2).ToArbitrary(), Generators.LogUniform(1e-2, 1e2).ToArbitrary(), Gen.ArrayOf(Generators.Normal, 2).ToArbitrary(),
            (a1, a2, x) => Agrees(new TwoDimensionalQuadratic(a1, a2), x, a1 * x[0] * x[0] + a2 * x[1] * x[1], [2 * a1 * x[0], 2 * a2 * x[1]]));

    [Property(MaxTest = 300)]
    public Property The_general_quadratic_is_one_half_xQx_plus_cx_plus_b_with_gradient_Qx_plus_c() =>
        Prop.ForAll(
            (from n in Gen.Choose(1, 6)
             from o in Generators.Orthogonal(n)
             from lambdas in Gen.ArrayOf(Generators.LogUniform(1e-2, 1e2), n)
             from linear in Gen.ArrayOf(Generators.Normal, n)
             from x in Gen.ArrayOf(Generators.Normal, n)
             select (O: o, Lambdas: lambdas, Linear: linear, X: x)).ToArbitrary(), Generators.Normal.ToArbitrary(), (c, b) =>
        {
            var (o, lambdas, linear, x) = c;
            var h = Quadratic.FromEigenbasis(o, lambdas, linear, b);
            // In the eigenbasis: ½ xᵀQx = ½ Σ λᵢ (oᵢ·x)², and Qx = Σ λᵢ (oᵢ·x) oᵢ, with oᵢ the rows of O.
            var n = x.Length;
            var projections = Enumerable.Range(0, n).Select(i => Enumerable.Range(0, n).Sum(j => o[i, j] * x[j])).ToArray();
            var value = 0.5 * projections.Select((p, i) => lambdas[i] * p * p).Sum() + linear.Zip(x, (ci, xi) => ci * xi).Sum() + b;
            var gradient = Enumerable.Range(0, n).Select(j => Enumerable.Range(0, n).Sum(i => lambdas[i] * projections[i] * o[i, j]) + linear[j]).ToArray();
            var scale = 1 + lambdas.Max() * x.Sum(v => v * v);
            var f = h.Value(x);
            if (Math.Abs(f - value) > 1e-10 * scale) return false.Label($"h = {f:R}, eigenbasis {value:R}");
            var computed = new double[n];
            h.Gradient(x, computed);
            var numeric = FiniteDifference(h, x);
            for (var i = 0; i < n; i++)
                if (Math.Abs(computed[i] - gradient[i]) > 1e-10 * scale || Math.Abs(numeric[i] - computed[i]) > 1e-6 * scale)
                    return false.Label($"∇h[{i}] = {computed[i]:R}, eigenbasis {gradient[i]:R}, finite difference {numeric[i]:R}");
            return true.ToProperty();
        });

    [Fact]
    public void The_books_f_at_minus_5_minus_2_is_10_5_and_the_diagonal_form_of_its_Hessian_agrees()
    {
        // f(x) = 0.1x₁² + 2x₂² (d2l eq. 11.6.4) is ½ Σ λᵢxᵢ² with λ = (0.2, 4).
        Assert.Equal(10.5, TwoDimensionalQuadratic.Chapter.Value([-5, -2]), 15);
        Assert.Equal(10.5, new DiagonalQuadratic([0.2, 4]).Value([-5, -2]), 15);
    }
}
