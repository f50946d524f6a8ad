using Momentum.Optimizers;

namespace Momentum.Theory;

/// <summary>
/// Step size and momentum that minimise the worst rate over eigenvalues λ ∈ [μ, L], with condition number κ = L/μ, in
/// closed form. Methods without one are tuned numerically by <see cref="Tuning"/>, which agrees with these where both exist.
/// </summary>
/// <remarks>
/// Robust across the double range: κ is never formed where it could overflow (√κ is √L/√μ, 1/κ is μ/L), and a spectrum is
/// refused (<see cref="HyperparameterException"/>) when 0 &lt; μ ≤ L fails, a value is not finite, κ = L/μ overflows, or
/// the optimal momentum rounds to 1 in double precision (κ above about 10³²: 1 − β ≈ 4/√κ is below the spacing of doubles
/// near 1, and β = 1 never converges).
/// </remarks>
/// <param name="LearningRate">η.</param>
/// <param name="Momentum">β (0 for gradient descent).</param>
/// <param name="Rate">The worst spectral radius over λ ∈ [μ, L] at these parameters.</param>
public readonly record struct OptimalParameters(double LearningRate, double Momentum, double Rate)
{
    /// <summary>
    /// Gradient descent: η = 2/(μ + L), rate (κ − 1)/(κ + 1), which balances |1 − ημ| = |1 − ηL|
    /// (Goh 2017, "Choosing a step-size"; Nesterov, Introductory Lectures on Convex Optimization, 2004, thm. 2.1.15).
    /// </summary>
    /// <exception cref="HyperparameterException">Not 0 &lt; μ ≤ L, both finite, with κ finite.</exception>
    public static OptimalParameters ForGradientDescent(double smallest, double largest)
    {
        Inputs.Spectrum(smallest, largest, nameof(OptimalParameters));
        var inverse = smallest / largest; // 1/κ
        return new(2 / (1 + inverse) / largest, 0, (1 - inverse) / (1 + inverse));
    }

    /// <summary>
    /// Heavy-ball momentum (Polyak, "Some methods of speeding up the convergence of iteration methods", 1964; Goh 2017,
    /// "The optimal parameters"): η = (2/(√μ + √L))², β = ((√L − √μ)/(√L + √μ))², rate (√κ − 1)/(√κ + 1) = √β. At these
    /// parameters λ = μ and λ = L are critically damped and every λ between is in the ripples regime with modulus √β.
    /// For λ ∈ [1, 100]: η = 4/121, β = (9/11)², rate 9/11.
    /// </summary>
    /// <exception cref="HyperparameterException">Not 0 &lt; μ ≤ L, both finite, κ finite, β &lt; 1 in double precision.</exception>
    public static OptimalParameters ForMomentum(double smallest, double largest)
    {
        Inputs.Spectrum(smallest, largest, nameof(OptimalParameters));
        var q = Math.Sqrt(smallest) / Math.Sqrt(largest); // 1/√κ
        var root = (1 - q) / (1 + q);
        var eta = 2 / (1 + q);
        return new(eta * eta / largest, RequireBelowOne(root * root, smallest, largest), root);
    }

    /// <summary>
    /// Nesterov's method tuned for quadratics (Lessard, Recht, Packard, "Analysis and design of optimization algorithms via
    /// integral quadratic constraints", SIAM J. Optim. 2016, §2 and Table 1): η = 4/(3L + μ),
    /// β = (√(3κ + 1) − 2)/(√(3κ + 1) + 2), rate 1 − 2/√(3κ + 1) (0.884722 at κ = 100). PyTorch's Nesterov form
    /// (<see cref="Optimizer.Nesterov"/>) has Nesterov's characteristic polynomial σ² − (1 + β)(1 − ηλ)σ + β(1 − ηλ), so
    /// these are its parameters too; at them λ = μ is critically damped.
    /// </summary>
    /// <exception cref="HyperparameterException">Not 0 &lt; μ ≤ L, both finite, κ finite, β &lt; 1 in double precision.</exception>
    public static OptimalParameters ForNesterov(double smallest, double largest)
    {
        Inputs.Spectrum(smallest, largest, nameof(OptimalParameters));
        var inverse = smallest / largest;
        // √(3κ + 1) = √(3 + 1/κ)/√(1/κ), written with √μ and √L so that it neither overflows nor loses 1/κ.
        var root = Math.Sqrt(3 + inverse) * (Math.Sqrt(largest) / Math.Sqrt(smallest));
        var beta = (root - 2) / (root + 2);
        return new(4 / (3 + inverse) / largest, RequireBelowOne(beta, smallest, largest), 1 - 2 / root);
    }

    /// <summary>
    /// Nesterov's constant-step scheme for strongly convex functions, NAG-SC (Nesterov, Introductory Lectures on Convex
    /// Optimization, 2004, (2.2.22)): η = 1/L, β = (√κ − 1)/(√κ + 1), rate 1 − 1/√κ on quadratics (λ = μ is critically
    /// damped with the double root 1 − 1/√κ; every other λ has modulus at most that).
    /// </summary>
    /// <exception cref="HyperparameterException">Not 0 &lt; μ ≤ L, both finite, κ finite, β &lt; 1 in double precision.</exception>
    public static OptimalParameters ForNesterovStandard(double smallest, double largest)
    {
        Inputs.Spectrum(smallest, largest, nameof(OptimalParameters));
        var q = Math.Sqrt(smallest) / Math.Sqrt(largest);
        return new(1 / largest, RequireBelowOne((1 - q) / (1 + q), smallest, largest), 1 - q);
    }

    /// <summary>
    /// The critically damped momentum for one eigenvalue, β = (1 − √(ηλ))² (Goh 2017, "Critical damping"): the two
    /// eigenvalues of R coincide and, for 0 &lt; ηλ ≤ 1, the rate is √β = 1 − √(ηλ), the fastest without ripples.
    /// </summary>
    /// <exception cref="HyperparameterException">ηλ &lt; 0, or a value is not finite.</exception>
    public static double CriticalDamping(double learningRate, double eigenvalue)
    {
        Inputs.Finite(learningRate, nameof(OptimalParameters), nameof(learningRate));
        Inputs.Finite(eigenvalue, nameof(OptimalParameters), nameof(eigenvalue));
        var etaLambda = Inputs.In(learningRate * eigenvalue, ValueRange.NonNegative, nameof(OptimalParameters), "learningRate·eigenvalue");
        var root = 1 - Math.Sqrt(etaLambda);
        return root * root;
    }

    /// <summary>κ = L/μ.</summary>
    /// <exception cref="HyperparameterException">Not 0 &lt; μ ≤ L, both finite, with κ finite in double precision.</exception>
    public static double ConditionNumber(double smallest, double largest)
    {
        Inputs.Spectrum(smallest, largest, nameof(OptimalParameters));
        return largest / smallest;
    }

    private static double RequireBelowOne(double momentum, double smallest, double largest) =>
        momentum < 1
            ? momentum
            : throw new HyperparameterException(nameof(OptimalParameters), nameof(largest), largest,
                $"must keep κ = L/μ below about 10³² (with μ = {Inputs.Text(smallest)}, κ = {Inputs.Text(largest / smallest)}): the optimal momentum 1 − O(1/√κ) rounds to 1 in double precision");
}
