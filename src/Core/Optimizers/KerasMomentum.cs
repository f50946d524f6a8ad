using System.Numerics.Tensors;

namespace Momentum.Optimizers;

/// <summary>
/// The Keras form of momentum (<c>keras.optimizers.SGD</c>; Sutskever et al., ICML 2013, eq. 1–2):
/// v ← β·v − η·g, u = v (x ← x + v), with v₀ = 0; Nesterov: u = β·v − η·g with the new v.
/// </summary>
/// <remarks>
/// <para>
/// With a constant η the Keras velocity is −η times the PyTorch/d2l velocity, so both produce the same iterates. When η
/// changes between steps they differ: the Keras velocity keeps each past gradient scaled by the learning rate of its own
/// step, Σ β^τ η_{t−τ} g_{t−τ}, while the PyTorch form (<see cref="Trace"/> then <see cref="ScaleByLearningRate"/>)
/// scales the whole sum by the current rate, η_t Σ β^τ g_{t−τ}.
/// </para>
/// <para>State: the vector "velocity". v is fma(g, −η, β·v).</para>
/// </remarks>
public sealed record KerasMomentum : GradientTransformation
{
    /// <summary>Creates the transformation, checking every hyperparameter.</summary>
    /// <param name="learningRate">η ≥ 0.</param>
    /// <param name="momentum">β ∈ [0, 1).</param>
    /// <param name="nesterov">Keras's Nesterov form.</param>
    /// <exception cref="HyperparameterException">A hyperparameter is outside its range.</exception>
    public KerasMomentum(Schedule learningRate, Schedule momentum, bool nesterov = false)
    {
        LearningRate = learningRate;
        Momentum = momentum;
        Nesterov = nesterov;
    }

    private static readonly StateShape State = StateShape.Of(["velocity"]);

    /// <summary>η ≥ 0.</summary>
    public Schedule LearningRate { get; init => field = Require.In(value, ValueRange.NonNegative, nameof(KerasMomentum), nameof(LearningRate)); }

    /// <summary>β ∈ [0, 1).</summary>
    public Schedule Momentum { get; init => field = Require.In(value, ValueRange.UnitInterval, nameof(KerasMomentum), nameof(Momentum)); }

    /// <summary>Keras's Nesterov form.</summary>
    public bool Nesterov { get; init; }

    /// <inheritdoc />
    public override StateShape Shape => State;

    /// <inheritdoc />
    public override void Update<T>(Span<T> updates, StateBuffers<T> state, ReadOnlySpan<T> parameters, long step)
    {
        var eta = T.CreateChecked(-Require.At(LearningRate, step, ValueRange.NonNegative, nameof(KerasMomentum), nameof(LearningRate)));
        var beta = T.CreateChecked(Require.At(Momentum, step, ValueRange.UnitInterval, nameof(KerasMomentum), nameof(Momentum)));
        var velocity = state.Vector(0);
        TensorPrimitives.Multiply(velocity, beta, velocity);
        TensorPrimitives.FusedMultiplyAdd(updates, eta, velocity, velocity);
        if (Nesterov)
        {
            TensorPrimitives.Multiply(updates, eta, updates);
            TensorPrimitives.FusedMultiplyAdd(velocity, beta, updates, updates);  // β·v − η·g
        }
        else
            velocity.CopyTo(updates);
    }
}
