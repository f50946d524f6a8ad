using Momentum.Kernels;

namespace Momentum.Optimizers;

/// <summary>
/// Skips updates whose incoming gradient holds NaN or ±∞ (Optax's <c>apply_if_finite</c>): such an update is zero and
/// leaves the inner state as it was; after more than <see cref="MaxConsecutiveErrors"/> non-finite gradients in a row it
/// gives up and lets them through, so a run that can no longer recover stops being hidden.
/// </summary>
/// <remarks>
/// State: the scalars "notfinite_count" (non-finite gradients in a row), "last_finite" (1 when the last one was finite),
/// "total_notfinite" (never reset) and "inner_count" (updates the inner transformation has made: its step), then the
/// inner state prefixed "inner.". A skipped step leaves the parameters exactly as they were.
/// </remarks>
public sealed record ApplyIfFinite : GradientTransformation
{
    /// <summary>Creates the transformation, checking every hyperparameter.</summary>
    /// <param name="inner">The transformation whose updates are guarded.</param>
    /// <param name="maxConsecutiveErrors">How many non-finite gradients in a row are skipped (≥ 0).</param>
    /// <exception cref="HyperparameterException">A hyperparameter is outside its range.</exception>
    public ApplyIfFinite(IGradientTransformation inner, int maxConsecutiveErrors)
    {
        Inner = inner;
        MaxConsecutiveErrors = maxConsecutiveErrors;
    }

    private const int NotFiniteCount = 0, LastFinite = 1, TotalNotFinite = 2, InnerCount = 3, Own = 4;

    /// <summary>The transformation whose updates are guarded.</summary>
    public IGradientTransformation Inner
    {
        get;
        init
        {
            field = value ?? throw new ArgumentNullException(nameof(Inner));
            shape = StateShape.Wrapping(value.Shape, scalars: ["notfinite_count", "last_finite", "total_notfinite", "inner_count"]);
        }
    }

    private readonly StateShape shape = StateShape.Empty;

    /// <summary>How many non-finite gradients in a row are skipped.</summary>
    public int MaxConsecutiveErrors { get; init => field = Require.AtLeast(value, 0, nameof(ApplyIfFinite), nameof(MaxConsecutiveErrors)); }

    /// <inheritdoc />
    public override StateShape Shape => shape;

    /// <inheritdoc />
    public override void Init<T>(ReadOnlySpan<T> parameters, StateBuffers<T> state)
    {
        state.Scalars[..Own].Clear();
        state.Scalar(LastFinite) = 1;
        Inner.Init(parameters, InnerState(state));
    }

    /// <inheritdoc />
    public override void Update<T>(Span<T> updates, StateBuffers<T> state, ReadOnlySpan<T> parameters, long step)
    {
        if (Accept<T>(updates, state)) Inner.Update(updates, InnerState(state), parameters, (long)state.Scalar(InnerCount)++);
        else updates.Clear();
    }

    /// <inheritdoc />
    public override void Step<T>(Span<T> gradient, StateBuffers<T> state, Span<T> parameters, long step)
    {
        if (Accept<T>(gradient, state)) Inner.Step(gradient, InnerState(state), parameters, (long)state.Scalar(InnerCount)++);
    }

    /// <summary>Counts the gradient and says whether the inner transformation takes it.</summary>
    private bool Accept<T>(ReadOnlySpan<T> gradient, StateBuffers<T> state)
        where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        var finite = NonFinite.IndexOfFirst(gradient) < 0;
        ref var inARow = ref state.Scalar(NotFiniteCount);
        inARow = finite ? 0 : inARow + 1;
        state.Scalar(LastFinite) = finite ? 1 : 0;
        if (!finite) state.Scalar(TotalNotFinite)++;
        return finite || inARow > MaxConsecutiveErrors;
    }

    private StateBuffers<T> InnerState<T>(StateBuffers<T> state)
        where T : unmanaged, System.Numerics.IFloatingPointIeee754<T> =>
        state.Slice(0, Own, Inner.Shape);
}
