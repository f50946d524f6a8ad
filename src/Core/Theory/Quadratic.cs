using System.Collections.Immutable;
using System.Globalization;
using MathNet.Numerics.LinearAlgebra;
using Momentum.Problems;

namespace Momentum.Theory;

/// <summary>
/// The convex quadratic of d2l §11.6.3.1, h(x) = ½ xᵀQx + xᵀc + b, with Q symmetric.
/// </summary>
/// <remarks>
/// For positive definite Q the minimizer is x* = −Q⁻¹c and the minimum is h(x*) = b − ½ cᵀQ⁻¹c (d2l §11.6 exercise 3;
/// eq. 11.6.9 writes h(x) = ½ (x − x*)ᵀQ(x − x*) + b − ½ cᵀQ⁻¹c).
/// </remarks>
public sealed record Quadratic : IObjective
{
    private readonly ImmutableArray<double> q;

    /// <summary>Creates h from a copy of its coefficients.</summary>
    /// <exception cref="ArgumentException">Q is not square and symmetric, or c's length differs, or a value is not finite.</exception>
    public Quadratic(double[,] q, ReadOnlySpan<double> c, double b = 0)
    {
        ArgumentNullException.ThrowIfNull(q);
        SymmetricEigen.RequireSymmetric(q, nameof(q));
        var n = q.GetLength(0);
        if (c.Length != n) throw new ArgumentException($"c has {c.Length} elements; Q is {n}×{n}.", nameof(c));
        foreach (var value in c)
            if (!double.IsFinite(value)) throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"c holds {value}: every entry must be finite."), nameof(c));
        if (!double.IsFinite(b)) throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"b = {b} must be finite."), nameof(b));
        this.q = [.. q.Cast<double>()];
        C = c.ToImmutableArray();
        B = b;
    }

    /// <summary>Q = Oᵀ diag(λ) O from an orthogonal O (rows are the eigenvectors) and eigenvalues λ; used to build test problems.</summary>
    public static Quadratic FromEigenbasis(double[,] orthogonal, ReadOnlySpan<double> eigenvalues, ReadOnlySpan<double> c, double b = 0)
    {
        var o = Matrix<double>.Build.DenseOfArray(orthogonal);
        var qm = o.TransposeThisAndMultiply(Matrix<double>.Build.DiagonalOfDiagonalArray(eigenvalues.ToArray()) * o);
        qm = (qm + qm.Transpose()) / 2; // symmetric to the last bit
        return new Quadratic(qm.ToArray(), c, b);
    }

    /// <inheritdoc />
    public int Dimension => C.Length;

    /// <summary>c, the linear term.</summary>
    public ImmutableArray<double> C { get; }

    /// <summary>b, the constant term.</summary>
    public double B { get; }

    /// <summary>Qᵢⱼ.</summary>
    public double this[int i, int j] => q[i * Dimension + j];

    /// <summary>A fresh copy of Q.</summary>
    public double[,] Q()
    {
        var n = Dimension;
        var copy = new double[n, n];
        for (var i = 0; i < n; i++)
            for (var j = 0; j < n; j++)
                copy[i, j] = q[i * n + j];
        return copy;
    }

    /// <summary>h(x) = ½ xᵀQx + xᵀc + b.</summary>
    /// <inheritdoc />
    public double Value(ReadOnlySpan<double> x)
    {
        Require(x.Length, nameof(x));
        var n = Dimension;
        var sum = B;
        for (var i = 0; i < n; i++)
        {
            var row = 0.0;
            for (var j = 0; j < n; j++) row += q[i * n + j] * x[j];
            sum += x[i] * (row / 2 + C[i]);
        }
        return sum;
    }

    /// <summary>∇h(x) = Qx + c (Q symmetric).</summary>
    /// <inheritdoc />
    public void Gradient(ReadOnlySpan<double> x, Span<double> gradient)
    {
        Require(x.Length, nameof(x));
        Require(gradient.Length, nameof(gradient));
        var n = Dimension;
        for (var i = 0; i < n; i++)
        {
            var row = C[i];
            for (var j = 0; j < n; j++) row += q[i * n + j] * x[j];
            gradient[i] = row;
        }
    }

    /// <summary>x* = −Q⁻¹c (d2l §11.6 exercise 3), by a Cholesky solve.</summary>
    /// <exception cref="ArgumentException">Q is not positive definite.</exception>
    public ImmutableArray<double> Minimizer() => [.. Solve().Negate()];

    /// <summary>h(x*) = b − ½ cᵀQ⁻¹c (d2l §11.6 exercise 3).</summary>
    /// <exception cref="ArgumentException">Q is not positive definite.</exception>
    public double Minimum() => B - 0.5 * Vector<double>.Build.DenseOfEnumerable(C).DotProduct(Solve());

    /// <summary>The eigendecomposition of Q.</summary>
    public SymmetricEigendecomposition Eigen() => SymmetricEigen.Of(Q());

    /// <inheritdoc />
    public bool Equals(Quadratic? other) =>
        other is not null && B.Equals(other.B) && C.SequenceEqual(other.C) && q.SequenceEqual(other.q);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Dimension, B);

    private Vector<double> Solve()
    {
        var qm = Matrix<double>.Build.DenseOfArray(Q());
        var c = Vector<double>.Build.DenseOfEnumerable(C);
        try
        {
            return qm.Cholesky().Solve(c);
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException("Q is not positive definite: h has no unique minimizer.", e);
        }
    }

    private void Require(int length, string name)
    {
        if (length != Dimension) throw new ArgumentException($"{name} has {length} elements; h has {Dimension}.", name);
    }

    /// <summary>Prints the values, long vectors shortened.</summary>
    private bool PrintMembers(System.Text.StringBuilder builder)
    {
        builder.Append("Dimension = ").Append(Dimension);
        if (Dimension <= Optimizers.Show.Shortened)
        {
            var q = Q();
            builder.Append(", Q = [").AppendJoin(", ", Enumerable.Range(0, Dimension).Select(i =>
                Optimizers.Show.Values<double>([.. Enumerable.Range(0, Dimension).Select(j => q[i, j])]))).Append(']');
        }
        builder.Append(", C = ").Append(Optimizers.Show.Values(C.AsSpan())).Append(", B = ").Append(Optimizers.Show.Number(B));
        return true;
    }
}
