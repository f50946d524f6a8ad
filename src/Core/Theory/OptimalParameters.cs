namespace Momentum.Theory;

/// <summary>
/// Step size and momentum that minimise the worst rate over eigenvalues λ ∈ [μ, L], with condition number κ = L/μ.
/// </summary>
/// <param name="LearningRate">η.</param>
/// <param name="Momentum">β (0 for gradient descent).</param>
/// <param name="Rate">The worst spectral radius over λ ∈ [μ, L] at these parameters.</param>
public readonly record struct OptimalParameters(double LearningRate, double Momentum, double Rate)
{
    /// <summary>
    /// Gradient descent: η = 2/(μ + L), rate (κ − 1)/(κ + 1), which balances |1 − ημ| = |1 − ηL|
    /// (Goh 2017, "Choosing a step-size"; Nesterov, Introductory Lectures, 2004, thm. 2.1.15).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">Not 0 &lt; μ ≤ L, both finite.</exception>
    public static OptimalParameters ForGradientDescent(double smallest, double largest)
    {
        RequireSpectrum(smallest, largest);
        var kappa = largest / smallest;
        return new(2 / (smallest + largest), 0, (kappa - 1) / (kappa + 1));
    }

    /// <summary>
    /// Momentum (Goh 2017, "The optimal parameters"; Polyak 1964): η = (2/(√μ + √L))², β = ((√L − √μ)/(√L + √μ))²,
    /// rate (√κ − 1)/(√κ + 1) = √β. At these parameters every λ ∈ [μ, L] is critically damped or in the ripples regime.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">Not 0 &lt; μ ≤ L, both finite.</exception>
    public static OptimalParameters ForMomentum(double smallest, double largest)
    {
        RequireSpectrum(smallest, largest);
        var (sqrtMu, sqrtL) = (Math.Sqrt(smallest), Math.Sqrt(largest));
        var root = (sqrtL - sqrtMu) / (sqrtL + sqrtMu);
        var eta = 2 / (sqrtMu + sqrtL);
        return new(eta * eta, root * root, root);
    }

    /// <summary>
    /// The critically damped momentum for one eigenvalue, β = (1 − √(ηλ))² (Goh 2017, "Critical damping"): the two
    /// eigenvalues of R coincide and, for 0 &lt; ηλ ≤ 1, the rate is √β = 1 − √(ηλ), the fastest without ripples.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">ηλ &lt; 0 or not finite.</exception>
    public static double CriticalDamping(double learningRate, double eigenvalue)
    {
        var etaLambda = learningRate * eigenvalue;
        if (!double.IsFinite(etaLambda) || etaLambda < 0)
            throw new ArgumentOutOfRangeException(nameof(learningRate), etaLambda, "ηλ must be finite and non-negative.");
        var root = 1 - Math.Sqrt(etaLambda);
        return root * root;
    }

    /// <summary>κ = L/μ.</summary>
    public static double ConditionNumber(double smallest, double largest)
    {
        RequireSpectrum(smallest, largest);
        return largest / smallest;
    }

    private static void RequireSpectrum(double smallest, double largest)
    {
        if (!double.IsFinite(smallest) || smallest <= 0)
            throw new ArgumentOutOfRangeException(nameof(smallest), smallest, "μ, the smallest eigenvalue, must be positive and finite.");
        if (!double.IsFinite(largest) || largest < smallest)
            throw new ArgumentOutOfRangeException(nameof(largest), largest, "L, the largest eigenvalue, must be finite and at least μ.");
    }
}
