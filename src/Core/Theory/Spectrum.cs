using System.Collections.Immutable;
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
            if (!double.IsFinite(value)) throw new ArgumentException($"the matrix holds {value}: every entry must be finite.", nameof(matrix));
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

    /// <summary>The roots of σ² − Tσ + D for R = [[a, b], [c, d]], with p(±1) = det(±I − R) from the entries.</summary>
    internal static Complex[] TwoByTwo(double a, double b, double c, double d) =>
        QuadraticRoots(a + d, Determinant(a, b, c, d), Determinant(1 - a, -b, -c, 1 - d), Determinant(1 + a, b, c, 1 + d));

    /// <summary>
    /// The roots of p(σ) = σ² − Tσ + D: (T ± √(T² − 4D))/2, the larger in modulus without cancellation and the other as
    /// D/σ₁. A real root near ±1 is then recomputed from p(±1), the polynomial's value there, as
    /// 1 − σ₊ = p(1)/(1 − σ₋) and 1 + σ₋ = p(−1)/(1 + σ₊) (p(1) = (1 − σ₊)(1 − σ₋)), so that which side of the unit circle
    /// it lies on follows the sign of p(±1) — for heavy ball p(1) = ηλ and p(−1) = 2 + 2β − ηλ, the Jury conditions — and
    /// is not decided by rounding at the stability boundary.
    /// </summary>
    internal static Complex[] QuadraticRoots(double trace, double determinant, double atOne, double atMinusOne)
    {
        var discriminant = Math.FusedMultiplyAdd(trace, trace, -4 * determinant);
        if (discriminant < 0)
        {
            var imaginary = Math.Sqrt(-discriminant) / 2;
            return [new Complex(trace / 2, imaginary), new Complex(trace / 2, -imaginary)];
        }
        var large = (trace + Math.CopySign(Math.Sqrt(discriminant), trace)) / 2;
        var small = large == 0 ? 0 : determinant / large;
        var (high, low) = large >= small ? (large, small) : (small, large);
        if (Math.Abs(1 - high) < Math.Abs(1 - low) && low < 1) high = 1 - atOne / (1 - low);
        if (Math.Abs(1 + low) < Math.Abs(1 + high) && high > -1) low = -1 + atMinusOne / (1 + high);
        return Math.Abs(high) >= Math.Abs(low) ? [high, low] : [low, high];
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
