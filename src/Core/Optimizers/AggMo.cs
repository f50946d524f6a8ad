using System.Collections.Immutable;
using System.Numerics;
using System.Numerics.Tensors;

namespace Momentum.Optimizers;

/// <summary>
/// Aggregated momentum (Lucas, Sun, Zemel, Grosse, "Aggregated Momentum: Stability Through Passive Damping", ICLR 2019,
/// eq. 2; the authors' PyTorch <c>AggMo</c>): K velocities with their own damping, averaged,
/// <code>
/// b⁽ⁱ⁾ ← β⁽ⁱ⁾·b⁽ⁱ⁾ + g   for i = 1 … K
/// x ← x − (γ/K)·Σᵢ b⁽ⁱ⁾
/// </code>
/// With one β it is heavy ball with η = γ. The paper's default betas are 0, 0.9, 0.99.
/// </summary>
/// <remarks>
/// State: the vectors "trace0" … "trace{K−1}" (starting at 0). As the reference: <c>buf.mul_(β).add_(g)</c> rounds β·b
/// first, and the step subtracts each buffer in turn, x ← fma(b⁽ⁱ⁾, −γ/K, x); as an update, u accumulates the same terms
/// from 0.
/// </remarks>
[Kind("aggmo")]
public sealed record AggMo : GradientTransformation
{
    /// <summary>Creates the transformation, checking every hyperparameter.</summary>
    /// <param name="learningRate">γ ≥ 0.</param>
    /// <param name="betas">β⁽¹⁾ … β⁽ᴷ⁾, each in [0, 1), at least one.</param>
    /// <exception cref="HyperparameterException">A hyperparameter is outside its range.</exception>
    public AggMo(Schedule learningRate, ImmutableArray<double> betas)
    {
        LearningRate = learningRate;
        Betas = betas;
    }

    /// <summary>γ ≥ 0.</summary>
    public Schedule LearningRate { get; init => field = Require.In(value, ValueRange.NonNegative, nameof(AggMo), nameof(LearningRate)); }

    /// <summary>β⁽¹⁾ … β⁽ᴷ⁾.</summary>
    public ImmutableArray<double> Betas
    {
        get;
        init
        {
            if (value.IsDefaultOrEmpty) throw new HyperparameterException(nameof(AggMo), nameof(Betas), 0, "needs at least one momentum");
            foreach (var beta in value) Require.In(beta, ValueRange.UnitInterval, nameof(AggMo), nameof(Betas));
            field = value;
            shape = StateShape.Of(Enumerable.Range(0, value.Length).Select(i => $"trace{i}"));
        }
    }

    /// <inheritdoc />
    public override StateShape Shape => shape;

    private readonly StateShape shape = StateShape.Empty;

    /// <inheritdoc />
    public override void Update<T>(Span<T> updates, StateBuffers<T> state, ReadOnlySpan<T> parameters, long step)
    {
        var weight = Advance<T>(updates, state, step);
        updates.Clear();
        for (var k = 0; k < Betas.Length; k++) TensorPrimitives.FusedMultiplyAdd(state.Vector(k), weight, updates, updates);
    }

    /// <inheritdoc />
    public override void Step<T>(Span<T> gradient, StateBuffers<T> state, Span<T> parameters, long step)
    {
        var weight = Advance<T>(gradient, state, step);
        for (var k = 0; k < Betas.Length; k++) TensorPrimitives.FusedMultiplyAdd(state.Vector(k), weight, parameters, parameters);
    }

    private T Advance<T>(ReadOnlySpan<T> gradient, StateBuffers<T> state, long step)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var rate = Require.At(LearningRate, step, ValueRange.NonNegative, nameof(AggMo), nameof(LearningRate));
        for (var k = 0; k < Betas.Length; k++)
            TensorPrimitives.MultiplyAdd(state.Vector(k), T.CreateChecked(Betas[k]), gradient, state.Vector(k));
        return T.CreateChecked(-rate / Betas.Length);
    }

    /// <inheritdoc />
    public bool Equals(AggMo? other) => other is not null && LearningRate.Equals(other.LearningRate) && Betas.SequenceEqual(other.Betas);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(LearningRate, Betas.Length);

    /// <inheritdoc />
    protected override bool PrintMembers(System.Text.StringBuilder builder)
    {
        builder.Append("LearningRate = ").Append(LearningRate).Append(", Betas = [")
            .AppendJoin(", ", Betas.Select(Show.Number)).Append(']');
        return true;
    }
}
