using System.Numerics;

namespace Momentum.Optimizers;

/// <summary>
/// Gradient accumulation (Optax's <c>MultiSteps</c>): the mean of the gradients of <see cref="Every"/> consecutive
/// minibatches is kept in a running (Welford) mean, a ← a + (g − a)/(m + 1) at mini-step m; the first k − 1 mini-steps
/// give a zero update, and the k-th passes the mean to the inner transformation, then starts again. With k minibatches
/// of size B this takes the steps of minibatches of size kB.
/// </summary>
/// <remarks>
/// State: the vector "accumulator" (a), the scalars "mini_step" (m) and "gradient_step" (the inner transformation's
/// updates: its step), then the inner state prefixed "inner.". A mini-step that is not the k-th leaves the parameters
/// exactly as they were.
/// </remarks>
public sealed record MultiSteps : GradientTransformation
{
    /// <summary>Creates the transformation, checking every hyperparameter.</summary>
    /// <param name="inner">The transformation stepped with the accumulated mean.</param>
    /// <param name="every">k ≥ 1, minibatches per step.</param>
    /// <exception cref="HyperparameterException">A hyperparameter is outside its range.</exception>
    public MultiSteps(IGradientTransformation inner, int every)
    {
        Inner = inner;
        Every = every;
    }

    private const int MiniStep = 0, GradientStep = 1, OwnScalars = 2, OwnVectors = 1;

    /// <summary>The transformation stepped with the accumulated mean.</summary>
    public IGradientTransformation Inner
    {
        get;
        init
        {
            field = value ?? throw new ArgumentNullException(nameof(Inner));
            shape = StateShape.Wrapping(value.Shape, ["accumulator"], ["mini_step", "gradient_step"]);
        }
    }

    private readonly StateShape shape = StateShape.Empty;

    /// <summary>k, minibatches per step.</summary>
    public int Every { get; init => field = Require.AtLeast(value, 1, nameof(MultiSteps), nameof(Every)); }

    /// <inheritdoc />
    public override StateShape Shape => shape;

    /// <inheritdoc />
    public override void Init<T>(ReadOnlySpan<T> parameters, StateBuffers<T> state)
    {
        state.Vector(0).Clear();
        state.Scalars[..OwnScalars].Clear();
        Inner.Init(parameters, InnerState(state));
    }

    /// <inheritdoc />
    public override void Update<T>(Span<T> updates, StateBuffers<T> state, ReadOnlySpan<T> parameters, long step)
    {
        if (Accumulate<T>(updates, state)) Inner.Update(updates, InnerState(state), parameters, (long)state.Scalar(GradientStep)++);
        else updates.Clear();
    }

    /// <inheritdoc />
    public override void Step<T>(Span<T> gradient, StateBuffers<T> state, Span<T> parameters, long step)
    {
        if (Accumulate<T>(gradient, state)) Inner.Step(gradient, InnerState(state), parameters, (long)state.Scalar(GradientStep)++);
    }

    /// <summary>Adds the gradient to the mean; on the k-th mini-step moves the mean into <paramref name="gradient"/> and says so.</summary>
    private bool Accumulate<T>(Span<T> gradient, StateBuffers<T> state)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var accumulator = state.Vector(0);
        ref var mini = ref state.Scalar(MiniStep);
        var count = T.CreateChecked(mini + 1);
        for (var i = 0; i < accumulator.Length; i++)
            accumulator[i] += (gradient[i] - accumulator[i]) / count;   // acc + (g − acc)/(m + 1), Optax's order
        if (mini + 1 < Every)
        {
            mini++;
            return false;
        }
        mini = 0;
        accumulator.CopyTo(gradient);
        accumulator.Clear();
        return true;
    }

    private StateBuffers<T> InnerState<T>(StateBuffers<T> state)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        state.Slice(OwnVectors, OwnScalars, Inner.Shape);
}
