using System.Numerics;

namespace Momentum.Optimizers;

/// <summary>
/// Lookahead (Zhang, Lucas, Hinton, Ba, "Lookahead Optimizer: k steps forward, 1 step back", NeurIPS 2019, Algorithm 1):
/// the inner optimizer takes k fast steps from the slow weights φ, then φ ← φ + α(x − φ) and the fast weights restart
/// there, x ← φ (Optax's <c>lookahead</c>, with the slow weights kept in the state).
/// </summary>
/// <remarks>
/// State: the vector "slow" (φ, starting at x₀), then the inner state prefixed "inner.". The inner optimizer's state is
/// kept across synchronisations (the paper's default). As an update (not a step) the synchronised parameters are
/// reached as x + (φ − x), within a rounding of φ.
/// </remarks>
public sealed record Lookahead : GradientTransformation
{
    /// <summary>Creates the transformation, checking every hyperparameter.</summary>
    /// <param name="inner">The fast optimizer.</param>
    /// <param name="syncPeriod">k ≥ 1, fast steps per slow step.</param>
    /// <param name="slowStepSize">α ∈ (0, 1].</param>
    /// <exception cref="HyperparameterException">A hyperparameter is outside its range.</exception>
    public Lookahead(IGradientTransformation inner, int syncPeriod = 5, double slowStepSize = 0.5)
    {
        Inner = inner;
        SyncPeriod = syncPeriod;
        SlowStepSize = slowStepSize;
    }

    /// <summary>The fast optimizer.</summary>
    public IGradientTransformation Inner
    {
        get;
        init
        {
            field = value ?? throw new ArgumentNullException(nameof(Inner));
            shape = StateShape.Wrapping(value.Shape, ["slow"]);
        }
    }

    private readonly StateShape shape = StateShape.Empty;

    /// <summary>k, fast steps per slow step.</summary>
    public int SyncPeriod { get; init => field = Require.AtLeast(value, 1, nameof(Lookahead), nameof(SyncPeriod)); }

    /// <summary>α ∈ (0, 1].</summary>
    public double SlowStepSize { get; init => field = Require.In(value, new ValueRange(0, false, 1, true), nameof(Lookahead), nameof(SlowStepSize)); }

    /// <inheritdoc />
    public override StateShape Shape => shape;

    /// <inheritdoc />
    public override void Init<T>(ReadOnlySpan<T> parameters, StateBuffers<T> state)
    {
        parameters.CopyTo(state.Vector(0));
        Inner.Init(parameters, InnerState(state));
    }

    /// <inheritdoc />
    public override void Update<T>(Span<T> updates, StateBuffers<T> state, ReadOnlySpan<T> parameters, long step)
    {
        Inner.Update(updates, InnerState(state), parameters, step);
        if ((step + 1) % SyncPeriod != 0) return;
        var slow = state.Vector(0);
        var alpha = T.CreateChecked(SlowStepSize);
        for (var i = 0; i < slow.Length; i++)
        {
            slow[i] += alpha * (parameters[i] + updates[i] - slow[i]);
            updates[i] = slow[i] - parameters[i];
        }
    }

    /// <inheritdoc />
    public override void Step<T>(Span<T> gradient, StateBuffers<T> state, Span<T> parameters, long step)
    {
        Inner.Step(gradient, InnerState(state), parameters, step);
        if ((step + 1) % SyncPeriod != 0) return;
        var slow = state.Vector(0);
        var alpha = T.CreateChecked(SlowStepSize);
        for (var i = 0; i < slow.Length; i++)
        {
            slow[i] += alpha * (parameters[i] - slow[i]);   // φ ← φ + α(x − φ)
            parameters[i] = slow[i];                        // x ← φ
        }
    }

    private StateBuffers<T> InnerState<T>(StateBuffers<T> state)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        state.Slice(1, 0, Inner.Shape);
}
