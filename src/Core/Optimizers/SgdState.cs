using System.Collections.Immutable;
using System.Numerics;

namespace Momentum.Optimizers;

/// <summary>
/// The immutable state of an SGD/momentum optimizer: everything a checkpoint needs to continue bit for bit.
/// </summary>
/// <typeparam name="T"><see cref="float"/> or <see cref="double"/>.</typeparam>
/// <remarks>Equality is by value: two states are equal when every field and every element is equal.</remarks>
public sealed record SgdState<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Creates a state, checking that parameters and velocity have the same length.</summary>
    /// <exception cref="ArgumentException">The lengths differ, or a count is negative.</exception>
    public SgdState(ImmutableArray<T> parameters, ImmutableArray<T> velocity, long step = 0, bool bufferInitialized = false, long skippedSteps = 0)
    {
        if (parameters.IsDefault) throw new ArgumentException("parameters must not be a default ImmutableArray.", nameof(parameters));
        if (velocity.IsDefault) throw new ArgumentException("velocity must not be a default ImmutableArray.", nameof(velocity));
        if (velocity.Length != parameters.Length)
            throw new ArgumentException($"velocity has length {velocity.Length}, parameters {parameters.Length}: they must be equal.", nameof(velocity));
        ArgumentOutOfRangeException.ThrowIfNegative(step);
        ArgumentOutOfRangeException.ThrowIfNegative(skippedSteps);
        Parameters = parameters;
        Velocity = velocity;
        Step = step;
        BufferInitialized = bufferInitialized;
        SkippedSteps = skippedSteps;
    }

    /// <summary>x, the parameters.</summary>
    public ImmutableArray<T> Parameters { get; init; }

    /// <summary>v (PyTorch's <c>momentum_buffer</c>), the leaky average of past gradients.</summary>
    public ImmutableArray<T> Velocity { get; init; }

    /// <summary>The number of steps taken (skipped steps are not counted); the next step's learning rate is the schedule's value here.</summary>
    public long Step { get; init; }

    /// <summary>
    /// Whether <see cref="Velocity"/> holds a buffer from a step with β &gt; 0. When false the next step with β &gt; 0
    /// sets the buffer to the gradient, undampened (PyTorch's <c>momentum_buffer is None</c>).
    /// </summary>
    public bool BufferInitialized { get; init; }

    /// <summary>Steps skipped by <see cref="NonFinitePolicy.Skip"/> because the gradient was not finite.</summary>
    public long SkippedSteps { get; init; }

    /// <inheritdoc />
    public bool Equals(SgdState<T>? other) =>
        other is not null
        && Step == other.Step
        && BufferInitialized == other.BufferInitialized
        && SkippedSteps == other.SkippedSteps
        && Parameters.AsSpan().SequenceEqual(other.Parameters.AsSpan())
        && Velocity.AsSpan().SequenceEqual(other.Velocity.AsSpan());

    /// <inheritdoc />
    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.Add(Step);
        hash.Add(BufferInitialized);
        hash.Add(SkippedSteps);
        foreach (var p in Parameters) hash.Add(p);
        return hash.ToHashCode();
    }
}
