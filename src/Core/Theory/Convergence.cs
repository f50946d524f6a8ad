namespace Momentum.Theory;

/// <summary>When and how fast gradient descent and momentum converge on a convex quadratic.</summary>
public static class Convergence
{
    /// <summary>
    /// Whether momentum converges along an eigen-direction: 0 &lt; ηλ &lt; 2 + 2β for β ∈ [0, 1) (d2l §11.6.3.2; Goh 2017).
    /// β = 0 is gradient descent's 0 &lt; ηλ &lt; 2. Equivalent to <see cref="MomentumMatrix.SpectralRadius"/> &lt; 1 by the
    /// Jury criterion for σ² − (1 + β − ηλ)σ + β: |β| &lt; 1, p(1) = ηλ &gt; 0 and p(−1) = 2 + 2β − ηλ &gt; 0.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">β &lt; 0 or a value is not finite.</exception>
    public static bool Converges(double momentum, double learningRate, double eigenvalue)
    {
        if (!double.IsFinite(momentum) || momentum < 0)
            throw new ArgumentOutOfRangeException(nameof(momentum), momentum, "β must be finite and non-negative.");
        if (!double.IsFinite(learningRate)) throw new ArgumentOutOfRangeException(nameof(learningRate), learningRate, "η must be finite.");
        if (!double.IsFinite(eigenvalue)) throw new ArgumentOutOfRangeException(nameof(eigenvalue), eigenvalue, "λ must be finite.");
        var etaLambda = learningRate * eigenvalue;
        return momentum < 1 && etaLambda > 0 && etaLambda < 2 + 2 * momentum;
    }

    /// <summary>
    /// Gradient descent on the scalar f(x) = (λ/2)x² from x₀: xₜ = (1 − ηλ)ᵗ x₀ (d2l §11.6.3.2, eq. 11.6.13), which
    /// converges when |1 − ηλ| &lt; 1 and alternates in sign when ηλ &gt; 1.
    /// </summary>
    public static double GradientDescentIterate(double learningRate, double eigenvalue, int step, double start = 1)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(step);
        return Math.Pow(1 - learningRate * eigenvalue, step) * start;
    }

    /// <summary>The upper end of the stable range of ηλ for heavy-ball momentum, 2 + 2β.</summary>
    public static double StabilityBound(double momentum) => 2 + 2 * momentum;

    /// <summary>
    /// The upper end of the stable range of ηλ for Nesterov momentum in PyTorch's form (d = g + βb): along λ,
    /// (b', x') = [[β, λ], [−ηβ², 1 − ηλ(1 + β)]] (b, x), whose characteristic polynomial has p(1) = ηλ and
    /// p(−1) = 2 + 2β − ηλ(1 + 2β), so by the Jury criterion it converges iff 0 &lt; ηλ &lt; 2(1 + β)/(1 + 2β).
    /// </summary>
    public static double NesterovStabilityBound(double momentum) => 2 * (1 + momentum) / (1 + 2 * momentum);

    /// <summary>
    /// The largest learning rate for which <paramref name="options"/> converge on a quadratic whose Hessian has largest
    /// eigenvalue L (full-batch; the first step aside): weight decay adds λ_wd to every eigenvalue, dampening scales the
    /// effective rate by (1 − dampening) (u = b/(1 − dampening) follows the heavy-ball recursion with η(1 − dampening)),
    /// and then η &lt; bound/(L + λ_wd) with the heavy-ball or Nesterov bound above (β = 0: gradient descent's 2).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">L is not positive and finite.</exception>
    public static double LargestStableLearningRate(Optimizers.SgdOptions options, double largestEigenvalue)
    {
        if (!(largestEigenvalue > 0) || !double.IsFinite(largestEigenvalue))
            throw new ArgumentOutOfRangeException(nameof(largestEigenvalue), largestEigenvalue, "L must be positive and finite.");
        var curvature = largestEigenvalue + options.WeightDecay;
        if (options.Momentum == 0) return 2 / curvature;
        if (options.Nesterov) return NesterovStabilityBound(options.Momentum) / curvature;
        return StabilityBound(options.Momentum) / ((1 - options.Dampening) * curvature);
    }

    /// <summary>
    /// Steps k for an error contracting at <paramref name="rate"/> per step to shrink by the factor ε:
    /// k = ⌈ln ε / ln ρ⌉. Returns 0 when ε ≥ 1, 1 when ρ = 0, and +∞ when ρ ≥ 1.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">ρ &lt; 0 or ε ≤ 0.</exception>
    public static double StepsToShrink(double rate, double factor)
    {
        if (!(rate >= 0)) throw new ArgumentOutOfRangeException(nameof(rate), rate, "The rate must be non-negative.");
        if (!(factor > 0)) throw new ArgumentOutOfRangeException(nameof(factor), factor, "The factor ε must be positive.");
        if (factor >= 1) return 0;
        if (rate >= 1) return double.PositiveInfinity;
        if (rate == 0) return 1;
        return Math.Ceiling(Math.Log(factor) / Math.Log(rate));
    }
}
