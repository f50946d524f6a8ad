using System.Numerics;

namespace Momentum.Theory;

/// <summary>
/// The regimes of a linear method on one eigen-direction (Goh, "Why Momentum Really Works", Distill 2017, figure "the 2D
/// parameter space"), decided by the dominant eigenvalues σ₁, σ₂ of the iteration matrix R (largest modulus first).
/// </summary>
public enum Regime
{
    /// <summary>The dominant eigenvalues are a complex pair: the error spirals in like ρᵗ with a rotation, the "ripples".</summary>
    Ripples,

    /// <summary>The dominant eigenvalue is real and in [0, 1), and simple: the error decays without changing sign.</summary>
    Monotone,

    /// <summary>The dominant eigenvalue is real and in (−1, 0), and simple: the error changes sign every step while decaying.</summary>
    Oscillation,

    /// <summary>Spectral radius ≥ 1: the error does not tend to zero (ηλ ≤ 0 or ηλ ≥ 2 + 2β, or β ≥ 1, for heavy ball).</summary>
    Divergence,

    /// <summary>
    /// The two dominant eigenvalues coincide (within <see cref="Regimes.CriticalDampingTolerance"/>): the border between
    /// ripples and real roots (for heavy ball ηλ = (1 ± √β)², Goh 2017, "Critical damping"), where R has a Jordan block and
    /// the error decays like (a + b·t)ρᵗ. Goh's optimal parameters put both ends of the spectrum, μ and L, here.
    /// </summary>
    CriticallyDamped,
}

/// <summary>How a regime is decided from the eigenvalues of R.</summary>
public static class Regimes
{
    /// <summary>
    /// τ = 10⁻⁶: the two dominant eigenvalues are counted as one (critical damping) when |σ₁ − σ₂| ≤ τ. For heavy ball
    /// |σ₁ − σ₂| = √|(1 + β − ηλ)² − 4β|, so this is |discriminant| ≤ 10⁻¹². The tolerance is far above rounding
    /// (parameters computed in double put the discriminant within about 10⁻¹⁶ of 0, hence roots within 10⁻⁸) and far below
    /// any distinction that shows in a run of fewer than 10⁶ steps (the two modes separate like t·|σ₁ − σ₂|).
    /// </summary>
    public const double CriticalDampingTolerance = 1e-6;

    /// <summary>
    /// The regime of eigenvalues sorted by modulus, largest first: <see cref="Regime.Divergence"/> when |σ₁| ≥ 1 (or is not
    /// a number), <see cref="Regime.CriticallyDamped"/> when |σ₁ − σ₂| ≤ τ, <see cref="Regime.Ripples"/> when σ₁ is not
    /// real, else <see cref="Regime.Monotone"/> or <see cref="Regime.Oscillation"/> by the sign of σ₁.
    /// </summary>
    /// <exception cref="ArgumentException">No eigenvalues.</exception>
    public static Regime Of(IReadOnlyList<Complex> eigenvalues)
    {
        ArgumentNullException.ThrowIfNull(eigenvalues);
        if (eigenvalues.Count == 0) throw new ArgumentException("at least one eigenvalue is needed.", nameof(eigenvalues));
        var first = eigenvalues[0];
        if (!(Complex.Abs(first) < 1)) return Regime.Divergence;
        if (eigenvalues.Count > 1 && Complex.Abs(first - eigenvalues[1]) <= CriticalDampingTolerance) return Regime.CriticallyDamped;
        if (first.Imaginary != 0) return Regime.Ripples;
        return first.Real >= 0 ? Regime.Monotone : Regime.Oscillation;
    }
}
