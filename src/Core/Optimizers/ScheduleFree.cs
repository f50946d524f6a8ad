using System.Collections.Immutable;
using System.Numerics;

namespace Momentum.Optimizers;

/// <summary>
/// Schedule-Free SGD (Defazio, Yang, Mehta, Mishchenko, Khaled, Cutkosky, "The Road Less Scheduled", NeurIPS 2024,
/// eq. 1–3; <c>SGDScheduleFreeReference</c> of facebookresearch/schedule_free): the gradient is taken at
/// y = (1 − β)z + βx, and with the step size γ_t (linear warmup over W steps),
/// <code>
/// z ← z − γ_t·(g + λ·y)
/// x ← (1 − c)·x + c·z,   c = w_t / Σ_{i≤t} w_i,   w_t = (t + 1)^r · (max_{i≤t} γ_i)^p
/// y ← β·x + (1 − β)·z    (the new parameters)
/// </code>
/// The parameters the optimizer works on are y; evaluate the model at x (<see cref="EvaluationPoint{T}"/>).
/// </summary>
/// <remarks>
/// State: the vectors "z" and "x" (both x₀ at the start) and the scalars "lr_max" and "weight_sum". Operations follow the
/// reference: <c>z.sub_(grad, alpha=lr)</c> is fma(g, −γ, z); <c>x.mul_(1 − c).add_(z, alpha=c)</c> is fma(z, c, (1 − c)x);
/// y = fma(z, 1 − β, β·x). As an update (not a step) the new y is reached as y + (y' − y).
/// </remarks>
public sealed record ScheduleFree : GradientTransformation
{
    /// <summary>Creates the transformation, checking every hyperparameter.</summary>
    /// <param name="learningRate">γ ≥ 0 (after warmup).</param>
    /// <param name="momentum">β ∈ (0, 1), the interpolation between z and x.</param>
    /// <param name="weightDecay">λ ≥ 0, added to the gradient at y.</param>
    /// <param name="warmupSteps">W ≥ 0: γ_t = γ·(t + 1)/W for t &lt; W.</param>
    /// <param name="weightPower">p ≥ 0, the power of the largest step size in the averaging weights (the reference's 2).</param>
    /// <param name="r">r ≥ 0, polynomial weighting of the average (the reference's 0).</param>
    /// <exception cref="HyperparameterException">A hyperparameter is outside its range.</exception>
    public ScheduleFree(double learningRate, double momentum = 0.9, double weightDecay = 0, long warmupSteps = 0, double weightPower = 2, double r = 0)
    {
        LearningRate = learningRate;
        Momentum = momentum;
        WeightDecay = weightDecay;
        WarmupSteps = warmupSteps;
        WeightPower = weightPower;
        R = r;
    }

    private static readonly StateShape State = StateShape.Of(["z", EvaluationVector], ["lr_max", "weight_sum"]);

    /// <summary>γ ≥ 0.</summary>
    public double LearningRate { get; init => field = Require.In(value, ValueRange.NonNegative, nameof(ScheduleFree), nameof(LearningRate)); }

    /// <summary>β ∈ (0, 1).</summary>
    public double Momentum { get; init => field = Require.In(value, ValueRange.OpenUnitInterval, nameof(ScheduleFree), nameof(Momentum)); }

    /// <summary>λ ≥ 0.</summary>
    public double WeightDecay { get; init => field = Require.In(value, ValueRange.NonNegative, nameof(ScheduleFree), nameof(WeightDecay)); }

    /// <summary>W ≥ 0.</summary>
    public long WarmupSteps { get; init => field = Require.AtLeast(value, 0, nameof(ScheduleFree), nameof(WarmupSteps)); }

    /// <summary>p ≥ 0.</summary>
    public double WeightPower { get; init => field = Require.In(value, ValueRange.NonNegative, nameof(ScheduleFree), nameof(WeightPower)); }

    /// <summary>r ≥ 0.</summary>
    public double R { get; init => field = Require.In(value, ValueRange.NonNegative, nameof(ScheduleFree), nameof(R)); }

    /// <inheritdoc />
    public override StateShape Shape => State;

    /// <summary>x, the point to evaluate the model at, held in <paramref name="state"/>.</summary>
    public static ImmutableArray<T> EvaluationPoint<T>(TransformState<T> state)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(state);
        return state.Vector(EvaluationVector);
    }

    /// <summary>The name of the state's vector x, the averaged iterate.</summary>
    internal const string EvaluationVector = "x";

    /// <inheritdoc />
    public override void Init<T>(ReadOnlySpan<T> parameters, StateBuffers<T> state)
    {
        parameters.CopyTo(state.Vector(0));
        parameters.CopyTo(state.Vector(1));
        state.Scalar(0) = -1;   // lr_max, as the reference starts it
        state.Scalar(1) = 0;
    }

    /// <inheritdoc />
    public override void Update<T>(Span<T> updates, StateBuffers<T> state, ReadOnlySpan<T> parameters, long step)
    {
        var (lr, c) = Advance(state, step);
        Iterate(updates, state.Vector(0), state.Vector(1), parameters, lr, c, (y, next) => next - y, updates);
    }

    /// <inheritdoc />
    public override void Step<T>(Span<T> gradient, StateBuffers<T> state, Span<T> parameters, long step)
    {
        var (lr, c) = Advance(state, step);
        Iterate(gradient, state.Vector(0), state.Vector(1), parameters, lr, c, (_, next) => next, parameters);
    }

    // The scheduled step size and the averaging coefficient c of this step; advances lr_max and the weight sum.
    private (double Rate, double Coefficient) Advance<T>(StateBuffers<T> state, long step)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var rate = step < WarmupSteps ? LearningRate * (step + 1) / WarmupSteps : LearningRate;
        ref var lrMax = ref state.Scalar(0);
        ref var weightSum = ref state.Scalar(1);
        lrMax = Math.Max(rate, lrMax);
        var weight = Math.Pow(step + 1, R) * Math.Pow(lrMax, WeightPower);
        weightSum += weight;
        return (rate, weightSum == 0 ? 0 : weight / weightSum);
    }

    private void Iterate<T>(ReadOnlySpan<T> gradient, Span<T> z, Span<T> x, ReadOnlySpan<T> y, double rate, double c,
        Func<T, T, T> result, Span<T> destination)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var (negativeRate, decay) = (T.CreateChecked(-rate), T.CreateChecked(WeightDecay));
        var (keep, take) = (T.CreateChecked(1 - c), T.CreateChecked(c));
        var (beta, other) = (T.CreateChecked(Momentum), T.CreateChecked(1 - Momentum));
        for (var i = 0; i < z.Length; i++)
        {
            var g = WeightDecay != 0 ? T.FusedMultiplyAdd(y[i], decay, gradient[i]) : gradient[i];
            z[i] = T.FusedMultiplyAdd(g, negativeRate, z[i]);
            x[i] = T.FusedMultiplyAdd(z[i], take, keep * x[i]);
            destination[i] = result(y[i], T.FusedMultiplyAdd(z[i], other, beta * x[i]));
        }
    }
}
