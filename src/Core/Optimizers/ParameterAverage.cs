using System.Numerics;

namespace Momentum.Optimizers;

/// <summary>
/// An exponential moving average of the parameters kept beside them, x̄ ← β_t·x̄ + (1 − β_t)·x after every step of the
/// inner transformation, starting from x̄ = x₀: the weights to evaluate with (Polyak and Juditsky 1992; the EMA of
/// weights of Izmailov et al., "Averaging Weights Leads to Wider Optima", 2018, §2). With β_t = t/(t + 1)
/// (<see cref="RunningMeanSchedule"/>) it is the plain mean of the iterates, Polyak–Ruppert averaging. The optimizer's
/// own iterates are unchanged.
/// </summary>
/// <remarks>
/// State: the vector "average" (x̄), then the inner state prefixed "inner.". As an update (not a step) the average is
/// taken of x + u, the parameters the update leads to.
/// </remarks>
public sealed record ParameterAverage : GradientTransformation
{
    /// <summary>Creates the transformation, checking every hyperparameter.</summary>
    /// <param name="inner">The optimizer whose iterates are averaged.</param>
    /// <param name="decay">β ∈ [0, 1], a constant or a schedule.</param>
    /// <exception cref="HyperparameterException">A hyperparameter is outside its range.</exception>
    public ParameterAverage(IGradientTransformation inner, Schedule decay)
    {
        Inner = inner;
        Decay = decay;
    }

    /// <summary>The optimizer whose iterates are averaged.</summary>
    public IGradientTransformation Inner
    {
        get;
        init
        {
            field = value ?? throw new ArgumentNullException(nameof(Inner));
            shape = StateShape.Wrapping(value.Shape, [AverageVector]);
        }
    }

    private readonly StateShape shape = StateShape.Empty;

    /// <summary>β ∈ [0, 1].</summary>
    public Schedule Decay { get; init => field = Require.In(value, ValueRange.ClosedUnitInterval, nameof(ParameterAverage), nameof(Decay)); }

    /// <inheritdoc />
    public override StateShape Shape => shape;

    /// <summary>x̄, the averaged parameters held in <paramref name="state"/> (of an optimizer whose transformation is this).</summary>
    public static System.Collections.Immutable.ImmutableArray<T> Average<T>(TransformState<T> state)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(state);
        return state.Vector(AverageVector);
    }

    /// <summary>The name of the state's vector x̄.</summary>
    internal const string AverageVector = "average";

    /// <inheritdoc />
    public override void Init<T>(ReadOnlySpan<T> parameters, StateBuffers<T> state)
    {
        parameters.CopyTo(state.Vector(0));
        Inner.Init(parameters, InnerState(state));
    }

    /// <inheritdoc />
    public override void Update<T>(Span<T> updates, StateBuffers<T> state, ReadOnlySpan<T> parameters, long step)
    {
        Inner.Update(updates, InnerState(state), parameters, step);
        var (beta, keep) = Weights<T>(step);
        var average = state.Vector(0);
        for (var i = 0; i < average.Length; i++) average[i] = beta * average[i] + keep * (parameters[i] + updates[i]);
    }

    /// <inheritdoc />
    public override void Step<T>(Span<T> gradient, StateBuffers<T> state, Span<T> parameters, long step)
    {
        Inner.Step(gradient, InnerState(state), parameters, step);
        var (beta, keep) = Weights<T>(step);
        var average = state.Vector(0);
        for (var i = 0; i < average.Length; i++) average[i] = beta * average[i] + keep * parameters[i];
    }

    private (T Beta, T Keep) Weights<T>(long step)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var beta = Require.At(Decay, step, ValueRange.ClosedUnitInterval, nameof(ParameterAverage), nameof(Decay));
        return (T.CreateChecked(beta), T.CreateChecked(1 - beta));
    }

    private StateBuffers<T> InnerState<T>(StateBuffers<T> state)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        state.Slice(1, 0, Inner.Shape);
}
