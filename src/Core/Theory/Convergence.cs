using Momentum.Optimizers;

namespace Momentum.Theory;

/// <summary>When and how fast gradient descent, momentum and every linear method converge on a convex quadratic.</summary>
/// <remarks>
/// The closed forms for heavy ball and PyTorch's Nesterov stay here for the chapter; any linear method is answered from its
/// own code through <see cref="LinearMethod"/>: <see cref="LinearMap.Converges"/>,
/// <see cref="LargestStableLearningRate(Func{double, IGradientTransformation}, double)"/> and
/// <see cref="StepsToShrink(LinearMap, double)"/>. Inputs outside their range throw
/// <see cref="HyperparameterException"/> naming the parameter, as in every function of <c>Momentum.Theory</c>.
/// </remarks>
public static class Convergence
{
    /// <summary>
    /// Whether heavy-ball momentum converges along an eigen-direction: exactly when β &lt; 1 and 0 &lt; ηλ &lt; 2 + 2β
    /// (d2l §11.6.3.2; Goh 2017). β = 0 is gradient descent's 0 &lt; ηλ &lt; 2. Equivalent to
    /// <see cref="MomentumMatrix.SpectralRadius"/> &lt; 1 by the Jury criterion for p(σ) = σ² − (1 + β − ηλ)σ + β: |p(0)| = β &lt; 1,
    /// p(1) = ηλ &gt; 0 and p(−1) = 2 + 2β − ηλ &gt; 0. β ≥ 1 and ηλ ≤ 0 are allowed and never converge.
    /// </summary>
    /// <exception cref="HyperparameterException">β &lt; 0, or a value is not finite.</exception>
    public static bool Converges(double momentum, double learningRate, double eigenvalue)
    {
        Inputs.Momentum(momentum, nameof(Convergence));
        Inputs.Finite(learningRate, nameof(Convergence), nameof(learningRate));
        Inputs.Finite(eigenvalue, nameof(Convergence), nameof(eigenvalue));
        var etaLambda = learningRate * eigenvalue;
        return momentum < 1 && etaLambda > 0 && etaLambda < 2 + 2 * momentum;
    }

    /// <summary>
    /// Gradient descent on the scalar f(x) = (λ/2)x² from x₀: xₜ = (1 − ηλ)ᵗ x₀ (d2l §11.6.3.2, eq. 11.6.13), which
    /// converges when |1 − ηλ| &lt; 1 and alternates in sign when ηλ &gt; 1.
    /// </summary>
    /// <exception cref="HyperparameterException">A value is not finite, or the step is negative.</exception>
    public static double GradientDescentIterate(double learningRate, double eigenvalue, int step, double start = 1)
    {
        Inputs.Finite(learningRate, nameof(Convergence), nameof(learningRate));
        Inputs.Finite(eigenvalue, nameof(Convergence), nameof(eigenvalue));
        Inputs.Finite(start, nameof(Convergence), nameof(start));
        Inputs.AtLeast(step, 0, nameof(Convergence), nameof(step));
        return Math.Pow(1 - learningRate * eigenvalue, step) * start;
    }

    /// <summary>The upper end of the stable range of ηλ for heavy-ball momentum, 2 + 2β (d2l §11.6.3.2).</summary>
    /// <exception cref="HyperparameterException">β ∉ [0, 1) (there is no stable range for β ≥ 1).</exception>
    public static double StabilityBound(double momentum) =>
        2 + 2 * Inputs.In(momentum, ValueRange.UnitInterval, nameof(Convergence), nameof(momentum));

    /// <summary>
    /// The upper end of the stable range of ηλ for Nesterov momentum in PyTorch's form (d = g + βb): along λ, over (x, b),
    /// R = [[1 − ηλ(1 + β), −ηβ²], [λ, β]], whose characteristic polynomial σ² − (1 + β)(1 − ηλ)σ + β(1 − ηλ) — that of
    /// Nesterov's method, Lessard, Recht and Packard 2016, §2 — has p(1) = ηλ and p(−1) = 2 + 2β − ηλ(1 + 2β), so by the
    /// Jury criterion it converges iff 0 &lt; ηλ &lt; 2(1 + β)/(1 + 2β).
    /// </summary>
    /// <exception cref="HyperparameterException">β ∉ [0, 1).</exception>
    public static double NesterovStabilityBound(double momentum)
    {
        Inputs.In(momentum, ValueRange.UnitInterval, nameof(Convergence), nameof(momentum));
        return 2 * (1 + momentum) / (1 + 2 * momentum);
    }

    /// <summary>
    /// The largest learning rate of a family η ↦ method that converges on every direction λ ∈ (0, L]: the supremum η* of
    /// the η with ρ(R(λ = L)) &lt; 1, read off each method's own step (<see cref="LinearMethod"/>) and found by doubling then
    /// bisection to adjacent doubles (every η below it converges, η* itself does not). For every method of the family the
    /// stable rates form one interval (0, η*) and the direction λ = L decides it, since R depends on η and λ through ηλ
    /// (and λ + λ_wd with weight decay).
    /// </summary>
    /// <param name="family">η ↦ the method with learning rate η (e.g. <c>eta => Optimizer.Nesterov(eta, 0.9)</c>).</param>
    /// <param name="largestEigenvalue">L &gt; 0.</param>
    /// <returns>η*; 0 when no learning rate converges (e.g. maximizing), +∞ when every one does.</returns>
    /// <exception cref="HyperparameterException">L is not positive and finite.</exception>
    /// <exception cref="NonlinearMethodException">The family's method is not a fixed linear map.</exception>
    /// <example><c>Convergence.LargestStableLearningRate(eta => Optimizer.Nesterov(eta, 0.9), 100)</c> is 2(1.9)/(2.8)/100 = 0.01357….</example>
    public static double LargestStableLearningRate(Func<double, IGradientTransformation> family, double largestEigenvalue)
    {
        ArgumentNullException.ThrowIfNull(family);
        Inputs.In(largestEigenvalue, ValueRange.Positive, nameof(Convergence), nameof(largestEigenvalue));
        var first = 1 / largestEigenvalue;
        LinearMethod.Of(family(first)); // refuses a family that is not linear, with the full checks, once
        bool Stable(double eta) => LinearMethod.Read(family(eta), thorough: false).At(largestEigenvalue).Converges();

        double low, high;
        if (Stable(first))
        {
            (low, high) = (first, 2 * first);
            while (Stable(high))
            {
                (low, high) = (high, 2 * high);
                if (double.IsInfinity(high)) return double.PositiveInfinity;
            }
        }
        else
        {
            (low, high) = (first / 2, first);
            while (!Stable(low))
            {
                (high, low) = (low, low / 2);
                if (low == 0) return 0;
            }
        }
        while (true)
        {
            var mid = low + (high - low) / 2;
            if (mid <= low || mid >= high) return high;
            if (Stable(mid)) low = mid;
            else high = mid;
        }
    }

    /// <summary>
    /// Steps k for an error contracting at <paramref name="rate"/> per step to shrink by the factor ε:
    /// k = ⌈ln ε / ln ρ⌉. Returns 0 when ε ≥ 1, 1 when ρ = 0, and +∞ when ρ ≥ 1.
    /// </summary>
    /// <remarks>
    /// ρᵗ alone: where the dominant eigenvalue is defective (critical damping) the error decays like (a + bt)ρᵗ and takes
    /// more steps; <see cref="StepsToShrink(LinearMap, double)"/> includes that factor.
    /// </remarks>
    /// <exception cref="HyperparameterException">ρ &lt; 0 or ε ≤ 0, or a value is not a number (ρ = +∞, an overflowing rate, takes forever).</exception>
    public static double StepsToShrink(double rate, double factor)
    {
        if (rate != double.PositiveInfinity) Inputs.In(rate, ValueRange.NonNegative, nameof(Convergence), nameof(rate));
        Inputs.In(factor, ValueRange.Positive, nameof(Convergence), nameof(factor));
        if (factor >= 1) return 0;
        if (rate >= 1) return double.PositiveInfinity;
        if (rate == 0) return 1;
        return Math.Ceiling(Math.Log(factor) / Math.Log(rate));
    }

    /// <summary>
    /// The predicted steps for the optimizer's error along one direction, from x₀ = 1, to fall below ε for good: the last
    /// t with E(t) = ε, E the envelope of its modes (<see cref="ErrorModes"/>: ρᵗ times the polynomial of a Jordan block at
    /// critical damping, times each mode's amplitude), rounded up. +∞ when the map does not converge.
    /// </summary>
    /// <exception cref="HyperparameterException">ε ∉ (0, ∞).</exception>
    public static double StepsToShrink(LinearMap map, double factor)
    {
        ArgumentNullException.ThrowIfNull(map);
        Inputs.In(factor, ValueRange.Positive, nameof(Convergence), nameof(factor));
        if (factor >= 1) return 0;
        if (!map.Converges()) return double.PositiveInfinity;
        var modes = ErrorModes.Of(map, 1);
        return Math.Ceiling(ErrorModes.LastCrossing(modes.Envelope, modes.Modes, factor));
    }

    /// <summary>
    /// The predicted steps for ‖x_t − x*‖ to fall below ε‖x₀ − x*‖ for good on a quadratic in its eigenbasis (eigenvalues
    /// λᵢ, start x₀ − x* = <paramref name="start"/>): the last t with √(Σᵢ Eᵢ(t)²) = ε‖x₀‖, Eᵢ each direction's envelope
    /// (<see cref="ErrorModes"/>), rounded up. +∞ when a direction with a non-zero start does not converge.
    /// </summary>
    /// <exception cref="ArgumentException">The spans differ in length or are empty.</exception>
    /// <exception cref="HyperparameterException">ε ∉ (0, ∞), or a value is not finite.</exception>
    public static double StepsToShrink(LinearMethod method, ReadOnlySpan<double> eigenvalues, ReadOnlySpan<double> start, double factor)
    {
        ArgumentNullException.ThrowIfNull(method);
        if (eigenvalues.IsEmpty || start.Length != eigenvalues.Length)
            throw new ArgumentException($"{eigenvalues.Length} eigenvalues and {start.Length} start values: one each, at least one.", nameof(start));
        Inputs.In(factor, ValueRange.Positive, nameof(Convergence), nameof(factor));
        if (factor >= 1) return 0;
        var directions = new List<ErrorModes>();
        var norm = 0.0;
        for (var i = 0; i < eigenvalues.Length; i++)
        {
            Inputs.Finite(start[i], nameof(Convergence), nameof(start));
            if (start[i] == 0) continue;
            var map = method.At(eigenvalues[i]);
            if (!map.Converges()) return double.PositiveInfinity;
            directions.Add(ErrorModes.Of(map, start[i]));
            norm = double.Hypot(norm, start[i]);
        }
        if (directions.Count == 0) return 0;
        double Envelope(double t) => Math.Sqrt(directions.Sum(d => d.Envelope(t) * d.Envelope(t)));
        return Math.Ceiling(ErrorModes.LastCrossing(Envelope, directions.SelectMany(d => d.Modes), factor * norm));
    }
}
