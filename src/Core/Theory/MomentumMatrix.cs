using System.Numerics;

namespace Momentum.Theory;

/// <summary>
/// The 2×2 iteration matrix of momentum along one eigen-direction (d2l §11.6.3.2; Goh, "Why Momentum Really Works",
/// Distill 2017, §"Momentum"). With velocity vₜ and error xₜ (coordinate along the eigenvector of eigenvalue λ),
/// momentum is (vₜ₊₁, xₜ₊₁) = R (vₜ, xₜ) with
/// <code>
/// R(β, η, λ) = [[ β,     λ     ],
///               [ −ηβ,   1 − ηλ ]]
/// </code>
/// since vₜ₊₁ = β vₜ + λ xₜ and xₜ₊₁ = xₜ − η vₜ₊₁. β = 0 gives gradient descent, xₜ₊₁ = (1 − ηλ) xₜ.
/// </summary>
public static class MomentumMatrix
{
    /// <summary>R(β, η, λ) as a row-major 2×2 array.</summary>
    public static double[,] Of(double momentum, double learningRate, double eigenvalue) =>
        new[,] { { momentum, eigenvalue }, { -learningRate * momentum, 1 - learningRate * eigenvalue } };

    /// <summary>(vₜ₊₁, xₜ₊₁) = R (vₜ, xₜ), written out.</summary>
    public static (double Velocity, double Error) Apply(double momentum, double learningRate, double eigenvalue, double velocity, double error)
    {
        var v = momentum * velocity + eigenvalue * error;
        return (v, error - learningRate * v);
    }

    /// <summary>
    /// The eigenvalues σ₁,₂ of R: the roots of σ² − (1 + β − ηλ) σ + β = 0 (trace 1 + β − ηλ, determinant β), so
    /// σ = (1 + β − ηλ ± √((1 + β − ηλ)² − 4β)) / 2 (Goh 2017). σ₁ has the larger modulus.
    /// </summary>
    public static (Complex First, Complex Second) Eigenvalues(double momentum, double learningRate, double eigenvalue)
    {
        var trace = 1 + momentum - learningRate * eigenvalue;
        var discriminant = trace * trace - 4 * momentum;
        if (discriminant < 0)
        {
            var imaginary = Math.Sqrt(-discriminant) / 2;
            return (new Complex(trace / 2, imaginary), new Complex(trace / 2, -imaginary));
        }
        // The larger-modulus root without cancellation; the other from the product σ₁σ₂ = β.
        var large = (trace + Math.CopySign(Math.Sqrt(discriminant), trace)) / 2;
        var small = large == 0 ? 0 : momentum / large;
        return (large, small);
    }

    /// <summary>
    /// ρ(R) = max |σᵢ|, the rate per step: the error along this direction shrinks like ρᵗ (up to a factor linear in t
    /// when the roots coincide). In the complex regime |σ₁| = |σ₂| = √β (Goh 2017).
    /// </summary>
    public static double SpectralRadius(double momentum, double learningRate, double eigenvalue)
    {
        var trace = 1 + momentum - learningRate * eigenvalue;
        var discriminant = trace * trace - 4 * momentum;
        return discriminant < 0
            ? Math.Sqrt(momentum)
            : (Math.Abs(trace) + Math.Sqrt(discriminant)) / 2;
    }

    /// <summary>The qualitative behaviour of the iterates along this direction (Goh 2017, figure "the 2D parameter space").</summary>
    public static Regime RegimeOf(double momentum, double learningRate, double eigenvalue)
    {
        if (SpectralRadius(momentum, learningRate, eigenvalue) >= 1)
            return Regime.Divergence;
        var trace = 1 + momentum - learningRate * eigenvalue;
        if (trace * trace - 4 * momentum < 0)
            return Regime.Ripples;
        return trace >= 0 ? Regime.Monotone : Regime.Oscillation;
    }
}

/// <summary>The regimes of momentum on one eigen-direction (Goh, "Why Momentum Really Works", Distill 2017).</summary>
public enum Regime
{
    /// <summary>Complex eigenvalues: the error spirals in like (√β)ᵗ with a rotation, the "ripples".</summary>
    Ripples,

    /// <summary>Real eigenvalues, the dominant one in [0, 1): the error decays without changing sign.</summary>
    Monotone,

    /// <summary>Real eigenvalues, the dominant one in (−1, 0): the error changes sign every step while decaying.</summary>
    Oscillation,

    /// <summary>Spectral radius ≥ 1: the error does not tend to zero (ηλ ≤ 0 or ηλ ≥ 2 + 2β, or β ≥ 1).</summary>
    Divergence,
}
