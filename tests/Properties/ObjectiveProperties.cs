using Momentum.Testing;
using Momentum.Problems;
using Momentum.Theory;
using Momentum.Training;

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

    [Property(MaxTest = 200)]
    public Property The_logistic_loss_is_the_mean_cross_entropy_and_its_gradient_the_mean_of_p_minus_y_times_x() =>
        Prop.ForAll(Gen.Choose(1, 25).ToArbitrary(), Gen.Choose(1, 6).ToArbitrary(), Gen.Choose(0, 9999).ToArbitrary(), (rows, features, seed) =>
        {
            // −[y log p + (1 − y) log(1 − p)] with p = 1/(1 + e^{−z}): −log p = log(1 + e^{−z}) and −log(1 − p) = log(1 + eᶻ),
            // written naively (|z| stays below 40 here, so exp cannot overflow). Not −log(1 − p) itself: 1 − p cancels for
            // large z (z = 15.7 leaves 1 − p ≈ 1.5e-7 with 9 digits) and the reference, not the objective, would be wrong.
            var data = TrainerProperties.RandomData<double>(rows, features, seed, binary: true);
            var objective = new LogisticRegression<double>(data);
            var random = new Random(seed);
            var theta = Enumerable.Range(0, features + 1).Select(_ => 4 * random.NextDouble() - 2).ToArray();
            var batch = Enumerable.Range(0, rows).Where(_ => random.Next(3) > 0).DefaultIfEmpty(rows - 1).ToArray();
            double Z(int row) => Enumerable.Range(0, features).Sum(j => data.Features[row * features + j] * theta[j]) + theta[features];
            double P(int row) => 1 / (1 + Math.Exp(-Z(row)));
            double CrossEntropy(int row) => Math.Log(1 + Math.Exp(data.Labels[row] == 1 ? -Z(row) : Z(row)));
            var expected = new double[features + 1];
            foreach (var row in batch)
            {
                for (var j = 0; j < features; j++) expected[j] += (P(row) - data.Labels[row]) * data.Features[row * features + j] / batch.Length;
                expected[features] += (P(row) - data.Labels[row]) / batch.Length;
            }
            var gradient = new double[features + 1];
            var loss = objective.Gradient(theta, batch, default, gradient);
            var accuracy = Enumerable.Range(0, rows).Count(i => Z(i) >= 0 == (data.Labels[i] == 1)) / (double)rows;
            var fullLoss = Enumerable.Range(0, rows).Average(CrossEntropy);
            return (Math.Abs(loss - batch.Average(CrossEntropy)) <= 1e-12 * (1 + loss)
                    && expected.Zip(gradient).All(p => Math.Abs(p.First - p.Second) <= 1e-12)
                    && Math.Abs(objective.Loss(theta) - fullLoss) <= 1e-12 * (1 + fullLoss)
                    && objective.Accuracy(theta) == accuracy)
                .Label($"loss {loss:R} vs {batch.Average(CrossEntropy):R}; gradient [{string.Join(", ", gradient)}] vs [{string.Join(", ", expected)}]");
        });

    [Fact]
    public void The_logistic_loss_is_stable_where_the_naive_formula_overflows()
    {
        // z = ±800: e^{800} overflows, the loss is softplus(z) − yz: 800 for the wrong label and e^{−800} ≈ 0 for the right one.
        var data = new Dataset<double>([1.0, 1.0], [0.0, 1.0], 1);
        var objective = new LogisticRegression<double>(data);
        var gradient = new double[2];
        Assert.Equal(400, objective.Gradient([800.0, 0.0], [0, 1], default, gradient), 12);   // (800 + 0)/2
        Assert.Equal([0.5, 0.5], gradient);                                                      // (σ − y) = (1, 0): mean ½
        Assert.Equal(400, objective.Loss([-800.0, 0.0]), 12);
        Assert.Equal(400, objective.Gradient([-800.0, 0.0], [0, 1], default, gradient), 12);
        Assert.Equal([-0.5, -0.5], gradient);
        Assert.Equal(0.5, objective.Accuracy([800.0, 0.0]));
    }

    [Fact]
    public void The_books_f_at_minus_5_minus_2_is_10_5_and_the_diagonal_form_of_its_Hessian_agrees()
    {
        // f(x) = 0.1x₁² + 2x₂² (d2l eq. 11.6.4) is ½ Σ λᵢxᵢ² with λ = (0.2, 4).
        Assert.Equal(10.5, TwoDimensionalQuadratic.Chapter.Value([-5, -2]), 15);
        Assert.Equal(10.5, new DiagonalQuadratic([0.2, 4]).Value([-5, -2]), 15);
    }
}
