using MathNet.Numerics.LinearAlgebra;

namespace Momentum.Theory;

/// <summary>The discrete Lyapunov equation Σ = R Σ Rᵀ + Q, the stationary covariance of z ← R z + noise of covariance Q.</summary>
internal static class Lyapunov
{
    /// <summary>
    /// Σ for ρ(R) &lt; 1, by vectorisation, (I − R⊗R) vec Σ = vec Q since vec(R Σ Rᵀ) = (R⊗R) vec Σ (Horn and Johnson,
    /// Topics in Matrix Analysis, 1991, §4.3), an LU solve of size k², then refined three times with the residual
    /// Q − Σ + R Σ Rᵀ computed in twice the working precision (Ogita, Rump and Oishi's Dot2, "Accurate sum and dot
    /// product", SIAM J. Sci. Comput. 2005): near the stability boundary I − R⊗R is ill-conditioned (R has two roots close
    /// to ±1), and the refined solution keeps the digits the problem itself has rather than losing the system's condition.
    /// </summary>
    /// <param name="r">R, with ρ(R) &lt; 1 (the caller checks).</param>
    /// <param name="q">Q, symmetric.</param>
    public static Matrix<double> Solve(Matrix<double> r, Matrix<double> q)
    {
        var m = r.RowCount;
        var system = (Matrix<double>.Build.DenseIdentity(m * m) - r.KroneckerProduct(r)).LU();
        Matrix<double> Unvec(Vector<double> v) => Matrix<double>.Build.Dense(m, m, (i, j) => (v[i + m * j] + v[j + m * i]) / 2);
        Vector<double> Vec(Matrix<double> a) => Vector<double>.Build.Dense(m * m, index => a[index % m, index / m]);
        var sigma = Unvec(system.Solve(Vec(q)));
        for (var step = 0; step < 3; step++)
            sigma += Unvec(system.Solve(Vec(Residual(r, sigma, q))));
        return sigma;
    }

    // Q − Σ + R Σ Rᵀ, each entry accurate as if computed in twice the precision.
    private static Matrix<double> Residual(Matrix<double> r, Matrix<double> sigma, Matrix<double> q)
    {
        var m = r.RowCount;
        var (high, low) = (new double[m, m], new double[m, m]);  // R Σ as unevaluated sums high + low
        for (var i = 0; i < m; i++)
            for (var l = 0; l < m; l++)
            {
                var terms = new (double, double)[m];
                for (var k = 0; k < m; k++) terms[k] = (r[i, k], sigma[k, l]);
                (high[i, l], low[i, l]) = Dot2(terms);
            }
        return Matrix<double>.Build.Dense(m, m, (i, j) =>
        {
            var terms = new List<(double, double)> { (q[i, j], 1), (sigma[i, j], -1) };
            for (var l = 0; l < m; l++)
            {
                terms.Add((high[i, l], r[j, l]));
                terms.Add((low[i, l], r[j, l]));
            }
            var (sum, error) = Dot2(terms);
            return sum + error;
        });
    }

    // Σ xᵢyᵢ as an unevaluated sum, with the error of a dot product in twice the precision (Ogita, Rump, Oishi 2005, Alg. 5.3).
    private static (double High, double Low) Dot2(IReadOnlyList<(double X, double Y)> terms)
    {
        var (p, s) = (0.0, 0.0);
        foreach (var (x, y) in terms)
        {
            var h = x * y;
            var r = Math.FusedMultiplyAdd(x, y, -h);           // TwoProduct: x·y = h + r exactly
            var sum = p + h;                                    // TwoSum: p + h = sum + q exactly
            var z = sum - p;
            var qError = (p - (sum - z)) + (h - z);
            p = sum;
            s += qError + r;
        }
        var high = p + s;
        return (high, s - (high - p));
    }
}
