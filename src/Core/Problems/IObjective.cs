namespace Momentum.Problems;

/// <summary>A differentiable objective f: ℝⁿ → ℝ that an optimizer can descend.</summary>
public interface IObjective
{
    /// <summary>n, the number of coordinates.</summary>
    int Dimension { get; }

    /// <summary>f(x).</summary>
    /// <exception cref="ArgumentException"><paramref name="x"/> does not have <see cref="Dimension"/> elements.</exception>
    double Value(ReadOnlySpan<double> x);

    /// <summary>Writes ∇f(x) into <paramref name="gradient"/>.</summary>
    /// <exception cref="ArgumentException">A span does not have <see cref="Dimension"/> elements.</exception>
    void Gradient(ReadOnlySpan<double> x, Span<double> gradient);
}
