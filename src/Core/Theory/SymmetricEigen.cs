using System.Collections.Immutable;
using System.Globalization;
using MathNet.Numerics.LinearAlgebra;
using MathNet.Numerics.LinearAlgebra.Factorization;

namespace Momentum.Theory;

/// <summary>
/// Q = O Λ Oᵀ for a symmetric matrix Q: real eigenvalues λᵢ in ascending order and orthonormal eigenvectors oᵢ
/// (the columns of O). The basis in which gradient descent and momentum decouple (d2l §11.6.3.1).
/// </summary>
/// <param name="Eigenvalues">λ₁ ≤ … ≤ λₙ.</param>
/// <param name="Eigenvectors">oᵢ, the unit eigenvector of λᵢ, each of length n.</param>
public sealed record SymmetricEigendecomposition(ImmutableArray<double> Eigenvalues, ImmutableArray<ImmutableArray<double>> Eigenvectors)
{
    /// <summary>μ = λ₁, the smallest eigenvalue.</summary>
    public double Smallest => Eigenvalues[0];

    /// <summary>L = λₙ, the largest eigenvalue.</summary>
    public double Largest => Eigenvalues[^1];

    /// <inheritdoc />
    public bool Equals(SymmetricEigendecomposition? other) =>
        other is not null
        && Eigenvalues.SequenceEqual(other.Eigenvalues)
        && Eigenvectors.Length == other.Eigenvectors.Length
        && Eigenvectors.Zip(other.Eigenvectors).All(p => p.First.SequenceEqual(p.Second));

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Eigenvalues.Length, Eigenvalues.FirstOrDefault());

    /// <summary>Prints the values, long vectors shortened.</summary>
    private bool PrintMembers(System.Text.StringBuilder builder)
    {
        builder.Append("Eigenvalues = ").Append(Optimizers.Show.Values(Eigenvalues.AsSpan())).Append(", Eigenvectors = ").Append(Eigenvectors.Length);
        return true;
    }
}

/// <summary>Eigendecomposition of symmetric matrices, computed by MathNet.Numerics.</summary>
public static class SymmetricEigen
{
    /// <summary>Decomposes a symmetric matrix (MathNet.Numerics' symmetric EVD: Householder tridiagonalisation and QL).</summary>
    /// <param name="q">A square symmetric matrix.</param>
    /// <exception cref="ArgumentException">Not square, empty, not finite, or not symmetric (|qᵢⱼ − qⱼᵢ| &gt; 1e−10·max|q|).</exception>
    public static SymmetricEigendecomposition Of(double[,] q)
    {
        ArgumentNullException.ThrowIfNull(q);
        RequireSymmetric(q, nameof(q));
        var evd = Matrix<double>.Build.DenseOfArray(q).Evd(Symmetricity.Symmetric);
        var n = q.GetLength(0);
        var order = Enumerable.Range(0, n).OrderBy(i => evd.EigenValues[i].Real).ToArray();
        return new(
            [.. order.Select(i => evd.EigenValues[i].Real)],
            [.. order.Select(i => evd.EigenVectors.Column(i).ToArray().ToImmutableArray())]);
    }

    internal static void RequireSymmetric(double[,] q, string name)
    {
        var n = q.GetLength(0);
        if (n == 0 || q.GetLength(1) != n)
            throw new ArgumentException($"The matrix is {q.GetLength(0)}×{q.GetLength(1)}: it must be square and non-empty.", name);
        var scale = 0.0;
        foreach (var value in q)
        {
            if (!double.IsFinite(value)) throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"The matrix holds {value}: every entry must be finite."), name);
            scale = Math.Max(scale, Math.Abs(value));
        }
        for (var i = 0; i < n; i++)
            for (var j = i + 1; j < n; j++)
                if (Math.Abs(q[i, j] - q[j, i]) > 1e-10 * scale)
                    throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"The matrix is not symmetric: entry ({i + 1},{j + 1}) = {q[i, j]} but ({j + 1},{i + 1}) = {q[j, i]}."), name);
    }
}
