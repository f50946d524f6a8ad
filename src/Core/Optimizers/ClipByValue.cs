using System.Numerics.Tensors;

namespace Momentum.Optimizers;

/// <summary>
/// u ← clip(u, −c, c) elementwise (Optax's <c>clip</c>; PyTorch's <c>clip_grad_value_</c>). NaN stays NaN. Stateless.
/// </summary>
public sealed record ClipByValue : GradientTransformation
{
    /// <summary>Creates the transformation, checking every hyperparameter.</summary>
    /// <param name="maxValue">c ≥ 0.</param>
    /// <exception cref="HyperparameterException">A hyperparameter is outside its range.</exception>
    public ClipByValue(double maxValue)
    {
        MaxValue = maxValue;
    }

    /// <summary>c ≥ 0.</summary>
    public double MaxValue { get; init => field = Require.In(value, ValueRange.NonNegative, nameof(ClipByValue), nameof(MaxValue)); }

    /// <inheritdoc />
    public override StateShape Shape => StateShape.Empty;

    /// <inheritdoc />
    public override void Update<T>(Span<T> updates, StateBuffers<T> state, ReadOnlySpan<T> parameters, long step)
    {
        var c = T.CreateChecked(MaxValue);
        TensorPrimitives.Clamp(updates, -c, c, updates);
    }
}
