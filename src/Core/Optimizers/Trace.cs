using System.Numerics;
using System.Numerics.Tensors;

namespace Momentum.Optimizers;

/// <summary>
/// The momentum buffer of PyTorch's <c>torch.optim.SGD</c> (<c>torch/optim/sgd.py</c>, <c>_single_tensor_sgd</c>), as a
/// transformation of the updates (Optax's <c>trace</c>, with PyTorch's dampening and first-step rule):
/// <code>
/// b ← g                          on the first update with β ≠ 0 (the buffer is not dampened)
/// b ← β·b + (1 − dampening)·g    afterwards
/// u ← g + β·b  (Nesterov)  or  u ← b
/// </code>
/// With dampening 0 this is the chapter's velocity, v_t = β v_{t−1} + g_t with v₀ = 0 (d2l §11.6.2, eq. 11.6.2),
/// since β·0 + g₁ = g₁ is the first-step rule. While β = 0 there is no buffer: u = g and the state is left as it is.
/// </summary>
/// <remarks>
/// Rounding follows PyTorch's CPU kernels: <c>buf.mul_(β)</c> rounds β·b before <c>add_(g, alpha)</c>; with dampening
/// that addition is one fused multiply-add, fma(g, 1 − dampening, β·b); Nesterov's <c>g.add(buf, alpha=β)</c> is
/// fma(b, β, g). State: the vector "trace" (PyTorch's <c>momentum_buffer</c>) and the scalar "initialized" (1 once
/// the buffer exists).
/// </remarks>
public sealed record Trace : GradientTransformation
{
    /// <summary>Creates the transformation, checking every hyperparameter.</summary>
    /// <param name="momentum">β ∈ [0, 1).</param>
    /// <param name="dampening">∈ [0, 1], scales the gradient in the buffer after the first update (PyTorch's default 0).</param>
    /// <param name="nesterov">u = g + β·b, PyTorch's form of Nesterov momentum (Sutskever et al., ICML 2013); needs β &gt; 0 and no dampening.</param>
    /// <exception cref="HyperparameterException">A hyperparameter is outside its range.</exception>
    public Trace(Schedule momentum, Schedule? dampening = null, bool nesterov = false)
    {
        Momentum = momentum;
        Dampening = dampening ?? 0.0;
        Nesterov = nesterov && RequireNesterov(nameof(Trace), Momentum, Dampening, null);
    }

    private static readonly StateShape State = StateShape.Of(["trace"], ["initialized"]);

    /// <summary>β ∈ [0, 1).</summary>
    public Schedule Momentum { get; init => field = Require.In(value, ValueRange.UnitInterval, nameof(Trace), nameof(Momentum)); }

    /// <summary>Dampening ∈ [0, 1].</summary>
    public Schedule Dampening { get; init => field = Require.In(value, ValueRange.ClosedUnitInterval, nameof(Trace), nameof(Dampening)); }

    /// <summary>Nesterov momentum in PyTorch's form.</summary>
    public bool Nesterov { get; init; }

    /// <inheritdoc />
    public override StateShape Shape => State;

    /// <inheritdoc />
    public override void Update<T>(Span<T> updates, StateBuffers<T> state, ReadOnlySpan<T> parameters, long step)
    {
        state.Require(State, parameters.Length);
        var momentum = Require.At(Momentum, step, ValueRange.UnitInterval, nameof(Trace), nameof(Momentum));
        var dampening = Require.At(Dampening, step, ValueRange.ClosedUnitInterval, nameof(Trace), nameof(Dampening));
        if (Nesterov && dampening != 0) RequireNesterov(nameof(Trace), momentum, dampening, step);
        Apply(updates, state.Vector(0), ref state.Scalar(0), momentum, dampening, Nesterov);
    }

    /// <summary>The buffer update and the direction, in place (shared with <see cref="Sgd"/>'s composed form).</summary>
    internal static void Apply<T>(Span<T> updates, Span<T> buffer, ref double initialized, double momentum, double dampening, bool nesterov)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (momentum == 0) return;
        var beta = T.CreateChecked(momentum);
        if (initialized == 0)
        {
            updates.CopyTo(buffer);                                        // buf = clone(d_p)
            initialized = 1;
        }
        else if (dampening == 0)
            TensorPrimitives.MultiplyAdd(buffer, beta, updates, buffer);   // buf.mul_(β).add_(d_p): β·b rounded, then + g
        else
        {
            TensorPrimitives.Multiply(buffer, beta, buffer);               // buf.mul_(β)
            TensorPrimitives.FusedMultiplyAdd(updates, T.CreateChecked(1.0 - dampening), buffer, buffer); // .add_(d_p, alpha=1 − dampening)
        }

        if (nesterov)
            TensorPrimitives.FusedMultiplyAdd(buffer, beta, updates, updates); // d_p.add(buf, alpha=β)
        else
            buffer.CopyTo(updates);
    }

    /// <summary>
    /// PyTorch's constructor rule, "Nesterov momentum requires a momentum and zero dampening": a constant momentum must be
    /// positive, and the dampening must be 0 (a scheduled one is checked at every update).
    /// </summary>
    internal static bool RequireNesterov(string owner, Schedule momentum, Schedule dampening, long? step)
    {
        if (momentum is ConstantSchedule { Value: <= 0 } m)
            throw new HyperparameterException(owner, nameof(Momentum), m.Value, "must be > 0 with Nesterov momentum", step);
        if (dampening is ConstantSchedule { Value: not 0 } d)
            throw new HyperparameterException(owner, nameof(Dampening), d.Value, "must be 0 with Nesterov momentum", step);
        return true;
    }
}
