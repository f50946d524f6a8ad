using Momentum.Testing;
using Momentum.Theory;

namespace Momentum.Properties;

/// <summary>d2l §11.6 exercise 3: the minimizer and minimum of h(x) = ½ xᵀQx + xᵀc + b, and the eigendecomposition of Q.</summary>
public class QuadraticProperties
{
    public sealed record Case(double[,] O, double[] Lambda, double[] C, double B, double[] Direction)
    {
        public override string ToString() => $"n={Lambda.Length}, λ=[{string.Join(", ", Lambda.Select(l => l.ToString("G4")))}], b={B}";
    }

    private static readonly Arbitrary<Case> Cases =
        (from n in Gen.Choose(1, 8)
         from o in Generators.Orthogonal(n)
         from lambda in Gen.ArrayOf(Generators.LogUniform(0.01, 100), n)
         from c in Gen.ArrayOf(Generators.Normal, n)
         from b in Generators.Normal
         from d in Gen.ArrayOf(Generators.Normal, n)
         select new Case(o, lambda, c, b, d)).ToArbitrary();

    [Property(MaxTest = 300)]
    public Property The_minimizer_is_minus_Q_inverse_c_where_the_gradient_vanishes() =>
        Prop.ForAll(Cases, k =>
        {
            var h = Quadratic.FromEigenbasis(k.O, k.Lambda, k.C, k.B);
            var x = h.Minimizer().ToArray();
            var gradient = new double[x.Length];
            h.Gradient(x, gradient);
            var scale = k.C.Max(Math.Abs) + 1e-300;
            return gradient.All(g => Math.Abs(g) <= 1e-10 * scale * (1 + k.Lambda.Max() / k.Lambda.Min()));
        });

    [Property(MaxTest = 300)]
    public Property The_minimum_is_b_minus_half_c_Q_inverse_c_and_every_other_point_is_higher() =>
        Prop.ForAll(Cases, Generators.LogUniform(1e-3, 10).ToArbitrary(), (k, step) =>
        {
            var h = Quadratic.FromEigenbasis(k.O, k.Lambda, k.C, k.B);
            var x = h.Minimizer().ToArray();
            var minimum = h.Minimum();
            var moved = x.Zip(k.Direction, (a, d) => a + step * d).ToArray();
            var scale = 1 + Math.Abs(minimum);
            return Math.Abs(h.Value(x) - minimum) <= 1e-9 * scale * (1 + k.Lambda.Max() / k.Lambda.Min())
                && h.Value(moved) >= minimum - 1e-9 * scale;
        });

    [Property(MaxTest = 300)]
    public Property The_eigendecomposition_recovers_the_eigenvalues_and_reconstructs_Q() =>
        Prop.ForAll(Cases, k =>
        {
            var h = Quadratic.FromEigenbasis(k.O, k.Lambda, k.C);
            var eigen = h.Eigen();
            var n = k.Lambda.Length;
            var sorted = k.Lambda.Order().ToArray();
            var scale = k.Lambda.Max();
            var valuesMatch = eigen.Eigenvalues.Zip(sorted).All(p => Math.Abs(p.First - p.Second) <= 1e-12 * scale);
            var reconstructs = Enumerable.Range(0, n).All(i => Enumerable.Range(0, n).All(j =>
                Math.Abs(Enumerable.Range(0, n).Sum(m => eigen.Eigenvalues[m] * eigen.Eigenvectors[m][i] * eigen.Eigenvectors[m][j]) - h[i, j]) <= 1e-12 * scale));
            return valuesMatch && reconstructs && eigen.Smallest == sorted[0] || valuesMatch && reconstructs && Math.Abs(eigen.Smallest - sorted[0]) <= 1e-12 * scale;
        });

    [Fact]
    public void A_matrix_that_is_not_positive_definite_has_no_minimizer()
    {
        var h = new Quadratic(new double[,] { { 1, 0 }, { 0, -1 } }, [1, 1]);
        var e = Assert.Throws<ArgumentException>(() => h.Minimizer());
        Assert.Contains("not positive definite", e.Message);
    }

    [Fact]
    public void A_matrix_that_is_not_symmetric_is_refused_naming_the_entry()
    {
        var e = Assert.Throws<ArgumentException>(() => new Quadratic(new double[,] { { 1, 2 }, { 0, 1 } }, [0, 0]));
        Assert.Contains("(1,2)", e.Message);
    }
}
