using System.Numerics;

namespace Momentum.Theory;

/// <summary>
/// The 2×2 iteration matrix of heavy-ball momentum along one eigen-direction in closed form (d2l §11.6.3.2; Goh, "Why
/// Momentum Really Works", Distill 2017, §"Momentum"). With velocity vₜ and error xₜ (coordinate along the eigenvector of
/// eigenvalue λ), momentum is (vₜ₊₁, xₜ₊₁) = R (vₜ, xₜ) with
/// <code>
/// R(β, η, λ) = [[ β,     λ     ],
///               [ −ηβ,   1 − ηλ ]]
/// </code>
/// since vₜ₊₁ = β vₜ + λ xₜ and xₜ₊₁ = xₜ − η vₜ₊₁. β = 0 gives gradient descent, xₜ₊₁ = (1 − ηλ) xₜ.
/// </summary>
/// <remarks>
/// The closed form of the chapter, for heavy ball alone. Every linear method (Nesterov, QHM, AggMo, dampening, weight
/// decay …) has its map read off its own code by <see cref="LinearMethod"/>, whose <see cref="LinearMap"/> gives the same
/// rate and regime for heavy ball; new code should use that. Inputs: β ≥ 0 finite (β ≥ 1 is allowed and never converges),
/// η and λ finite (ηλ ≤ 0 never converges); anything else throws <see cref="Optimizers.HyperparameterException"/> naming
/// the parameter, as every function of <c>Momentum.Theory</c> does.
/// </remarks>
public static class MomentumMatrix
{
    /// <summary>R(β, η, λ) as a row-major 2×2 array.</summary>
    /// <exception cref="Optimizers.HyperparameterException">β &lt; 0, or a value is not finite.</exception>
    public static double[,] Of(double momentum, double learningRate, double eigenvalue)
    {
        Require(momentum, learningRate, eigenvalue);
        return new[,] { { momentum, eigenvalue }, { -learningRate * momentum, 1 - learningRate * eigenvalue } };
    }

    /// <summary>(vₜ₊₁, xₜ₊₁) = R (vₜ, xₜ), written out.</summary>
    /// <exception cref="Optimizers.HyperparameterException">β &lt; 0, or a value is not finite.</exception>
    public static (double Velocity, double Error) Apply(double momentum, double learningRate, double eigenvalue, double velocity, double error)
    {
        Require(momentum, learningRate, eigenvalue);
        var v = momentum * velocity + eigenvalue * error;
        return (v, error - learningRate * v);
    }

    /// <summary>
    /// The eigenvalues σ₁,₂ of R: the roots of σ² − (1 + β − ηλ) σ + β = 0 (trace 1 + β − ηλ, determinant β), so
    /// σ = (1 + β − ηλ ± √((1 + β − ηλ)² − 4β)) / 2 (Goh 2017). σ₁ has the larger modulus.
    /// </summary>
    /// <exception cref="Optimizers.HyperparameterException">β &lt; 0, or a value is not finite.</exception>
    public static (Complex First, Complex Second) Eigenvalues(double momentum, double learningRate, double eigenvalue)
    {
        Require(momentum, learningRate, eigenvalue);
        var etaLambda = learningRate * eigenvalue;
        // p(1) = ηλ and p(−1) = 2 + 2β − ηλ decide which side of ±1 a real root lies on (the Jury conditions).
        var roots = Spectrum.QuadraticRoots(1 + momentum - etaLambda, momentum, etaLambda, 2 + 2 * momentum - etaLambda,
            1 - momentum + etaLambda, 3 + momentum - etaLambda);
        return (roots[0], roots[1]);
    }

    /// <summary>
    /// ρ(R) = max |σᵢ|, the rate per step: the error along this direction shrinks like ρᵗ (up to a factor linear in t
    /// when the roots coincide). In the complex regime |σ₁| = |σ₂| = √β (Goh 2017).
    /// </summary>
    /// <exception cref="Optimizers.HyperparameterException">β &lt; 0, or a value is not finite.</exception>
    public static double SpectralRadius(double momentum, double learningRate, double eigenvalue) =>
        Radius(momentum, Eigenvalues(momentum, learningRate, eigenvalue).First);

    // |σ₁|: √β for a complex pair (σ₁σ₂ = β), whose computed modulus may round below 1 where it is 1.
    private static double Radius(double momentum, Complex first) => first.Imaginary != 0 ? Math.Sqrt(momentum) : Math.Abs(first.Real);

    /// <summary>
    /// The qualitative behaviour of the iterates along this direction (Goh 2017, figure "the 2D parameter space"): the
    /// regime of σ₁, σ₂ by <see cref="Regimes.Of"/>, the rule every linear map's regime follows. For heavy ball,
    /// |σ₁ − σ₂| = √|(1 + β − ηλ)² − 4β|, so the roots coincide (<see cref="Regime.CriticallyDamped"/>, on the curves
    /// ηλ = (1 ± √β)², where Goh's optimal parameters put μ and L) when that discriminant is within τ² of 0, with
    /// τ = <see cref="Regimes.CriticalDampingTolerance"/>; they are a complex pair (<see cref="Regime.Ripples"/>) when it is
    /// negative; else the dominant root has the sign of the trace 1 + β − ηλ (<see cref="Regime.Monotone"/> or
    /// <see cref="Regime.Oscillation"/>); <see cref="Regime.Divergence"/> when ρ ≥ 1.
    /// </summary>
    /// <exception cref="Optimizers.HyperparameterException">β &lt; 0, or a value is not finite.</exception>
    public static Regime RegimeOf(double momentum, double learningRate, double eigenvalue)
    {
        var (first, second) = Eigenvalues(momentum, learningRate, eigenvalue);
        return Radius(momentum, first) >= 1 ? Regime.Divergence : Regimes.Of([first, second]);
    }

    private static void Require(double momentum, double learningRate, double eigenvalue)
    {
        Inputs.Momentum(momentum, nameof(MomentumMatrix));
        Inputs.Finite(learningRate, nameof(MomentumMatrix), nameof(learningRate));
        Inputs.Finite(eigenvalue, nameof(MomentumMatrix), nameof(eigenvalue));
    }
}
