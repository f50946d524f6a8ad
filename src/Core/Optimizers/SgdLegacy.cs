using System.Collections.Immutable;
using System.Numerics;
using System.Runtime.InteropServices;
using Momentum.Kernels;

namespace Momentum.Optimizers;

/// <summary>
/// The record level of the optimizer: a pure step from a state record and a gradient to a new state record, in the
/// shape of Optax's <c>init(params)</c> / <c>update(grads, state, params)</c>. Inputs are never modified.
/// </summary>
public static class SgdLegacy
{
    /// <summary>The state before the first step: the given parameters, a zero velocity, no buffer yet.</summary>
    public static SgdState<T> Init<T>(ReadOnlySpan<T> parameters)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        new(parameters.ToImmutableArray(), ImmutableArray.Create(new T[parameters.Length]));

    /// <summary>
    /// One step of <see cref="SgdOptions"/> (PyTorch's <c>torch.optim.SGD</c> semantics) on <paramref name="state"/>,
    /// computed by <see cref="SgdKernel.Step{T}"/>.
    /// </summary>
    /// <param name="options">Hyperparameters; their learning rate is used as it is.</param>
    /// <param name="state">The current state; not modified.</param>
    /// <param name="gradient">The gradient at <c>state.Parameters</c>; not modified.</param>
    /// <param name="policy">What to do when the gradient holds NaN or ±∞.</param>
    /// <returns>The next state: <see cref="SgdState{T}.Step"/> + 1, or the skip count + 1 when skipped.</returns>
    /// <exception cref="ArgumentException">The gradient's length differs from the parameters'.</exception>
    /// <exception cref="NonFiniteGradientException">The gradient is not finite and the policy is <see cref="NonFinitePolicy.Throw"/>.</exception>
    public static SgdState<T> Step<T>(in SgdOptions options, SgdState<T> state, ReadOnlySpan<T> gradient, NonFinitePolicy policy = NonFinitePolicy.Throw)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(state);
        SpanChecks.RequireLength(gradient.Length, state.Parameters.Length, nameof(gradient));
        var bad = NonFinite.IndexOfFirst(gradient);
        if (bad >= 0)
        {
            if (policy == NonFinitePolicy.Skip)
                return state with { SkippedSteps = state.SkippedSteps + 1 };
            throw new NonFiniteGradientException(bad, double.CreateChecked(gradient[bad]), state.Step);
        }

        var parameters = new T[gradient.Length];
        var velocity = new T[gradient.Length];
        SgdKernel.Step(options, state.BufferInitialized, state.Parameters.AsSpan(), state.Velocity.AsSpan(), gradient, parameters, velocity);
        return state with
        {
            Parameters = ImmutableCollectionsMarshal.AsImmutableArray(parameters),
            Velocity = ImmutableCollectionsMarshal.AsImmutableArray(velocity),
            Step = state.Step + 1,
            BufferInitialized = state.BufferInitialized || options.Momentum != 0,
        };
    }

    /// <summary>
    /// One step with the learning rate taken from <paramref name="schedule"/> at <c>state.Step</c>, the number of
    /// steps already taken: η_t = schedule(t).
    /// </summary>
    /// <inheritdoc cref="Step{T}(in SgdOptions, SgdState{T}, ReadOnlySpan{T}, NonFinitePolicy)"/>
    public static SgdState<T> Step<T>(in SgdOptions options, Schedule schedule, SgdState<T> state, ReadOnlySpan<T> gradient, NonFinitePolicy policy = NonFinitePolicy.Throw)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(schedule);
        ArgumentNullException.ThrowIfNull(state);
        return Step(options with { LearningRate = schedule.At(state.Step) }, state, gradient, policy);
    }
}
