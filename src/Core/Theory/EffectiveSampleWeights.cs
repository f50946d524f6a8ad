namespace Momentum.Theory;

/// <summary>
/// The weights momentum gives past gradients (d2l §11.6.1.1, eq. 11.6.3): v_t = Σ_{τ=0}^{t−1} β^τ g_{t−τ}, so the
/// gradient from τ steps ago weighs β^τ, and the weights sum to 1/(1 − β) as t → ∞.
/// </summary>
public static class EffectiveSampleWeights
{
    /// <summary>β^τ, the weight of the gradient τ steps back (0⁰ = 1: with β = 0 only the current gradient counts).</summary>
    /// <exception cref="Optimizers.HyperparameterException">τ &lt; 0 or β ∉ [0, 1].</exception>
    public static double Weight(double momentum, int lag)
    {
        RequireMomentum(momentum, allowOne: true);
        Inputs.AtLeast(lag, 0, nameof(EffectiveSampleWeights), nameof(lag));
        return Math.Pow(momentum, lag);
    }

    /// <summary>β⁰ … β^(h−1), the weights over a horizon of h steps.</summary>
    public static double[] Weights(double momentum, int horizon)
    {
        RequireMomentum(momentum, allowOne: true);
        Inputs.AtLeast(horizon, 0, nameof(EffectiveSampleWeights), nameof(horizon));
        var weights = new double[horizon];
        for (var tau = 0; tau < horizon; tau++) weights[tau] = Math.Pow(momentum, tau);
        return weights;
    }

    /// <summary>
    /// Σ_{τ=0}^{h−1} β^τ = (1 − β^h)/(1 − β) (h when β = 1), with 1 − β^h computed as −expm1(h·log1p(β − 1)) so β near 1
    /// loses no digits.
    /// </summary>
    public static double Sum(double momentum, int horizon)
    {
        RequireMomentum(momentum, allowOne: true);
        Inputs.AtLeast(horizon, 0, nameof(EffectiveSampleWeights), nameof(horizon));
        if (horizon == 0) return 0;
        if (momentum == 1) return horizon;
        if (momentum == 0) return 1;
        return -Expm1(horizon * Log1p(momentum - 1)) / (1 - momentum);
    }

    // ln(1 + x) to full relative precision (Goldberg, "What every computer scientist should know about floating-point
    // arithmetic", 1991, theorem 4).
    private static double Log1p(double x)
    {
        var u = 1 + x;
        return u == 1 ? x : Math.Log(u) * x / (u - 1);
    }

    // eˣ − 1 to full relative precision (Kahan's expm1; Higham, "Accuracy and Stability of Numerical Algorithms", §1.14.1);
    // MathNet 5's SpecialFunctions.Expm1 lost seven digits at x = −0.024, which is why it is not used here.
    private static double Expm1(double x)
    {
        var u = Math.Exp(x);
        if (u == 1) return x;
        var um1 = u - 1;
        return um1 == -1 ? -1 : um1 * x / Math.Log(u);
    }

    /// <summary>1/(1 − β), the limit of the sum: the effective number of gradients averaged (d2l §11.6.1.1).</summary>
    /// <exception cref="Optimizers.HyperparameterException">β ∉ [0, 1).</exception>
    public static double EffectiveCount(double momentum)
    {
        RequireMomentum(momentum, allowOne: false);
        return 1 / (1 - momentum);
    }

    private static void RequireMomentum(double momentum, bool allowOne) =>
        Inputs.In(momentum, allowOne ? Optimizers.ValueRange.ClosedUnitInterval : Optimizers.ValueRange.UnitInterval,
            nameof(EffectiveSampleWeights), nameof(momentum));
}
