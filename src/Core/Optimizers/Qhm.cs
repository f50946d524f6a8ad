using System.Numerics;
using System.Numerics.Tensors;

namespace Momentum.Optimizers;

/// <summary>
/// Quasi-hyperbolic momentum (Ma and Yarats, "Quasi-hyperbolic momentum and Adam for deep learning", ICLR 2019,
/// eq. 3–4; the reference <c>qhoptim.pyt.QHM</c>): a ν-weighted average of the plain gradient and the momentum buffer,
/// <code>
/// b ← β·b + (1 − β)·g
/// x ← x − α·[(1 − ν)·g + ν·b]
/// </code>
/// ν = 0 is SGD with step α; ν = 1 is normalised heavy ball, the same iterates as PyTorch's momentum with η = α(1 − β);
/// α = η/(1 − β), ν = β is PyTorch's Nesterov momentum (Ma and Yarats, §3, "QHM recovers … NAG").
/// </summary>
/// <remarks>
/// State: the vector "momentum_buffer" (b, starting at 0). Operations follow qhoptim: <c>buf.mul_(β).add_(1 − β, g)</c> is
/// fma(g, 1 − β, β·b), and the step is two fused multiply-adds on x, by −α(1 − ν) with g and by −αν with b; as an update,
/// u = fma(b, −αν, −α(1 − ν)·g).
/// </remarks>
public sealed record Qhm : GradientTransformation
{
    /// <summary>Creates the transformation, checking every hyperparameter.</summary>
    /// <param name="learningRate">α ≥ 0.</param>
    /// <param name="momentum">β ∈ [0, 1).</param>
    /// <param name="nu">ν ∈ [0, 1].</param>
    /// <exception cref="HyperparameterException">A hyperparameter is outside its range.</exception>
    public Qhm(Schedule learningRate, Schedule momentum, Schedule nu)
    {
        LearningRate = learningRate;
        Momentum = momentum;
        Nu = nu;
    }

    private static readonly StateShape State = StateShape.Of(["momentum_buffer"]);

    /// <summary>α ≥ 0.</summary>
    public Schedule LearningRate { get; init => field = Require.In(value, ValueRange.NonNegative, nameof(Qhm), nameof(LearningRate)); }

    /// <summary>β ∈ [0, 1).</summary>
    public Schedule Momentum { get; init => field = Require.In(value, ValueRange.UnitInterval, nameof(Qhm), nameof(Momentum)); }

    /// <summary>ν ∈ [0, 1].</summary>
    public Schedule Nu { get; init => field = Require.In(value, ValueRange.ClosedUnitInterval, nameof(Qhm), nameof(Nu)); }

    /// <inheritdoc />
    public override StateShape Shape => State;

    /// <inheritdoc />
    public override void Update<T>(Span<T> updates, StateBuffers<T> state, ReadOnlySpan<T> parameters, long step)
    {
        var (gradientWeight, bufferWeight) = Advance<T>(updates, state.Vector(0), step);
        TensorPrimitives.Multiply(updates, gradientWeight, updates);
        TensorPrimitives.FusedMultiplyAdd(state.Vector(0), bufferWeight, updates, updates);
    }

    /// <inheritdoc />
    public override void Step<T>(Span<T> gradient, StateBuffers<T> state, Span<T> parameters, long step)
    {
        var (gradientWeight, bufferWeight) = Advance<T>(gradient, state.Vector(0), step);
        TensorPrimitives.FusedMultiplyAdd(gradient, gradientWeight, parameters, parameters);        // p.add_(−α(1 − ν), g)
        TensorPrimitives.FusedMultiplyAdd(state.Vector(0), bufferWeight, parameters, parameters);   // p.add_(−αν, buf)
    }

    // b ← fma(g, 1 − β, β·b); the weights −α(1 − ν) of g and −αν of b.
    private (T Gradient, T Buffer) Advance<T>(ReadOnlySpan<T> gradient, Span<T> buffer, long step)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var alpha = Require.At(LearningRate, step, ValueRange.NonNegative, nameof(Qhm), nameof(LearningRate));
        var beta = Require.At(Momentum, step, ValueRange.UnitInterval, nameof(Qhm), nameof(Momentum));
        var nu = Require.At(Nu, step, ValueRange.ClosedUnitInterval, nameof(Qhm), nameof(Nu));
        TensorPrimitives.Multiply(buffer, T.CreateChecked(beta), buffer);
        TensorPrimitives.FusedMultiplyAdd(gradient, T.CreateChecked(1 - beta), buffer, buffer);
        return (T.CreateChecked(-alpha * (1 - nu)), T.CreateChecked(-alpha * nu));
    }
}
