using System.Collections.Immutable;
using System.Diagnostics;
using System.Globalization;
using System.Numerics;
using Momentum.Problems;
using Momentum.Runner.Cli;
using Momentum.Theory;
using Momentum.Training;

namespace Momentum.Runner.Execution;

/// <summary>How a training run ended.</summary>
internal enum RunStatus
{
    Completed,
    Diverged,
    Interrupted,
}

/// <summary>The result of driving Core's training fold: the recorded losses, the last state, and how it ended.</summary>
/// <param name="History">The loss at every record point reached.</param>
/// <param name="Final">The state after the last step taken.</param>
/// <param name="Status">Completed, diverged (non-finite gradient or exploding loss) or interrupted.</param>
/// <param name="TrainingSeconds">Time spent in minibatch steps only, as d2l's timer measures it (loss evaluation excluded).</param>
/// <param name="InitialLoss">The loss before the first step.</param>
/// <param name="FinalLoss">The loss over the whole training set at <paramref name="Final"/>.</param>
/// <param name="Reason">Why the run stopped early, for people.</param>
/// <param name="DivergedAtStep">The step (1-based) at which a divergence was seen, or null.</param>
internal sealed record TrainingOutcome<T>(
    ImmutableArray<LossPoint> History, LegacyTrainingState<T> Final, RunStatus Status, double TrainingSeconds, double InitialLoss, double FinalLoss,
    string? Reason, long? DivergedAtStep)
    where T : unmanaged, IFloatingPointIeee754<T>;

/// <summary>
/// The shell's driver of <see cref="LegacyTrainer"/>: Core's fold, with a clock around the minibatch steps (and not around
/// the loss evaluations), progress, cancellation at step boundaries, and divergence detection.
/// </summary>
internal static class TrainingLoop
{
    /// <summary>
    /// A recorded loss this many times the initial loss counts as exploding: a converging run of a convex loss may
    /// overshoot its start, but not by two orders of magnitude.
    /// </summary>
    public const double ExplosionFactor = 100;

    /// <summary>Most steps between two looks at the cancellation token and the progress display.</summary>
    public const int MaxStepsPerAdvance = 4096;

    /// <summary>
    /// Most multiply-adds (rows × parameters) between two looks at the cancellation token: with large minibatches a
    /// signal is seen after a few milliseconds of work, not after <see cref="MaxStepsPerAdvance"/> steps.
    /// </summary>
    public const long WorkPerAdvance = 1L << 22;

    /// <summary>Steps per call of <see cref="LegacyTrainer.Advance{T}"/>: a bounded amount of work between looks at the cancellation token.</summary>
    public static int StepsPerAdvance(int batchSize, int featureCount) =>
        (int)Math.Clamp(WorkPerAdvance / Math.Max(1L, (long)batchSize * (featureCount + 1)), 1, MaxStepsPerAdvance);

    /// <summary>Runs (or continues) training until it completes, diverges, or <paramref name="cancellation"/> is set.</summary>
    /// <param name="data">The data set.</param>
    /// <param name="options">The training options.</param>
    /// <param name="progress">Receives the number of minibatches processed.</param>
    /// <param name="cancellation">Stops the run at the next step boundary.</param>
    /// <param name="start">A state to continue from (a checkpoint), or null to start afresh.</param>
    /// <param name="history">The losses recorded before <paramref name="start"/>.</param>
    /// <param name="checkpointEvery">Call <paramref name="checkpoint"/> every this many steps (0: never).</param>
    /// <param name="checkpoint">
    /// Saves the state, the history so far (a view of the growing list: a saver appends what it has not seen), the
    /// initial loss and the training seconds: at the start, every <paramref name="checkpointEvery"/> steps, and at the
    /// end unless the run diverged. It runs outside the clock.
    /// </param>
    /// <param name="initialLoss">The loss before the first step, when continuing a run that measured it.</param>
    /// <param name="seconds">Training seconds spent before <paramref name="start"/>.</param>
    /// <param name="warmUp">Compile the training code before the clock starts (<see cref="WarmUp{T}"/>); a caller running
    /// many short runs does that once itself.</param>
    /// <param name="team">Threads that share each large minibatch's gradient, or null for the calling thread alone.</param>
    // Compiled optimised at its first call: a tier-up compile in the background during a run takes a core from the
    // training (and from a GradientTeam's helpers, which spin on every core).
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public static TrainingOutcome<T> Run<T>(
        Dataset<T> data,
        LegacyTrainingOptions options,
        IProgressTask progress,
        CancellationToken cancellation,
        LegacyTrainingState<T>? start = null,
        ImmutableArray<LossPoint>? history = null,
        long checkpointEvery = 0,
        Action<LegacyTrainingState<T>, IReadOnlyList<LossPoint>, double, double>? checkpoint = null,
        double? initialLoss = null,
        double seconds = 0,
        bool warmUp = true,
        GradientTeam? team = null)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var state = start ?? LegacyTrainer.Init(data, options);
        var evaluator = LossEvaluator<T>.For(data, options);
        if (warmUp) WarmUp(data, options, team);
        var initial = initialLoss ?? evaluator.Loss((start is null ? state : LegacyTrainer.Init(data, options)).Optimizer.Parameters.AsSpan());
        var recorded = (history ?? []).ToBuilder();
        var clock = new Stopwatch();
        var status = RunStatus.Completed;
        string? reason = null;
        long? divergedAt = null;
        if (checkpointEvery > 0) checkpoint?.Invoke(state, recorded, initial, seconds);
        var stepsPerAdvance = StepsPerAdvance(options.BatchSize, data.FeatureCount);

        while (!LegacyTrainer.IsFinished(options, state))
        {
            if (cancellation.IsCancellationRequested)
            {
                status = RunStatus.Interrupted;
                reason = $"interrupted after step {Taken(state)}";
                break;
            }
            var steps = stepsPerAdvance;
            if (checkpointEvery > 0) steps = (int)Math.Min(steps, checkpointEvery - Taken(state) % checkpointEvery);

            clock.Start();
            var next = LegacyTrainer.Advance(data, options, state, steps, team);
            clock.Stop();
            progress.Report(Taken(next));

            if (next.Fault is { } fault)
            {
                state = next;
                status = RunStatus.Diverged;
                reason = $"the gradient is not finite at step {Taken(next) + 1} (element {fault.Index + 1} is {fault.Value.ToString(CultureInfo.InvariantCulture)})";
                divergedAt = Taken(next) + 1;
                break;
            }
            if (LegacyTrainer.RecordDue(options, state.Examples, next.Examples))
            {
                var point = LegacyTrainer.Record(data, evaluator, next);
                recorded.Add(point);
                if (!double.IsFinite(point.Loss) || point.Loss > ExplosionFactor * initial)
                {
                    state = next;
                    status = RunStatus.Diverged;
                    reason = $"the loss exploded to {Format.G(point.Loss)} after step {Taken(next)}, over {ExplosionFactor} times the initial {Format.G(initial)}";
                    divergedAt = Taken(next);
                    break;
                }
            }
            state = next;
            if (checkpointEvery > 0 && Taken(state) % checkpointEvery == 0 && !LegacyTrainer.IsFinished(options, state))
                checkpoint?.Invoke(state, recorded, initial, seconds + clock.Elapsed.TotalSeconds);
        }
        var final = recorded.Count > 0 && recorded[^1].Examples == state.Examples
            ? recorded[^1].Loss
            : evaluator.Loss(state.Optimizer.Parameters.AsSpan());
        if (status == RunStatus.Completed)
        {
            // Record points may be sparse (or absent, in a sweep): judge the end too.
            if (!double.IsFinite(final) || final > ExplosionFactor * initial)
            {
                status = RunStatus.Diverged;
                reason = $"the final loss {Format.G(final)} is over {ExplosionFactor} times the initial {Format.G(initial)}";
                divergedAt = Taken(state);
            }
        }
        if (checkpointEvery > 0 && status != RunStatus.Diverged)
            checkpoint?.Invoke(state, recorded, initial, seconds + clock.Elapsed.TotalSeconds);
        return new(recorded.ToImmutable(), state, status, seconds + clock.Elapsed.TotalSeconds, initial, final, reason, divergedAt);
    }

    /// <summary>
    /// Two untimed steps from a throwaway state compile the training code before a clock runs: the first step (no
    /// momentum buffer yet) and the later ones take different code. The JIT's work is not training time (PyTorch's
    /// kernels are compiled ahead of time), and Core is pure, so nothing else changes.
    /// </summary>
    public static void WarmUp<T>(Dataset<T> data, LegacyTrainingOptions options, GradientTeam? team = null)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        LegacyTrainer.Advance(data, options, LegacyTrainer.Init(data, options), 2, team);

    /// <summary>Minibatches processed: steps taken plus steps skipped.</summary>
    public static long Taken<T>(LegacyTrainingState<T> state)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        state.Optimizer.Step + state.Optimizer.SkippedSteps;

    /// <summary>
    /// For a diverged run of this linear model: the learning rates for which the full-batch optimizer converges, from the
    /// largest eigenvalue L of the loss's Hessian (<see cref="Convergence.LargestStableLearningRate"/>; d2l §11.6.3).
    /// </summary>
    public static string StableRange(LegacyTrainingOptions options, double[,] hessian)
    {
        // nn.MSELoss is twice d2l's ½(ŷ − y)², so its Hessian is twice H.
        var largest = SymmetricEigen.Of(hessian).Largest * (options.Loss == RegressionLoss.SquaredError ? 2 : 1);
        var bound = Convergence.LargestStableLearningRate(options.Optimizer, largest);
        return $"for this data, full-batch {OptimizerSettings.Describe(options.Optimizer with { LearningRate = bound })} is the edge of convergence: " +
            $"lr must stay below {Format.G(bound)} (L = {Format.G(largest)}, the largest eigenvalue of the loss's Hessian); minibatch gradients are noisier, so stay well below it";
    }
}
