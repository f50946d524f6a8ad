using System.Collections.Immutable;

namespace Momentum.Problems;

/// <summary>
/// f(x) = a₁x₁² + a₂x₂², the ill-conditioned problem of d2l §11.6.1.2 (eq. 11.6.4 uses a₁ = 0.1, a₂ = 2).
/// Its Hessian is diag(2a₁, 2a₂).
/// </summary>
/// <param name="A1">a₁, the coefficient of x₁².</param>
/// <param name="A2">a₂, the coefficient of x₂².</param>
public sealed record TwoDimensionalQuadratic(double A1, double A2) : IObjective
{
    /// <summary>The chapter's f(x) = 0.1x₁² + 2x₂² (d2l eq. 11.6.4).</summary>
    public static TwoDimensionalQuadratic Chapter { get; } = new(0.1, 2);

    /// <inheritdoc />
    public int Dimension => 2;

    /// <summary>The eigenvalues of the Hessian, 2a₁ and 2a₂, in that order.</summary>
    public ImmutableArray<double> HessianEigenvalues => [2 * A1, 2 * A2];

    /// <inheritdoc />
    public double Value(ReadOnlySpan<double> x)
    {
        Require(x.Length, nameof(x));
        return A1 * x[0] * x[0] + A2 * x[1] * x[1];
    }

    /// <summary>∇f(x) = (2a₁x₁, 2a₂x₂).</summary>
    /// <inheritdoc />
    public void Gradient(ReadOnlySpan<double> x, Span<double> gradient)
    {
        Require(x.Length, nameof(x));
        Require(gradient.Length, nameof(gradient));
        gradient[0] = 2 * A1 * x[0];
        gradient[1] = 2 * A2 * x[1];
    }

    private static void Require(int length, string name)
    {
        if (length != 2) throw new ArgumentException($"{name} has {length} elements; this problem has 2.", name);
    }

    /// <summary>Prints the values, long vectors shortened.</summary>
    private bool PrintMembers(System.Text.StringBuilder builder)
    {
        builder.Append("A1 = ").Append(Optimizers.Show.Number(A1)).Append(", A2 = ").Append(Optimizers.Show.Number(A2));
        return true;
    }
}
