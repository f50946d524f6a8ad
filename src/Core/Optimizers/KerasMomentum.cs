using System.Numerics;
using System.Numerics.Tensors;
using Momentum.Kernels;

namespace Momentum.Optimizers;

/// <summary>
/// The Keras form of momentum (<c>keras.optimizers.SGD</c>; Sutskever et al., ICML 2013, eq. 1–2):
/// v ← β v − η g, x ← x + v, with v₀ = 0. Provided to compare against <see cref="SgdKernel"/>, not for training.
/// </summary>
/// <remarks>
/// With a constant η the Keras velocity is −η times the PyTorch/d2l velocity, v_Keras = −η v, so both produce the same
/// iterates. When η changes between steps they differ: the Keras velocity keeps each past gradient scaled by the learning
/// rate of its own step, Σ β^τ η_{t−τ} g_{t−τ}, while the PyTorch form scales the whole sum by the current rate,
/// η_t Σ β^τ g_{t−τ}.
/// </remarks>
public static class KerasMomentum
{
    /// <summary>One Keras-form step; destinations may be the same spans as their inputs.</summary>
    /// <exception cref="ArgumentException">The spans differ in length or overlap other than in place.</exception>
    public static void Step<T>(
        double learningRate,
        double momentum,
        ReadOnlySpan<T> parameters,
        ReadOnlySpan<T> velocity,
        ReadOnlySpan<T> gradient,
        Span<T> parametersDestination,
        Span<T> velocityDestination)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        SpanChecks.RequireStepShapes(parameters, velocity, gradient, parametersDestination, velocityDestination);
        TensorPrimitives.Multiply(velocity, T.CreateChecked(momentum), velocityDestination);
        TensorPrimitives.FusedMultiplyAdd(gradient, T.CreateChecked(-learningRate), velocityDestination, velocityDestination);
        TensorPrimitives.Add(parameters, velocityDestination, parametersDestination);
    }
}
