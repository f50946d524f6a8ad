using System.Numerics.Tensors;

namespace Momentum.Optimizers;

/// <summary>
/// u ← −η·u (Optax's <c>scale_by_learning_rate</c>), the last link of a descent method: heavy ball is
/// <c>Chain(Trace(β), ScaleByLearningRate(η))</c>, x ← x − η·v (d2l §11.6.2, eq. 11.6.2). η may be a schedule.
/// </summary>
/// <remarks>
/// As the last link of a step, the learning rate is applied with the parameters in one rounding,
/// x ← fma(d, −η, x), as PyTorch's <c>param.add_(d_p, alpha=-lr)</c> computes it; as an update, u = −η·d is rounded
/// on its own. Stateless.
/// </remarks>
public sealed record ScaleByLearningRate : GradientTransformation
{
    /// <summary>Creates the transformation, checking every hyperparameter.</summary>
    /// <param name="learningRate">η ≥ 0.</param>
    /// <exception cref="HyperparameterException">A hyperparameter is outside its range.</exception>
    public ScaleByLearningRate(Schedule learningRate)
    {
        LearningRate = learningRate;
    }

    /// <summary>η ≥ 0.</summary>
    public Schedule LearningRate { get; init => field = Require.In(value, ValueRange.NonNegative, nameof(ScaleByLearningRate), nameof(LearningRate)); }

    /// <inheritdoc />
    public override StateShape Shape => StateShape.Empty;

    /// <inheritdoc />
    public override void Update<T>(Span<T> updates, StateBuffers<T> state, ReadOnlySpan<T> parameters, long step) =>
        TensorPrimitives.Multiply(updates, T.CreateChecked(-Rate(step)), updates);

    /// <inheritdoc />
    public override void Step<T>(Span<T> gradient, StateBuffers<T> state, Span<T> parameters, long step) =>
        TensorPrimitives.FusedMultiplyAdd(gradient, T.CreateChecked(-Rate(step)), parameters, parameters);

    internal double Rate(long step) => Require.At(LearningRate, step, ValueRange.NonNegative, nameof(ScaleByLearningRate), nameof(LearningRate));
}
