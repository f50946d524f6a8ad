using System.Numerics;
using System.Numerics.Tensors;
using Momentum.Kernels;

namespace Momentum.Optimizers;

/// <summary>
/// Stochastic gradient descent with momentum exactly as <c>torch.optim.SGD</c> computes it (PyTorch documentation,
/// "SGD"; <c>torch/optim/sgd.py</c>, <c>_single_tensor_sgd</c>), bit for bit in float32 and float64:
/// <code>
/// g ← −g                            if Maximize
/// g ← g + λ_wd·x                    if WeightDecay ≠ 0   (coupled L2 decay, before momentum)
/// b ← g                             at the first step with β ≠ 0 (the buffer is not dampened)
/// b ← β·b + (1 − dampening)·g       afterwards           (β = Momentum)
/// d ← g + β·b  if Nesterov, else b  (d = g while β = 0: no buffer)
/// x ← x − η·d                       (η = LearningRate)
/// </code>
/// With dampening 0 it is the chapter's momentum method (d2l §11.6.2, eq. 11.6.2), v_t = β v_{t−1} + g_t,
/// x_t = x_{t−1} − η v_t; with β = 0, gradient descent (d2l §11.6.1).
/// </summary>
/// <remarks>
/// <para>
/// It is the composition <see cref="AsChain"/> = <c>Chain([Scale(−1)], AddDecayedWeights(λ_wd), Trace(β, dampening,
/// Nesterov), ScaleByLearningRate(η))</c>, and its updates are that chain's, bit for bit. Its step is the fast path:
/// one fused pass over memory (<see cref="SgdKernel"/>: x, b and g read once, x and b written once, Vector512/256/128),
/// with PyTorch's operations in PyTorch's order, equal to the chain's step bit for bit.
/// </para>
/// <para>
/// Every numeric hyperparameter may be a <see cref="Schedule"/> (PyTorch lets a scheduler change any of a parameter
/// group's values between steps). State: the vector "trace" (PyTorch's <c>momentum_buffer</c>) and the scalar
/// "initialized".
/// </para>
/// </remarks>
public sealed record Sgd : GradientTransformation
{
    /// <summary>Creates the transformation, checking every hyperparameter as PyTorch's constructor does (and the ranges of the chapter's theory).</summary>
    /// <param name="learningRate">η ≥ 0.</param>
    /// <param name="momentum">β ∈ [0, 1) (0 by default: gradient descent).</param>
    /// <param name="dampening">∈ [0, 1] (0 by default).</param>
    /// <param name="weightDecay">λ_wd ≥ 0, coupled (0 by default).</param>
    /// <param name="nesterov">PyTorch's Nesterov momentum; needs β &gt; 0 and no dampening.</param>
    /// <param name="maximize">Ascend instead of descend.</param>
    /// <exception cref="HyperparameterException">A hyperparameter is outside its range.</exception>
    public Sgd(Schedule learningRate, Schedule? momentum = null, Schedule? dampening = null, Schedule? weightDecay = null,
        bool nesterov = false, bool maximize = false)
    {
        LearningRate = learningRate;
        Momentum = momentum ?? 0.0;
        Dampening = dampening ?? 0.0;
        WeightDecay = weightDecay ?? 0.0;
        Nesterov = nesterov && Trace.RequireNesterov(nameof(Sgd), Momentum, Dampening, null);
        Maximize = maximize;
    }

    private static readonly StateShape State = StateShape.Of(["trace"], ["initialized"]);

    /// <summary>η ≥ 0.</summary>
    public Schedule LearningRate { get; init => field = Require.In(value, ValueRange.NonNegative, nameof(Sgd), nameof(LearningRate)); }

    /// <summary>β ∈ [0, 1).</summary>
    public Schedule Momentum { get; init => field = Require.In(value, ValueRange.UnitInterval, nameof(Sgd), nameof(Momentum)); }

    /// <summary>Dampening ∈ [0, 1].</summary>
    public Schedule Dampening { get; init => field = Require.In(value, ValueRange.ClosedUnitInterval, nameof(Sgd), nameof(Dampening)); }

    /// <summary>λ_wd ≥ 0.</summary>
    public Schedule WeightDecay { get; init => field = Require.In(value, ValueRange.NonNegative, nameof(Sgd), nameof(WeightDecay)); }

    /// <summary>PyTorch's Nesterov momentum.</summary>
    public bool Nesterov { get; init; }

    /// <summary>Ascend instead of descend.</summary>
    public bool Maximize { get; init; }

    /// <inheritdoc />
    public override StateShape Shape => State;

    /// <summary>The same method as a chain of links, whose updates and steps this record's equal bit for bit.</summary>
    public Chain AsChain() =>
        new(
        [
            .. Maximize ? [new Scale(-1.0)] : Array.Empty<IGradientTransformation>(),
            new AddDecayedWeights(WeightDecay),
            new Trace(Momentum, Dampening, Nesterov),
            new ScaleByLearningRate(LearningRate),
        ]);

    /// <inheritdoc />
    public override void Update<T>(Span<T> updates, StateBuffers<T> state, ReadOnlySpan<T> parameters, long step)
    {
        state.Require(State, parameters.Length);
        var h = At(step);
        if (Maximize) TensorPrimitives.Negate(updates, updates);
        if (h.WeightDecay != 0) TensorPrimitives.FusedMultiplyAdd(parameters, T.CreateChecked(h.WeightDecay), updates, updates);
        Trace.Apply(updates, state.Vector(0), ref state.Scalar(0), h.Momentum, h.Dampening, Nesterov);
        TensorPrimitives.Multiply(updates, T.CreateChecked(-h.LearningRate), updates);
    }

    /// <summary>One step in a single fused pass (<see cref="SgdKernel"/>); the gradient is only read.</summary>
    /// <inheritdoc />
    public override void Step<T>(Span<T> gradient, StateBuffers<T> state, Span<T> parameters, long step)
    {
        state.Require(State, parameters.Length);
        SpanChecks.RequireLength(gradient.Length, parameters.Length, nameof(gradient));
        var h = At(step);
        ref var initialized = ref state.Scalar(0);
        var buffer = state.Vector(0);
        var coefficients = new StepCoefficients<T>(h.LearningRate, h.Momentum, h.Dampening, h.WeightDecay, Nesterov, Maximize, initialized != 0);
        FusedStep.Run(coefficients, parameters, buffer, gradient, parameters, buffer);
        if (h.Momentum != 0) initialized = 1;
    }

    /// <summary>
    /// <see cref="Step{T}(Span{T}, StateBuffers{T}, Span{T}, long)"/> split into contiguous chunks of whole cache lines
    /// (<see cref="Partition"/>, a rule of n alone) that the shell's <paramref name="team"/> runs, worker w taking chunks
    /// w, w + W, …: for large n, where one core cannot use the whole memory bandwidth. The same bits as the sequential step.
    /// </summary>
    /// <param name="gradient">g.</param>
    /// <param name="trace">The momentum buffer (the state's vector "trace").</param>
    /// <param name="scalars">The state's scalars ("initialized").</param>
    /// <param name="parameters">x, updated in place.</param>
    /// <param name="step">t.</param>
    /// <param name="team">Threads the shell lends.</param>
    public void StepParallel<T>(ReadOnlyMemory<T> gradient, Memory<T> trace, Memory<double> scalars, Memory<T> parameters, long step, Training.IWorkerTeam team)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(team);
        var n = parameters.Length;
        new StateBuffers<T>(trace.Span, scalars.Span, n).Require(State, n);
        SpanChecks.RequireLength(gradient.Length, n, nameof(gradient));
        var h = At(step);
        var coefficients = new StepCoefficients<T>(h.LearningRate, h.Momentum, h.Dampening, h.WeightDecay, Nesterov, Maximize, scalars.Span[0] != 0);
        var chunk = Partition.ChunkLength<T>(n, team.Workers);
        var chunks = Partition.Count(n, chunk);
        team.Run(worker =>
        {
            for (var k = worker; k < chunks; k += team.Workers)
            {
                var (start, length) = (k * chunk, Math.Min(chunk, n - k * chunk));
                var x = parameters.Span.Slice(start, length);
                var b = trace.Span.Slice(start, length);
                FusedStep.Run(coefficients, x, b, gradient.Span.Slice(start, length), x, b);
            }
        });
        if (h.Momentum != 0) scalars.Span[0] = 1;
    }

    /// <summary>The fused pass out of place (or in place, when the outputs are the inputs): x, b and g read once, x' and b' written once.</summary>
    internal override void StepInto<T>(ReadOnlySpan<T> parameters, ReadOnlySpan<T> vectors, ReadOnlySpan<double> scalars, ReadOnlySpan<T> gradient,
        Span<T> parametersOut, Span<T> vectorsOut, Span<double> scalarsOut, long step)
    {
        SpanChecks.RequireLength(gradient.Length, parameters.Length, nameof(gradient));
        var h = At(step);
        var coefficients = new StepCoefficients<T>(h.LearningRate, h.Momentum, h.Dampening, h.WeightDecay, Nesterov, Maximize, scalars[0] != 0);
        if (h.Momentum == 0 && vectors != vectorsOut) vectors.CopyTo(vectorsOut);   // no buffer while β = 0: the state is carried over
        FusedStep.Run(coefficients, parameters, vectors, gradient, parametersOut, vectorsOut);
        scalarsOut[0] = h.Momentum != 0 ? 1 : scalars[0];
    }

    // The hyperparameters of step t, checked.
    private (double LearningRate, double Momentum, double Dampening, double WeightDecay) At(long step)
    {
        var eta = Require.At(LearningRate, step, ValueRange.NonNegative, nameof(Sgd), nameof(LearningRate));
        var beta = Require.At(Momentum, step, ValueRange.UnitInterval, nameof(Sgd), nameof(Momentum));
        var dampening = Require.At(Dampening, step, ValueRange.ClosedUnitInterval, nameof(Sgd), nameof(Dampening));
        var decay = Require.At(WeightDecay, step, ValueRange.NonNegative, nameof(Sgd), nameof(WeightDecay));
        if (Nesterov && dampening != 0) Trace.RequireNesterov(nameof(Sgd), beta, dampening, step);
        return (eta, beta, dampening, decay);
    }
}
