using System.Collections.Immutable;
using System.Globalization;
using System.Numerics.Tensors;

namespace Momentum.Problems;

/// <summary>
/// f(x) = ½ Σᵢ λᵢ xᵢ², a convex quadratic already in its eigenbasis (d2l §11.6.3.1 with Q = diag(λ), c = 0, b = 0).
/// </summary>
public sealed record DiagonalQuadratic : IObjective
{
    /// <summary>Creates the problem.</summary>
    /// <exception cref="ArgumentException">No eigenvalues, or one is not finite.</exception>
    public DiagonalQuadratic(ImmutableArray<double> eigenvalues)
    {
        if (eigenvalues.IsDefaultOrEmpty) throw new ArgumentException("At least one eigenvalue is needed.", nameof(eigenvalues));
        for (var i = 0; i < eigenvalues.Length; i++)
            if (!double.IsFinite(eigenvalues[i]))
                throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"eigenvalues[{i}] = {eigenvalues[i]} is not finite."), nameof(eigenvalues));
        Eigenvalues = eigenvalues;
    }

    /// <summary>d2l §11.6 exercise 2: λᵢ = 2⁻ⁱ for i = 0 … n − 1.</summary>
    public static DiagonalQuadratic Exercise2(int n = 10)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(n, 1);
        return new([.. Enumerable.Range(0, n).Select(i => Math.ScaleB(1.0, -i))]);
    }

    /// <summary>λ₁ … λₙ, the curvature along each coordinate.</summary>
    public ImmutableArray<double> Eigenvalues { get; }

    /// <inheritdoc />
    public int Dimension => Eigenvalues.Length;

    /// <inheritdoc />
    public double Value(ReadOnlySpan<double> x)
    {
        Require(x.Length, nameof(x));
        var sum = 0.0;
        for (var i = 0; i < x.Length; i++) sum += Eigenvalues[i] * x[i] * x[i];
        return sum / 2;
    }

    /// <summary>∇f(x)ᵢ = λᵢ xᵢ.</summary>
    /// <inheritdoc />
    public void Gradient(ReadOnlySpan<double> x, Span<double> gradient)
    {
        Require(x.Length, nameof(x));
        Require(gradient.Length, nameof(gradient));
        TensorPrimitives.Multiply(Eigenvalues.AsSpan(), x, gradient);
    }

    /// <inheritdoc />
    public bool Equals(DiagonalQuadratic? other) => other is not null && Eigenvalues.SequenceEqual(other.Eigenvalues);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Eigenvalues.Length, Eigenvalues[0]);

    private void Require(int length, string name)
    {
        if (length != Dimension) throw new ArgumentException($"{name} has {length} elements; this problem has {Dimension}.", name);
    }

    /// <summary>Prints the values, long vectors shortened.</summary>
    private bool PrintMembers(System.Text.StringBuilder builder)
    {
        builder.Append("Dimension = ").Append(Dimension).Append(", Eigenvalues = ").Append(Optimizers.Show.Values(Eigenvalues.AsSpan()));
        return true;
    }
}
