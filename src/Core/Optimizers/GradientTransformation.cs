using System.Buffers;
using System.Collections.Immutable;
using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Momentum.Kernels;

namespace Momentum.Optimizers;

/// <summary>
/// A gradient transformation in Optax's shape (Babuschkin et al., "The DeepMind JAX Ecosystem", 2020; Optax's
/// <c>GradientTransformation</c>): a state whose names are its <see cref="Shape"/>, and a pure pair
/// <c>Init(x) → state</c>, <c>Update(g, state, x) → (u, state')</c>, here at the span level (caller-owned buffers, in
/// place). The record level (<see cref="TransformationExtensions"/>: <c>Init</c>, <c>Update</c>, <c>Start</c>,
/// <c>Step</c> on immutable values) is built on these members for every implementation.
/// </summary>
/// <remarks>
/// In C#, derive from the record <see cref="GradientTransformation"/>; in F#, implement this interface (an F# record
/// implementing it compares and serialises by its fields). Only <see cref="Update{T}"/> and <see cref="Shape"/> must be
/// written: <see cref="Init{T}"/> defaults to a zero state and <see cref="Step{T}"/> to update-then-add.
/// </remarks>
public interface IGradientTransformation
{
    /// <summary>The names of the state's vectors and scalars; fixed by the hyperparameters, whatever the number of parameters.</summary>
    StateShape Shape { get; }

    /// <summary>Writes the initial state for <paramref name="parameters"/> into <paramref name="state"/>; by default every value 0.</summary>
    /// <param name="parameters">x₀.</param>
    /// <param name="state">Buffers of <see cref="Shape"/> for <c>parameters.Length</c> parameters; every value is written.</param>
    void Init<T>(ReadOnlySpan<T> parameters, StateBuffers<T> state)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        Defaults.Init(state);

    /// <summary>
    /// Transforms <paramref name="updates"/> in place (on entry the incoming updates — the gradient, for the first link —
    /// on exit the outgoing ones) and advances <paramref name="state"/> in place.
    /// </summary>
    /// <param name="updates">The updates, transformed in place.</param>
    /// <param name="state">The state after <paramref name="step"/> updates; advanced in place.</param>
    /// <param name="parameters">x, the parameters the updates will be applied to.</param>
    /// <param name="step">t, the number of updates made before this one: where schedules are read.</param>
    void Update<T>(Span<T> updates, StateBuffers<T> state, ReadOnlySpan<T> parameters, long step)
        where T : unmanaged, IFloatingPointIeee754<T>;

    /// <summary>
    /// One optimizer step in place: the update of <paramref name="gradient"/> applied to <paramref name="parameters"/>,
    /// x ← x + u (by default <see cref="Update{T}"/>, then the addition).
    /// </summary>
    /// <param name="gradient">g on entry; may be overwritten (it serves as the update buffer).</param>
    /// <param name="state">The state after <paramref name="step"/> steps; advanced in place.</param>
    /// <param name="parameters">x, updated in place.</param>
    /// <param name="step">t, the number of steps taken before this one.</param>
    void Step<T>(Span<T> gradient, StateBuffers<T> state, Span<T> parameters, long step)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        Defaults.Step(this, gradient, state, parameters, step);
}

/// <summary>
/// A gradient transformation in Optax's shape (Babuschkin et al., "The DeepMind JAX Ecosystem", 2020; Optax's
/// <c>GradientTransformation</c>): hyperparameters as the properties of an immutable record, a state, and a pure pair
/// <c>Init(x) → state</c>, <c>Update(g, state, x) → (u, state')</c>. Optimizers are transformations too, usually
/// compositions: heavy ball is <c>Chain(Trace(β), ScaleByLearningRate(η))</c>, whose update is u = −η·v.
/// </summary>
/// <remarks>
/// <para>
/// Two levels compute the same bits. The <b>span level</b> (<see cref="Init{T}(ReadOnlySpan{T}, StateBuffers{T})"/>,
/// <see cref="Update{T}(Span{T}, StateBuffers{T}, ReadOnlySpan{T}, long)"/>,
/// <see cref="Step{T}(Span{T}, StateBuffers{T}, Span{T}, long)"/>) works in caller-owned buffers, in place, allocating
/// nothing; a transformation implements these. The <b>record level</b>
/// (<see cref="TransformationExtensions"/>: <c>Init(x)</c>, <c>Update(g, state, x)</c>, <c>Start(x)</c>, <c>Step(state, g)</c>)
/// takes immutable values and returns new ones, by running the span level on fresh copies; inputs are never modified,
/// except by <c>StepDonating(state, g)</c>, which computes <c>Step</c>'s result in the arrays of the state it is given.
/// </para>
/// <para>
/// A <b>step</b> applies an update to the parameters: x ← x + u. A transformation may compute its step more directly
/// than update-then-add, as long as the result is x + u up to the rounding it documents: <see cref="ScaleByLearningRate"/>
/// (and so every chain ending in it) steps with one fused multiply-add, x ← fma(d, −η, x), as PyTorch's
/// <c>param.add_(d_p, alpha=-lr)</c> does, and <see cref="Sgd"/> steps with a single fused pass over memory.
/// </para>
/// <para>
/// Every hyperparameter may be a <see cref="Schedule"/>: its value for an update is read at the state's count t, the
/// number of updates made before it. A user-defined transformation is one small record: its hyperparameters, its
/// <see cref="Shape"/>, and an override of the span-level <see cref="Update{T}(Span{T}, StateBuffers{T}, ReadOnlySpan{T}, long)"/>
/// (and of <see cref="Init{T}(ReadOnlySpan{T}, StateBuffers{T})"/> when its state does not start at zero).
/// </para>
/// <para>
/// Aliasing at the span level: <c>updates</c>, the state's buffers and <c>parameters</c> must not overlap one another.
/// </para>
/// </remarks>
public abstract record GradientTransformation : IGradientTransformation
{
    /// <summary>The names of the state's vectors and scalars; fixed by the hyperparameters, whatever the number of parameters.</summary>
    public abstract StateShape Shape { get; }

    /// <summary>Prints nothing of its own: a transformation prints its hyperparameters, not its state's shape.</summary>
    protected virtual bool PrintMembers(System.Text.StringBuilder builder) => false;

    // ----- span level: what a transformation implements -----

    /// <summary>Writes the initial state for <paramref name="parameters"/> into <paramref name="state"/>; by default every value 0.</summary>
    /// <param name="parameters">x₀.</param>
    /// <param name="state">Buffers of <see cref="Shape"/> for <c>parameters.Length</c> parameters; every value is written.</param>
    public virtual void Init<T>(ReadOnlySpan<T> parameters, StateBuffers<T> state)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        Defaults.Init(state);

    /// <summary>
    /// Transforms <paramref name="updates"/> in place (on entry the incoming updates — the gradient, for the first link —
    /// on exit the outgoing ones) and advances <paramref name="state"/> in place.
    /// </summary>
    /// <param name="updates">The updates, transformed in place.</param>
    /// <param name="state">The state after <paramref name="step"/> updates; advanced in place.</param>
    /// <param name="parameters">x, the parameters the updates will be applied to.</param>
    /// <param name="step">t, the number of updates made before this one: where schedules are read.</param>
    public abstract void Update<T>(Span<T> updates, StateBuffers<T> state, ReadOnlySpan<T> parameters, long step)
        where T : unmanaged, IFloatingPointIeee754<T>;

    /// <summary>
    /// One optimizer step in place: the update of <paramref name="gradient"/> applied to <paramref name="parameters"/>,
    /// x ← x + u (by default <see cref="Update{T}(Span{T}, StateBuffers{T}, ReadOnlySpan{T}, long)"/>, then the addition).
    /// </summary>
    /// <param name="gradient">g on entry; may be overwritten (it serves as the update buffer).</param>
    /// <param name="state">The state after <paramref name="step"/> steps; advanced in place.</param>
    /// <param name="parameters">x, updated in place.</param>
    /// <param name="step">t, the number of steps taken before this one.</param>
    public virtual void Step<T>(Span<T> gradient, StateBuffers<T> state, Span<T> parameters, long step)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        Defaults.Step(this, gradient, state, parameters, step);

    /// <summary>
    /// One step from one set of buffers into another, for the record level: fresh arrays every step, or the inputs
    /// themselves (the donating step passes each output as the same span as its input, and the gradient may be the
    /// parameters' span: an override reads each gradient element before it writes that element of x). By default a copy
    /// of the inputs stepped in place; a transformation with an out-of-place kernel overrides it to read each input once.
    /// Computes the bits of <see cref="Step{T}(Span{T}, StateBuffers{T}, Span{T}, long)"/>.
    /// </summary>
    internal virtual void StepInto<T>(ReadOnlySpan<T> parameters, ReadOnlySpan<T> vectors, ReadOnlySpan<double> scalars, ReadOnlySpan<T> gradient,
        Span<T> parametersOut, Span<T> vectorsOut, Span<double> scalarsOut, long step)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        Defaults.StepInto(this, parameters, vectors, scalars, gradient, parametersOut, vectorsOut, scalarsOut, step);
}

/// <summary>What a transformation does when it does not say otherwise (shared by the interface and the record).</summary>
internal static class Defaults
{
    /// <summary>A zero state.</summary>
    public static void Init<T>(StateBuffers<T> state)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        state.Vectors.Clear();
        state.Scalars.Clear();
    }

    /// <summary>
    /// Copies the inputs into the outputs (unless they are the same spans) and steps them in place, the gradient copied
    /// into a scratch buffer from the shared pool (its contents never reach a result: every element used is copied in first).
    /// </summary>
    public static void StepInto<T>(IGradientTransformation transformation, ReadOnlySpan<T> parameters, ReadOnlySpan<T> vectors, ReadOnlySpan<double> scalars,
        ReadOnlySpan<T> gradient, Span<T> parametersOut, Span<T> vectorsOut, Span<double> scalarsOut, long step)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (parameters != parametersOut) parameters.CopyTo(parametersOut);
        if (vectors != vectorsOut) vectors.CopyTo(vectorsOut);
        if (scalars != scalarsOut) scalars.CopyTo(scalarsOut);
        // The span level may overwrite its gradient; the caller's is only read, so the step works on a pooled copy.
        var pooled = ArrayPool<T>.Shared.Rent(gradient.Length);
        try
        {
            var scratch = pooled.AsSpan(0, gradient.Length);
            gradient.CopyTo(scratch);
            transformation.Step<T>(scratch, new StateBuffers<T>(vectorsOut, scalarsOut, parameters.Length), parametersOut, step);
        }
        finally
        {
            ArrayPool<T>.Shared.Return(pooled);
        }
    }

    /// <summary>The update, then x ← x + u.</summary>
    public static void Step<T>(IGradientTransformation transformation, Span<T> gradient, StateBuffers<T> state, Span<T> parameters, long step)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        transformation.Update(gradient, state, parameters, step);
        TensorPrimitives.Add(parameters, gradient, parameters);
    }
}

/// <summary>
/// The record level of every <see cref="IGradientTransformation"/>: immutable values in, new values out, by running the
/// span level on fresh copies; nothing passed in is modified (but for the state given to <c>StepDonating</c>). <c>Init</c>
/// and <c>Update</c> are Optax's pair; <c>Start</c> and <c>Step</c> carry the parameters along, for folds.
/// </summary>
public static class TransformationExtensions
{

    /// <summary>The initial state for <paramref name="parameters"/> (Optax's <c>init</c>).</summary>
    [OverloadResolutionPriority(1)] // collection expressions ([1.0, 2.0]) take the span overload
    public static TransformState<T> Init<T>(this IGradientTransformation transformation, ReadOnlySpan<T> parameters)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(transformation);
        var shape = transformation.Shape;
        var vectors = new T[shape.VectorLength(parameters.Length)];
        var scalars = new double[shape.Scalars.Length];
        transformation.Init(parameters, new StateBuffers<T>(vectors, scalars, parameters.Length));
        return TransformState<T>.Wrap(shape, parameters.Length, vectors, scalars, 0);
    }

    /// <summary>
    /// The update for <paramref name="gradient"/> and the next state (Optax's <c>update</c>); nothing passed in is modified.
    /// </summary>
    /// <param name="transformation">The transformation.</param>
    /// <param name="gradient">g.</param>
    /// <param name="state">The state after <c>state.Count</c> updates.</param>
    /// <param name="parameters">x.</param>
    /// <returns>u, to be added to x, and the state with its count one higher.</returns>
    /// <exception cref="ArgumentException">The lengths differ, or the state is not of this transformation's shape.</exception>
    [OverloadResolutionPriority(1)] // collection expressions ([1.0, 2.0]) take the span overload
    public static (ImmutableArray<T> Updates, TransformState<T> State) Update<T>(this IGradientTransformation transformation, ReadOnlySpan<T> gradient, TransformState<T> state, ReadOnlySpan<T> parameters)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        RequireState(transformation, state, parameters.Length);
        SpanChecks.RequireLength(gradient.Length, parameters.Length, nameof(gradient));
        var updates = gradient.ToArray();
        var (vectors, scalars) = (state.Vectors.ToArray(), state.Scalars.ToArray());
        transformation.Update<T>(updates, new StateBuffers<T>(vectors, scalars, parameters.Length), parameters, state.Count);
        return (ImmutableCollectionsMarshal.AsImmutableArray(updates), state.Next(vectors, scalars));
    }

    /// <summary>x + u elementwise (Optax's <c>apply_updates</c>).</summary>
    public static ImmutableArray<T> ApplyUpdates<T>(ReadOnlySpan<T> parameters, ReadOnlySpan<T> updates)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        SpanChecks.RequireLength(updates.Length, parameters.Length, nameof(updates));
        var result = new T[parameters.Length];
        TensorPrimitives.Add(parameters, updates, result);
        return ImmutableCollectionsMarshal.AsImmutableArray(result);
    }

    /// <summary>
    /// The averaged iterate an optimizer keeps beside its parameters, the point to evaluate a model at: x̄ of a
    /// <see cref="ParameterAverage"/> (EMA, Polyak) or x of <see cref="ScheduleFree"/>, wherever either sits in the
    /// optimizer (a chain or a wrapper prefixes the vector's name: "1.average", "inner.x"); the first one found, or null
    /// when the optimizer keeps none.
    /// </summary>
    public static ImmutableArray<T>? AveragedIterate<T>(this OptimizerState<T> state)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(state);
        foreach (var name in state.Transform.Shape.Vectors)
            if (name.Split('.')[^1] is ParameterAverage.AverageVector or ScheduleFree.EvaluationVector)
                return state.Transform.Vector(name);
        return null;
    }

    /// <summary>An optimizer's state before its first step: x₀ and <see cref="Init{T}(IGradientTransformation, ReadOnlySpan{T})"/>.</summary>
    [OverloadResolutionPriority(1)] // collection expressions ([1.0, 2.0]) take the span overload
    public static OptimizerState<T> Start<T>(this IGradientTransformation transformation, ReadOnlySpan<T> parameters)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        new(parameters.ToImmutableArray(), transformation.Init(parameters));

    /// <summary>
    /// One optimizer step: the next parameters and state (<see cref="IGradientTransformation.Step{T}"/> on copies); nothing
    /// passed in is modified.
    /// </summary>
    /// <param name="transformation">The optimizer.</param>
    /// <param name="state">The current parameters and state.</param>
    /// <param name="gradient">g, the gradient at <c>state.Parameters</c>.</param>
    /// <param name="policy">What a gradient holding NaN or ±∞ does.</param>
    /// <returns>The next state; or, when a non-finite gradient is skipped, this state with one more skipped step.</returns>
    /// <exception cref="ArgumentException">The gradient's length differs from the parameters', or the state is not of this transformation's shape.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The policy is <see cref="NonFinitePolicy.Stop"/> (a single step throws or skips).</exception>
    /// <exception cref="NonFiniteGradientException">The gradient is not finite and the policy is <see cref="NonFinitePolicy.Throw"/>.</exception>
    /// <exception cref="InvalidOperationException"><paramref name="state"/> was donated (<see cref="StepDonating{T}(IGradientTransformation, OptimizerState{T}, ReadOnlySpan{T}, NonFinitePolicy)"/>).</exception>
    [OverloadResolutionPriority(1)] // collection expressions ([1.0, 2.0]) take the span overload
    public static OptimizerState<T> Step<T>(this IGradientTransformation transformation, OptimizerState<T> state, ReadOnlySpan<T> gradient, NonFinitePolicy policy = NonFinitePolicy.Throw)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (!Admit(transformation, state, gradient, policy)) return state with { SkippedSteps = state.SkippedSteps + 1 };
        return Fresh(transformation, state.Parameters, state.Transform, state.SkippedSteps, gradient);
    }

    /// <summary>
    /// One optimizer step that donates <paramref name="state"/> to the next one, as JAX donates a jitted function's
    /// arguments (<c>jax.jit(…, donate_argnums=…)</c>): the result is the state <see cref="Step{T}(IGradientTransformation, OptimizerState{T}, ReadOnlySpan{T}, NonFinitePolicy)"/>
    /// returns, bit for bit, but computed in <paramref name="state"/>'s own arrays, so a fold allocates no vectors (only
    /// a few small objects); for <see cref="Sgd"/> it runs at 1.2–1.7 × the span level's time (docs/PERFORMANCE.md,
    /// <c>RecordLevelBenchmarks</c>). For folds that never look back: <c>state = optimizer.StepDonating(state, g)</c>.
    /// </summary>
    /// <remarks>
    /// Once donated, <paramref name="state"/> refuses to be read (<see cref="InvalidOperationException"/>), and so do its
    /// <c>with</c> copies and what <c>Step</c> returned for it when it skipped a gradient, which share its arrays. Anything
    /// else that shares them sees the new values: what was read from the state before (its
    /// <see cref="OptimizerState{T}.Parameters"/>, its <see cref="OptimizerState{T}.Transform"/>, their vectors) and a state
    /// constructed from those. Copy what you keep (<c>ToArray()</c>) before donating. When the step refuses its inputs
    /// (wrong length or shape, a non-finite gradient under <see cref="NonFinitePolicy.Throw"/>, a donated state), nothing
    /// was written and <paramref name="state"/> stays usable; when a hyperparameter or schedule throws during the step,
    /// the state is donated and lost. The gradient may be the state's own parameters (every step reads an element of the
    /// gradient before it writes that element of x, or works on a copy of the gradient).
    /// </remarks>
    /// <param name="transformation">The optimizer.</param>
    /// <param name="state">The current parameters and state, donated to the result.</param>
    /// <param name="gradient">g, the gradient at <c>state.Parameters</c>; only read.</param>
    /// <param name="policy">What a gradient holding NaN or ±∞ does.</param>
    /// <returns>The next state; or, when a non-finite gradient is skipped, the same values with one more skipped step.</returns>
    /// <exception cref="ArgumentException">The gradient's length differs from the parameters', or the state is not of this transformation's shape.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The policy is <see cref="NonFinitePolicy.Stop"/> (a single step throws or skips).</exception>
    /// <exception cref="NonFiniteGradientException">The gradient is not finite and the policy is <see cref="NonFinitePolicy.Throw"/>.</exception>
    /// <exception cref="InvalidOperationException"><paramref name="state"/> was donated already.</exception>
    [OverloadResolutionPriority(1)] // collection expressions ([1.0, 2.0]) take the span overload
    public static OptimizerState<T> StepDonating<T>(this IGradientTransformation transformation, OptimizerState<T> state, ReadOnlySpan<T> gradient, NonFinitePolicy policy = NonFinitePolicy.Throw)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var admitted = Admit(transformation, state, gradient, policy);
        var (parameters, transform, skipped) = (state.Parameters, state.Transform, state.SkippedSteps);
        state.Donate(transform.Count);
        if (!admitted) return new(parameters, transform, skipped + 1);
        var x = ImmutableCollectionsMarshal.AsArray(parameters)!;
        var vectors = ImmutableCollectionsMarshal.AsArray(transform.Vectors)!;
        var scalars = ImmutableCollectionsMarshal.AsArray(transform.Scalars)!;
        // A state built by hand from one array for two roles (x and a vector) cannot be stepped in place.
        if (Shared(MemoryMarshal.AsBytes(x.AsSpan()), MemoryMarshal.AsBytes(vectors.AsSpan()), MemoryMarshal.AsBytes(scalars.AsSpan())))
            return Fresh(transformation, parameters, transform, skipped, gradient);
        StepInto<T>(transformation, x, vectors, scalars, gradient, x, vectors, scalars, transform.Count);
        return new(parameters, transform.Next(vectors, scalars), skipped);
    }

    private static bool Shared(ReadOnlySpan<byte> x, ReadOnlySpan<byte> vectors, ReadOnlySpan<byte> scalars) =>
        x.Overlaps(vectors) || x.Overlaps(scalars) || vectors.Overlaps(scalars);

    // The next state in fresh arrays.
    private static OptimizerState<T> Fresh<T>(IGradientTransformation transformation, ImmutableArray<T> parameters, TransformState<T> transform, long skipped, ReadOnlySpan<T> gradient)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var x = GC.AllocateUninitializedArray<T>(parameters.Length);
        var vectors = GC.AllocateUninitializedArray<T>(transform.Vectors.Length);
        var scalars = new double[transform.Scalars.Length];
        StepInto(transformation, parameters.AsSpan(), transform.Vectors.AsSpan(), transform.Scalars.AsSpan(), gradient, x, vectors, scalars, transform.Count);
        return new(ImmutableCollectionsMarshal.AsImmutableArray(x), transform.Next(vectors, scalars), skipped);
    }

    // The checks every record-level step makes before it computes: false when a non-finite gradient is to be skipped.
    private static bool Admit<T>(IGradientTransformation transformation, OptimizerState<T> state, ReadOnlySpan<T> gradient, NonFinitePolicy policy)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(state);
        if (policy is not (NonFinitePolicy.Throw or NonFinitePolicy.Skip))
            throw new ArgumentOutOfRangeException(nameof(policy), policy, "a single step throws or skips; Stop is for folds (Trainer, Trajectory).");
        var n = state.Parameters.Length;
        RequireState(transformation, state.Transform, n);
        SpanChecks.RequireLength(gradient.Length, n, nameof(gradient));
        var bad = NonFinite.IndexOfFirst(gradient);
        if (bad < 0) return true;
        if (policy == NonFinitePolicy.Skip) return false;
        throw new NonFiniteGradientException(bad, double.CreateChecked(gradient[bad]), state.Step);
    }

    // One step from the inputs into the outputs, which may be the same spans (the donating step) or fresh ones.
    private static void StepInto<T>(IGradientTransformation transformation, ReadOnlySpan<T> parameters, ReadOnlySpan<T> vectors, ReadOnlySpan<double> scalars,
        ReadOnlySpan<T> gradient, Span<T> parametersOut, Span<T> vectorsOut, Span<double> scalarsOut, long step)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (transformation is GradientTransformation record)
            record.StepInto(parameters, vectors, scalars, gradient, parametersOut, vectorsOut, scalarsOut, step);
        else
            Defaults.StepInto(transformation, parameters, vectors, scalars, gradient, parametersOut, vectorsOut, scalarsOut, step);
    }

    /// <inheritdoc cref="Init{T}(IGradientTransformation, ReadOnlySpan{T})"/>
    public static TransformState<T> Init<T>(this IGradientTransformation transformation, T[] parameters)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        transformation.Init(new ReadOnlySpan<T>(parameters));

    /// <inheritdoc cref="Init{T}(IGradientTransformation, ReadOnlySpan{T})"/>
    public static TransformState<T> Init<T>(this IGradientTransformation transformation, ImmutableArray<T> parameters)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        transformation.Init(parameters.AsSpan());

    /// <inheritdoc cref="Update{T}(IGradientTransformation, ReadOnlySpan{T}, TransformState{T}, ReadOnlySpan{T})"/>
    public static (ImmutableArray<T> Updates, TransformState<T> State) Update<T>(this IGradientTransformation transformation, T[] gradient, TransformState<T> state, T[] parameters)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        transformation.Update(new ReadOnlySpan<T>(gradient), state, new ReadOnlySpan<T>(parameters));

    /// <inheritdoc cref="Update{T}(IGradientTransformation, ReadOnlySpan{T}, TransformState{T}, ReadOnlySpan{T})"/>
    public static (ImmutableArray<T> Updates, TransformState<T> State) Update<T>(this IGradientTransformation transformation, ImmutableArray<T> gradient, TransformState<T> state, ImmutableArray<T> parameters)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        transformation.Update(gradient.AsSpan(), state, parameters.AsSpan());

    /// <inheritdoc cref="Start{T}(IGradientTransformation, ReadOnlySpan{T})"/>
    public static OptimizerState<T> Start<T>(this IGradientTransformation transformation, T[] parameters)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        transformation.Start(new ReadOnlySpan<T>(parameters));

    /// <inheritdoc cref="Start{T}(IGradientTransformation, ReadOnlySpan{T})"/>
    public static OptimizerState<T> Start<T>(this IGradientTransformation transformation, ImmutableArray<T> parameters)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        transformation.Start(parameters.AsSpan());

    /// <inheritdoc cref="Step{T}(IGradientTransformation, OptimizerState{T}, ReadOnlySpan{T}, NonFinitePolicy)"/>
    public static OptimizerState<T> Step<T>(this IGradientTransformation transformation, OptimizerState<T> state, T[] gradient, NonFinitePolicy policy = NonFinitePolicy.Throw)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        transformation.Step(state, new ReadOnlySpan<T>(gradient), policy);

    /// <inheritdoc cref="Step{T}(IGradientTransformation, OptimizerState{T}, ReadOnlySpan{T}, NonFinitePolicy)"/>
    public static OptimizerState<T> Step<T>(this IGradientTransformation transformation, OptimizerState<T> state, ImmutableArray<T> gradient, NonFinitePolicy policy = NonFinitePolicy.Throw)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        transformation.Step(state, gradient.AsSpan(), policy);

    /// <inheritdoc cref="StepDonating{T}(IGradientTransformation, OptimizerState{T}, ReadOnlySpan{T}, NonFinitePolicy)"/>
    public static OptimizerState<T> StepDonating<T>(this IGradientTransformation transformation, OptimizerState<T> state, T[] gradient, NonFinitePolicy policy = NonFinitePolicy.Throw)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        transformation.StepDonating(state, new ReadOnlySpan<T>(gradient), policy);

    /// <inheritdoc cref="StepDonating{T}(IGradientTransformation, OptimizerState{T}, ReadOnlySpan{T}, NonFinitePolicy)"/>
    public static OptimizerState<T> StepDonating<T>(this IGradientTransformation transformation, OptimizerState<T> state, ImmutableArray<T> gradient, NonFinitePolicy policy = NonFinitePolicy.Throw)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        transformation.StepDonating(state, gradient.AsSpan(), policy);

    private static void RequireState<T>(IGradientTransformation transformation, TransformState<T> state, int length)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(state);
        if (state.Length != length)
            throw new ArgumentException($"the state is for {state.Length} parameters, but there are {length}.", nameof(state));
        ArgumentNullException.ThrowIfNull(transformation);
        if (!state.Shape.Equals(transformation.Shape))
            throw new ArgumentException($"the state's shape ({state.Shape}) is not this transformation's ({transformation.Shape}).", nameof(state));
    }
}
