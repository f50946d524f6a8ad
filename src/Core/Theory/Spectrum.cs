using System.Collections.Immutable;
using System.Globalization;
using System.Numerics;
using MathNet.Numerics.LinearAlgebra;

namespace Momentum.Theory;

/// <summary>
/// The eigenvalues and spectral radius of a small real matrix, the iteration matrix R of a linear method: the error of
/// z ← R z shrinks like ρ(R)ᵗ, ρ(R) = max |σᵢ| (times a polynomial in t when the dominant eigenvalue is defective).
/// </summary>
/// <remarks>
/// 1×1 and 2×2 matrices are solved in closed form: σ = (T ± √(T² − 4D))/2 from the trace T and determinant D (Goh 2017),
/// the larger root without cancellation and the other from σ₁σ₂ = D, D by Kahan's fused 2×2 determinant. Larger ones
/// (AggMo's K + 1 states) go to MathNet.Numerics' general eigenvalue decomposition (Hessenberg reduction and shifted QR,
/// as LAPACK's <c>dgeev</c>). MathNet is kept for this: a non-symmetric eigensolver is not something to write by hand,
/// and the library is already Core's for the symmetric decomposition and the Cholesky and LU solves.
/// </remarks>
public static class Spectrum
{
    /// <summary>
    /// The eigenvalues of a square matrix, largest modulus first (ties: larger real part, then larger imaginary part).
    /// </summary>
    /// <exception cref="ArgumentException">Not square, empty, or not finite.</exception>
    public static ImmutableArray<Complex> Eigenvalues(double[,] matrix)
    {
        ArgumentNullException.ThrowIfNull(matrix);
        var n = matrix.GetLength(0);
        if (n == 0 || matrix.GetLength(1) != n)
            throw new ArgumentException($"the matrix is {matrix.GetLength(0)}×{matrix.GetLength(1)}: it must be square and non-empty.", nameof(matrix));
        foreach (var value in matrix)
            if (!double.IsFinite(value)) throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"the matrix holds {value}: every entry must be finite."), nameof(matrix));
        Complex[] values = n switch
        {
            1 => [matrix[0, 0]],
            2 => TwoByTwo(matrix[0, 0], matrix[0, 1], matrix[1, 0], matrix[1, 1]),
            _ => [.. Matrix<double>.Build.DenseOfArray(matrix).Evd().EigenValues],
        };
        return [.. values.OrderByDescending(Complex.Abs).ThenByDescending(v => v.Real).ThenByDescending(v => v.Imaginary)];
    }

    /// <summary>ρ = max |σᵢ|.</summary>
    /// <exception cref="ArgumentException">Not square, empty, or not finite.</exception>
    public static double Radius(double[,] matrix) => Complex.Abs(Eigenvalues(matrix)[0]);

    /// <summary>The roots of σ² − Tσ + D for R = [[a, b], [c, d]], with p(±1) = det(±I − R) and 2 ∓ T from the entries.</summary>
    internal static Complex[] TwoByTwo(double a, double b, double c, double d) =>
        QuadraticRoots(a + d, Determinant(a, b, c, d), Determinant(1 - a, -b, -c, 1 - d), Determinant(1 + a, b, c, 1 + d), (1 - a) + (1 - d), (1 + a) + (1 + d));

    /// <summary>
    /// The roots of p(σ) = σ² − Tσ + D, expanded about the point s ∈ {−1, 0, 1} nearest their centre T/2: with σ = s + v,
    /// v solves v² − (T − 2s)v + p(s) = 0, whose coefficients are given accurately (T − 2s as ∓(2 ∓ T) from the matrix's
    /// entries, p(±1) = det(±I − R) and p(0) = D; for heavy ball 1 − β + ηλ, 3 + β − ηλ, ηλ and 2 + 2β − ηλ, the Jury
    /// quantities), then the quadratic formula without cancellation (the smaller root as p(s)/v₁). Two roots that nearly
    /// coincide keep their digits wherever they are, and a root on the unit circle is exactly ±1 when p(±1) = 0: which
    /// side of the border a real root lies on follows the sign of p(±1), not rounding.
    /// </summary>
    internal static Complex[] QuadraticRoots(double trace, double determinant, double atOne, double atMinusOne, double twoMinusTrace, double twoPlusTrace)
    {
        // v² − Bv + C with σ = s + v: B = T − 2s, C = p(s).
        var (s, b, c) = trace > 1 ? (1.0, -twoMinusTrace, atOne)
            : trace < -1 ? (-1.0, twoPlusTrace, atMinusOne)
            : (0.0, trace, determinant);
        var discriminant = Math.FusedMultiplyAdd(b, b, -4 * c);
        if (discriminant < 0)
        {
            var (real, imaginary) = (s + b / 2, Math.Sqrt(-discriminant) / 2);
            return [new Complex(real, imaginary), new Complex(real, -imaginary)];
        }
        var large = (b + Math.CopySign(Math.Sqrt(discriminant), b)) / 2;
        // (An overflowing ηλ makes the large root infinite; the other is then finite and ∞/∞ must not make it NaN.)
        var small = large == 0 || double.IsInfinity(large) ? 0 : c / large;
        var (first, second) = (s + large, s + small);
        return Math.Abs(first) >= Math.Abs(second) ? [first, second] : [second, first];
    }

    // ad − bc with one rounding error (Kahan; Jeannerod, Louvet, Muller, "Further analysis of Kahan's algorithm for the
    // accurate computation of 2×2 determinants", Math. Comp. 2013).
    private static double Determinant(double a, double b, double c, double d)
    {
        var w = b * c;
        var e = Math.FusedMultiplyAdd(-b, c, w);
        var f = Math.FusedMultiplyAdd(a, d, -w);
        return f + e;
    }
}
