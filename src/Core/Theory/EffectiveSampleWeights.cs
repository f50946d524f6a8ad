namespace Momentum.Theory;

/// <summary>
/// The weights momentum gives past gradients (d2l §11.6.1.1, eq. 11.6.3): v_t = Σ_{τ=0}^{t−1} β^τ g_{t−τ}, so the
/// gradient from τ steps ago weighs β^τ, and the weights sum to 1/(1 − β) as t → ∞.
/// </summary>
public static class EffectiveSampleWeights
{
    /// <summary>β^τ, the weight of the gradient τ steps back (0⁰ = 1: with β = 0 only the current gradient counts).</summary>
    /// <exception cref="ArgumentOutOfRangeException">τ &lt; 0 or β ∉ [0, 1].</exception>
    public static double Weight(double momentum, int lag)
    {
        RequireMomentum(momentum, allowOne: true);
        ArgumentOutOfRangeException.ThrowIfNegative(lag);
        return Math.Pow(momentum, lag);
    }

    /// <summary>β⁰ … β^(h−1), the weights over a horizon of h steps.</summary>
    public static double[] Weights(double momentum, int horizon)
    {
        RequireMomentum(momentum, allowOne: true);
        ArgumentOutOfRangeException.ThrowIfNegative(horizon);
        var weights = new double[horizon];
        for (var tau = 0; tau < horizon; tau++) weights[tau] = Math.Pow(momentum, tau);
        return weights;
    }

    /// <summary>Σ_{τ=0}^{h−1} β^τ = (1 − β^h)/(1 − β) (h when β = 1).</summary>
    public static double Sum(double momentum, int horizon)
    {
        RequireMomentum(momentum, allowOne: true);
        ArgumentOutOfRangeException.ThrowIfNegative(horizon);
        return momentum == 1 ? horizon : (1 - Math.Pow(momentum, horizon)) / (1 - momentum);
    }

    /// <summary>1/(1 − β), the limit of the sum: the effective number of gradients averaged (d2l §11.6.1.1).</summary>
    /// <exception cref="ArgumentOutOfRangeException">β ∉ [0, 1).</exception>
    public static double EffectiveCount(double momentum)
    {
        RequireMomentum(momentum, allowOne: false);
        return 1 / (1 - momentum);
    }

    private static void RequireMomentum(double momentum, bool allowOne)
    {
        if (!(momentum >= 0) || momentum > 1 || (!allowOne && momentum == 1))
            throw new ArgumentOutOfRangeException(nameof(momentum), momentum, allowOne ? "β must be in [0, 1]." : "β must be in [0, 1).");
    }
}
