using System.Numerics.Tensors;

namespace Momentum.Optimizers;

/// <summary>
/// u ← c·u (Optax's <c>scale</c>): a fixed or scheduled factor. <c>Scale(−1)</c> turns descent into ascent (PyTorch's
/// <c>maximize=True</c> negates the gradient first). As the last link of a step it is applied in one rounding,
/// x ← fma(u, c, x). Stateless.
/// </summary>
public sealed record Scale : GradientTransformation
{
    /// <summary>Creates the transformation, checking every hyperparameter.</summary>
    /// <param name="factor">c, any finite number.</param>
    /// <exception cref="HyperparameterException">A hyperparameter is outside its range.</exception>
    public Scale(Schedule factor)
    {
        Factor = factor;
    }

    /// <summary>c.</summary>
    public Schedule Factor { get; init => field = Require.In(value, ValueRange.Finite, nameof(Scale), nameof(Factor)); }

    /// <inheritdoc />
    public override StateShape Shape => StateShape.Empty;

    /// <inheritdoc />
    public override void Update<T>(Span<T> updates, StateBuffers<T> state, ReadOnlySpan<T> parameters, long step)
    {
        var c = Require.At(Factor, step, ValueRange.Finite, nameof(Scale), nameof(Factor));
        if (c == -1) TensorPrimitives.Negate(updates, updates); // exact, as PyTorch's torch.neg
        else TensorPrimitives.Multiply(updates, T.CreateChecked(c), updates);
    }

    /// <inheritdoc />
    public override void Step<T>(Span<T> gradient, StateBuffers<T> state, Span<T> parameters, long step) =>
        TensorPrimitives.FusedMultiplyAdd(gradient, T.CreateChecked(Require.At(Factor, step, ValueRange.Finite, nameof(Scale), nameof(Factor))), parameters, parameters);
}
