using System.Globalization;

namespace Momentum.Optimizers;

/// <summary>
/// What a step, a training fold (<see cref="Training.Trainer"/>) or a trajectory does with a gradient that holds NaN or
/// ±∞. Each word has one meaning wherever it is accepted.
/// </summary>
public enum NonFinitePolicy
{
    /// <summary>Throw <see cref="NonFiniteGradientException"/> naming the step and the index of the first bad value; nothing changes.</summary>
    Throw,

    /// <summary>
    /// Skip the step: parameters and state stay as they were and the skipped-step count grows by one (as
    /// <c>optax.apply_if_finite</c> counts non-finite updates).
    /// </summary>
    Skip,

    /// <summary>
    /// Stop the fold before the step and return its state with the fault recorded (what a shell needs to keep the
    /// results so far). Only folds accept it: a single step has nothing to stop and refuses it.
    /// </summary>
    Stop,
}

/// <summary>A gradient held NaN or ±∞ and the policy was <see cref="NonFinitePolicy.Throw"/>.</summary>
public sealed class NonFiniteGradientException : ArithmeticException
{
    /// <summary>Creates the exception for the first bad value.</summary>
    /// <param name="index">Index of the first non-finite value in the gradient.</param>
    /// <param name="value">That value.</param>
    /// <param name="step">The optimizer step (0-based) that was refused.</param>
    public NonFiniteGradientException(int index, double value, long step)
        : base(string.Create(CultureInfo.InvariantCulture, $"gradient[{index}] is {value} at step {step}: the step was not taken."))
    {
        Index = index;
        Value = value;
        Step = step;
    }

    /// <summary>Index of the first non-finite value in the gradient.</summary>
    public int Index { get; }

    /// <summary>The non-finite value (NaN, +∞ or −∞).</summary>
    public double Value { get; }

    /// <summary>The step (number of steps taken before it) that was refused.</summary>
    public long Step { get; }
}
