namespace Momentum.Training;

/// <summary>
/// When a training run counts as diverged from its recorded losses: a loss that is not finite, or that exceeds
/// <see cref="LossFactor"/> times the loss the run started from. A converging run of a convex loss may overshoot its
/// start (momentum's first steps can), but not by two orders of magnitude; a diverging one passes that within a few
/// steps of its blow-up, long before the gradient overflows.
/// </summary>
public static class Divergence
{
    /// <summary>100: a recorded loss this many times the initial loss counts as exploding.</summary>
    public const double LossFactor = 100;

    /// <summary>Whether <paramref name="loss"/> says the run diverged, against the loss <paramref name="initialLoss"/> it started from.</summary>
    /// <param name="initialLoss">The loss before the first step.</param>
    /// <param name="loss">A recorded loss.</param>
    public static bool HasExploded(double initialLoss, double loss) => !double.IsFinite(loss) || loss > LossFactor * initialLoss;
}
