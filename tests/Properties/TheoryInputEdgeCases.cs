using System.Numerics;
using Momentum.Optimizers;
using Momentum.Theory;

namespace Momentum.Properties;

/// <summary>
/// The rest of the theory's inputs at their edges, each refusal with its exact text: effective sample weights outside
/// [0, 1] and at β = 1, quadratics and eigendecompositions of the wrong size or with non-finite entries, regions of a
/// missing family or a scan too short, critical damping of non-finite inputs; and orders and regimes on their ties.
/// </summary>
public class TheoryInputEdgeCases
{
    public static TheoryData<string, Action, string> Refusals() => new()
    {
        { "a weight of β = 1.5", () => EffectiveSampleWeights.Weight(1.5, 0), "EffectiveSampleWeights.momentum = 1.5: must be in [0, 1]" },
        { "a weight of a negative lag", () => EffectiveSampleWeights.Weight(0.5, -1), "EffectiveSampleWeights.lag = -1: must be an integer ≥ 0" },
        { "weights of β = -0.1", () => EffectiveSampleWeights.Weights(-0.1, 3), "EffectiveSampleWeights.momentum = -0.1: must be in [0, 1]" },
        { "weights over a negative horizon", () => EffectiveSampleWeights.Weights(0.5, -1), "EffectiveSampleWeights.horizon = -1: must be an integer ≥ 0" },
        { "a sum of β = 1.5", () => EffectiveSampleWeights.Sum(1.5, 2), "EffectiveSampleWeights.momentum = 1.5: must be in [0, 1]" },
        { "a sum over a negative horizon", () => EffectiveSampleWeights.Sum(0.5, -1), "EffectiveSampleWeights.horizon = -1: must be an integer ≥ 0" },
        { "the effective count of β = 1", () => EffectiveSampleWeights.EffectiveCount(1), "EffectiveSampleWeights.momentum = 1: must be in [0, 1)" },
        { "critical damping at a NaN rate", () => OptimalParameters.CriticalDamping(double.NaN, 1), "OptimalParameters.learningRate = NaN: must be a finite number" },
        { "critical damping at an infinite eigenvalue", () => OptimalParameters.CriticalDamping(0.1, double.PositiveInfinity), "OptimalParameters.eigenvalue = Infinity: must be a finite number" },
        { "critical damping at a negative ηλ", () => OptimalParameters.CriticalDamping(0.1, -2), "OptimalParameters.learningRate·eigenvalue = -0.2: must be ≥ 0" },
        { "a quadratic of no matrix", () => _ = new Quadratic(null!, [1.0]), "Value cannot be null. (Parameter 'q')" },
        { "a quadratic whose c is short", () => _ = new Quadratic(new double[,] { { 2, 0 }, { 0, 3 } }, [1.0]), "c has 1 elements; Q is 2×2. (Parameter 'c')" },
        { "a quadratic whose c holds NaN", () => _ = new Quadratic(new double[,] { { 2 } }, [double.NaN]), "c holds NaN: every entry must be finite. (Parameter 'c')" },
        { "a quadratic whose b is infinite", () => _ = new Quadratic(new double[,] { { 2 } }, [1.0], double.NegativeInfinity), "b = -Infinity must be finite. (Parameter 'b')" },
        { "a quadratic's value at a point of the wrong length", () => new Quadratic(new double[,] { { 2 } }, [1.0]).Value([1.0, 2.0]), "x has 2 elements; h has 1. (Parameter 'x')" },
        { "a quadratic's gradient at a point of the wrong length", () => new Quadratic(new double[,] { { 2 } }, [1.0]).Gradient([1.0, 2.0], new double[1]), "x has 2 elements; h has 1. (Parameter 'x')" },
        { "a quadratic's gradient into a buffer of the wrong length", () => new Quadratic(new double[,] { { 2 } }, [1.0]).Gradient([1.0], new double[2]), "gradient has 2 elements; h has 1. (Parameter 'gradient')" },
        { "the eigendecomposition of no matrix", () => SymmetricEigen.Of(null!), "Value cannot be null. (Parameter 'q')" },
        { "the eigendecomposition of a matrix holding ∞", () => SymmetricEigen.Of(new double[,] { { 1, 0 }, { 0, double.PositiveInfinity } }), "The matrix holds Infinity: every entry must be finite. (Parameter 'q')" },
        { "the eigendecomposition of a matrix that is not symmetric", () => SymmetricEigen.Of(new double[,] { { 1, 2, 0 }, { 2, 1, 0 }, { 0, 0.5, 1 } }), "The matrix is not symmetric: entry (2,3) = 0 but (3,2) = 0.5. (Parameter 'q')" },
        { "the eigenvalues of a matrix holding −∞", () => Spectrum.Eigenvalues(new double[,] { { 1, double.NegativeInfinity }, { 0, 1 } }), "the matrix holds -Infinity: every entry must be finite. (Parameter 'matrix')" },
        { "the eigenvalues of no matrix", () => Spectrum.Eigenvalues(null!), "Value cannot be null. (Parameter 'matrix')" },
        { "the regime of no eigenvalues", () => Regimes.Of([]), "at least one eigenvalue is needed. (Parameter 'eigenvalues')" },
        { "the regime of a missing list", () => Regimes.Of(null!), "Value cannot be null. (Parameter 'eigenvalues')" },
        { "a row of a missing family", () => Region.Row(null!, 0.5, [1.0]), "Value cannot be null. (Parameter 'family')" },
        { "the borders of a missing family", () => Region.Borders(null!, [0.5], 2), "Value cannot be null. (Parameter 'family')" },
        { "optimal momentum for κ beyond double precision", () => OptimalParameters.ForMomentum(2, 1e40), "OptimalParameters.largest = 1E+40: must keep κ = L/μ below about 10³² (with μ = 2, κ = 5E+39): the optimal momentum 1 − O(1/√κ) rounds to 1 in double precision" },
        { "the borders scanned at one point", () => Region.Borders((eta, beta) => Optimizer.HeavyBall(eta, beta), [0.5], 2, scan: 1), "Region.scan = 1: must be an integer ≥ 2" },
    };

    [Theory]
    [MemberData(nameof(Refusals))]
    public void Every_refusal_says_what_was_wrong(string what, Action call, string message)
        => Refusal.Says(what, call, message);

    [Fact]
    public void A_region_of_a_family_linear_until_a_late_step_is_refused_by_the_full_reading()
    {
        // The cells are read quickly (steps 1 and 2); the full reading, once per row and per β, probes step 999.
        var late = MethodReadingEdgeCases.RefusedAt(999);
        Assert.Equal(NonlinearReason.VariesWithStep, Assert.Throws<NonlinearMethodException>(() => Region.Row((_, _) => late, 0.5, [1.0])).Reason);
        Assert.Equal(NonlinearReason.VariesWithStep, Assert.Throws<NonlinearMethodException>(() => Region.Borders((_, _) => late, [0.5], 2, scan: 2)).Reason);
    }

    [Fact]
    public void Momentum_1_is_allowed_where_the_weights_are_finite()
    {
        Assert.Equal(1, EffectiveSampleWeights.Weight(1, 3));
        Assert.Equal([1.0, 1.0, 1.0], EffectiveSampleWeights.Weights(1, 3));
        Assert.Equal(3, EffectiveSampleWeights.Sum(1, 3));
    }

    [Fact]
    public void Eigenvalues_of_equal_modulus_come_real_part_first_then_imaginary_part_first()
    {
        // A reflection: 1 and −1; a rotation by 90°: i and −i.
        Assert.Equal([Complex.One, -Complex.One], Spectrum.Eigenvalues(new double[,] { { 0, 1 }, { 1, 0 } }).ToArray());
        Assert.Equal([Complex.ImaginaryOne, -Complex.ImaginaryOne], Spectrum.Eigenvalues(new double[,] { { 0, -1 }, { 1, 0 } }).ToArray());
        // Three dimensions go through MathNet, whose own order is not this one.
        Assert.Equal([Complex.One, -Complex.One, new Complex(0.5, 0)], Spectrum.Eigenvalues(new double[,] { { -1, 0, 0 }, { 0, 0.5, 0 }, { 0, 0, 1 } }).ToArray());
    }

    [Fact]
    public void Two_eigenvalues_exactly_the_tolerance_apart_are_critically_damped_and_one_ulp_further_are_not()
    {
        var tau = Regimes.CriticalDampingTolerance;
        Assert.Equal(Regime.CriticallyDamped, Regimes.Of([new Complex(tau, 0), Complex.Zero]));
        Assert.Equal(Regime.Monotone, Regimes.Of([new Complex(Math.BitIncrement(tau), 0), Complex.Zero]));
    }

    [Fact]
    public void A_matrix_symmetric_to_within_its_tolerance_is_decomposed_as_its_lower_triangle_says()
    {
        // |q₁₂ − q₂₁| = 10⁻¹² ≤ 10⁻¹⁰·max|q| = 4·10⁻¹⁰: accepted; MathNet's symmetric solver reads the lower triangle.
        var eigen = SymmetricEigen.Of(new double[,] { { 4, 1 + 1e-12 }, { 1, 2 } });
        Assert.Equal([3 - Math.Sqrt(2), 3 + Math.Sqrt(2)], eigen.Eigenvalues.ToArray(), (a, b) => Math.Abs(a - b) <= 1e-14);
    }

    [Fact]
    public void An_eigenvalue_of_exactly_zero_is_monotone()
    {
        // Gradient descent at ηλ = 1 lands on the minimum in one step: σ = 0, no sign flip.
        Assert.Equal(Regime.Monotone, LinearMethod.Of(Optimizer.GradientDescent(0.5)).At(2).Regime());
        Assert.Equal(Regime.Monotone, Regimes.Of([Complex.Zero]));
    }

    [Fact]
    public void A_quadratic_of_eight_dimensions_prints_its_matrix_and_of_nine_its_size()
    {
        static Quadratic Diagonal(int n)
        {
            var q = new double[n, n];
            for (var i = 0; i < n; i++) q[i, i] = 1;
            return new Quadratic(q, new double[n]);
        }
        Assert.Contains(", Q = [", Diagonal(8).ToString());
        Assert.DoesNotContain(", Q = [", Diagonal(9).ToString());
    }

    [Fact]
    public void An_empty_eigendecomposition_has_a_hash()
    {
        var empty = new SymmetricEigendecomposition([], []);
        Assert.Equal(empty, new SymmetricEigendecomposition([], []));
        Assert.Equal(empty.GetHashCode(), new SymmetricEigendecomposition([], []).GetHashCode());
    }
}
