using System.Numerics.Tensors;

namespace Momentum.Optimizers;

/// <summary>
/// u ← u + λ·x (Optax's <c>add_decayed_weights</c>), weight decay as a link whose place in a chain decides its kind:
/// before the momentum buffer it is PyTorch's coupled L2 decay, g ← g + λx, so the decay enters the velocity
/// (<c>torch.optim.SGD(weight_decay=λ)</c>, computed as one fused multiply-add, fma(x, λ, g));
/// after it, the decay is decoupled from the gradient's moving average, SGDW (Loshchilov and Hutter, "Decoupled
/// Weight Decay Regularization", ICLR 2019, Algorithm 1), x ← x − η(v + λx) as Optax's <c>adamw</c> chains it.
/// While λ = 0 the updates are left untouched (PyTorch skips the addition). Stateless.
/// </summary>
public sealed record AddDecayedWeights : GradientTransformation
{
    /// <summary>Creates the transformation, checking every hyperparameter.</summary>
    /// <param name="weightDecay">λ ≥ 0.</param>
    /// <exception cref="HyperparameterException">A hyperparameter is outside its range.</exception>
    public AddDecayedWeights(Schedule weightDecay)
    {
        WeightDecay = weightDecay;
    }

    /// <summary>λ ≥ 0.</summary>
    public Schedule WeightDecay { get; init => field = Require.In(value, ValueRange.NonNegative, nameof(AddDecayedWeights), nameof(WeightDecay)); }

    /// <inheritdoc />
    public override StateShape Shape => StateShape.Empty;

    /// <inheritdoc />
    public override void Update<T>(Span<T> updates, StateBuffers<T> state, ReadOnlySpan<T> parameters, long step)
    {
        var decay = Require.At(WeightDecay, step, ValueRange.NonNegative, nameof(AddDecayedWeights), nameof(WeightDecay));
        if (decay != 0) TensorPrimitives.FusedMultiplyAdd(parameters, T.CreateChecked(decay), updates, updates);
    }
}
