using System.Collections.Immutable;
using System.Diagnostics;
using System.Globalization;
using System.Numerics;
using Momentum.Optimizers;
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

/// <summary>
/// A recorded loss, how it was computed (Core's <see cref="LossForm"/>), and the loss at the optimizer's averaged iterate
/// where it keeps one (<c>--ema</c>'s average, Schedule-Free's x; NaN otherwise).
/// </summary>
internal readonly record struct Recorded(LossPoint Point, LossForm Form, double AverageLoss = double.NaN);

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
    ImmutableArray<Recorded> History, TrainingState<T> Final, RunStatus Status, double TrainingSeconds, double InitialLoss, double FinalLoss,
    string? Reason, long? DivergedAtStep)
    where T : unmanaged, IFloatingPointIeee754<T>;

/// <summary>
/// The shell's driver of Core's <see cref="Trainer"/>: the fold, with a clock around the minibatch steps (and not around
/// the loss evaluations or checkpoints), progress, cancellation at step boundaries, and divergence detection.
/// </summary>
internal static class TrainingLoop
{
    /// <summary>Most steps between two looks at the cancellation token and the progress display.</summary>
    public const int MaxStepsPerAdvance = 4096;

    /// <summary>
    /// Most multiply-adds (rows × parameters) between two looks at the cancellation token: with large minibatches a
    /// signal is seen after a few milliseconds of work, not after <see cref="MaxStepsPerAdvance"/> steps.
    /// </summary>
    public const long WorkPerAdvance = 1L << 22;

    /// <summary>Steps per call of <see cref="Trainer.Advance{T}"/>: a bounded amount of work between looks at the cancellation token.</summary>
    public static int StepsPerAdvance(int batchSize, int parameterCount) =>
        (int)Math.Clamp(WorkPerAdvance / Math.Max(1L, (long)batchSize * parameterCount), 1, MaxStepsPerAdvance);

    /// <summary>Runs (or continues) training until it completes, diverges, or <paramref name="cancellation"/> is set.</summary>
    /// <param name="objective">The objective (linear regression, with its recorded losses' forms).</param>
    /// <param name="options">The training options; a non-finite gradient stops the run (or is skipped) as they say.</param>
    /// <param name="initialParameters">The parameters before the first step.</param>
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
    // Compiled optimised at its first call: a tier-up compile in the background during a run takes a core from the
    // training (and from a team's helpers, which spin on every core).
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public static TrainingOutcome<T> Run<T>(
        RegressionObjective<T> objective,
        TrainingOptions options,
        ReadOnlySpan<T> initialParameters,
        IProgressTask progress,
        CancellationToken cancellation,
        TrainingState<T>? start = null,
        ImmutableArray<Recorded>? history = null,
        long checkpointEvery = 0,
        Action<TrainingState<T>, IReadOnlyList<Recorded>, double, double>? checkpoint = null,
        double? initialLoss = null,
        double seconds = 0,
        bool warmUp = true)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var state = start ?? Trainer.Init(objective, options, initialParameters);
        if (warmUp)
        {
            WarmUp(objective, options, initialParameters);
            progress.Report(state.Minibatches); // where the run stands; its code is compiled now too
        }
        var initial = initialLoss ?? objective.Loss(initialParameters);
        return Drive(objective, options, state, progress, cancellation, history ?? [], checkpointEvery, checkpoint, initial, seconds, long.MaxValue);
    }

    // The fold with its clock, from state, for at most stepLimit steps (the warm-up's few; a run's are unlimited).
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private static TrainingOutcome<T> Drive<T>(
        RegressionObjective<T> objective,
        TrainingOptions options,
        TrainingState<T> state,
        IProgressTask progress,
        CancellationToken cancellation,
        ImmutableArray<Recorded> history,
        long checkpointEvery,
        Action<TrainingState<T>, IReadOnlyList<Recorded>, double, double>? checkpoint,
        double initial,
        double seconds,
        long stepLimit)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var recorded = new List<Recorded>(history);
        var clock = new Stopwatch();
        var status = RunStatus.Completed;
        string? reason = null;
        long? divergedAt = null;
        if (checkpointEvery > 0) checkpoint?.Invoke(state, recorded, initial, seconds);
        var stepsPerAdvance = StepsPerAdvance(options.BatchSize, objective.ParameterCount);
        var firstStep = state.Minibatches;

        while (!Trainer.IsFinished(options, state) && state.Minibatches - firstStep < stepLimit)
        {
            if (cancellation.IsCancellationRequested)
            {
                status = RunStatus.Interrupted;
                reason = $"interrupted after step {state.Minibatches}";
                break;
            }
            var steps = (int)Math.Min(stepsPerAdvance, stepLimit - (state.Minibatches - firstStep));
            if (checkpointEvery > 0) steps = (int)Math.Min(steps, checkpointEvery - state.Minibatches % checkpointEvery);

            clock.Start();
            var next = Trainer.Advance(objective, options, state, steps);
            clock.Stop();
            progress.Report(next.Minibatches);

            if (next.Fault is { } fault)
            {
                state = next;
                status = RunStatus.Diverged;
                reason = $"the gradient is not finite at step {next.Minibatches + 1} (element {fault.Index + 1} is {fault.Value.ToString(CultureInfo.InvariantCulture)})";
                divergedAt = next.Minibatches + 1;
                break;
            }
            if (Trainer.RecordDue(options, state.Examples, next.Examples))
            {
                var loss = objective.Evaluate(next.Parameters.AsSpan());
                var point = new LossPoint(next.Examples, next.EpochProgress(objective.Rows), loss.Loss);
                recorded.Add(new(point, loss.Form, next.Optimizer.AveragedIterate() is { } average ? objective.Loss(average.AsSpan()) : double.NaN));
                if (Divergence.HasExploded(initial, point.Loss))
                {
                    state = next;
                    status = RunStatus.Diverged;
                    reason = $"the loss exploded to {Format.G(point.Loss)} after step {next.Minibatches}, over {Divergence.LossFactor} times the initial {Format.G(initial)}";
                    divergedAt = next.Minibatches;
                    break;
                }
            }
            state = next;
            if (checkpointEvery > 0 && state.Minibatches % checkpointEvery == 0 && !Trainer.IsFinished(options, state))
                checkpoint?.Invoke(state, recorded, initial, seconds + clock.Elapsed.TotalSeconds);
        }
        // A warm-up (a step limit) ends without the final pass over the data: only a run reports its final loss.
        var final = recorded.Count > 0 && recorded[^1].Point.Examples == state.Examples
            ? recorded[^1].Point.Loss
            : stepLimit < long.MaxValue ? double.NaN : objective.Loss(state.Parameters.AsSpan());
        if (status == RunStatus.Completed)
        {
            // Record points may be sparse (or absent, in a sweep): judge the end too.
            if (Divergence.HasExploded(initial, final))
            {
                status = RunStatus.Diverged;
                reason = $"the final loss {Format.G(final)} is over {Divergence.LossFactor} times the initial {Format.G(initial)}";
                divergedAt = state.Minibatches;
            }
        }
        if (checkpointEvery > 0 && status != RunStatus.Diverged)
            checkpoint?.Invoke(state, recorded, initial, seconds + clock.Elapsed.TotalSeconds);
        return new([.. recorded], state, status, seconds + clock.Elapsed.TotalSeconds, initial, final, reason, divergedAt);
    }

    /// <summary>
    /// Untimed steps from a throwaway state before a clock runs, so the clock measures the steady state: the JIT's work
    /// (PyTorch's kernels are compiled ahead of time) and the first touch of the data are not training time. It runs the
    /// run's own loop (steps, record points, the end; <see cref="Run{T}"/> then reports progress once), so every method the
    /// timed loop calls is compiled before the clock starts: compiling one between two timed steps costs the next steps
    /// their caches. At most two epochs, and at most <see cref="WarmUpWork"/> multiply-adds of gradients (a few
    /// milliseconds), so a large run warms up in a sliver of its time; the record points among those steps evaluate the
    /// loss as the run's own do (from the moments where the run reads them), a share of the run's own evaluations. The
    /// first step (no momentum buffer yet) and the later ones take different code, so there are at least two. Core is
    /// pure: nothing else changes.
    /// </summary>
    /// <param name="objective">The run's objective.</param>
    /// <param name="options">The run's options (the warm-up skips non-finite gradients and stops after two epochs).</param>
    /// <param name="initialParameters">The run's initial parameters.</param>
    public static void WarmUp<T>(RegressionObjective<T> objective, TrainingOptions options, ReadOnlySpan<T> initialParameters)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var perStep = Math.Max(1.0, (double)options.BatchSize * objective.ParameterCount);
        var steps = (long)Math.Clamp(WarmUpWork / perStep, 2, 2 * Minibatches.PerEpoch(objective.Rows, options.BatchSize));
        var throwaway = options with { OnNonFinite = NonFinitePolicy.Skip, Epochs = 2 };
        Drive(objective, throwaway, Trainer.Init(objective, throwaway, initialParameters), SilentProgress.Instance, CancellationToken.None,
            [], 0, null, initial: double.PositiveInfinity, 0, steps);
    }

    /// <summary>The most multiply-adds of gradients <see cref="WarmUp{T}"/> spends.</summary>
    internal const double WarmUpWork = 2e6;

    /// <summary>
    /// For a diverged run of linear regression: the learning rates for which the full-batch optimizer converges, read off
    /// the optimizer's own step at L, the largest eigenvalue of the loss's Hessian
    /// (<see cref="Convergence.LargestStableLearningRate(Func{double, IGradientTransformation}, double)"/>; d2l §11.6.3).
    /// </summary>
    /// <param name="optimizer">The optimizer as chosen, with the family of its learning rate.</param>
    /// <param name="hessian">The Hessian of the loss the gradients were taken of (<see cref="LinearRegression.Hessian{T}"/>).</param>
    public static string StableRange(OptimizerTable.Choice optimizer, double[,] hessian)
    {
        var largest = SymmetricEigen.Of(hessian).Largest;
        if (optimizer.AtLearningRate is null)
        {
            // Written out in JSON: no learning-rate family, but the optimizer's own map at L still says whether it converges.
            try
            {
                var rate = LinearMethod.Of(optimizer.Transformation).At(largest).SpectralRadius();
                return $"L = {Format.G(largest)} is the largest eigenvalue of the loss's Hessian, and along it full-batch {optimizer.Description} " +
                    (rate < 1 ? $"converges (rate {Format.G(rate, 4)} per step): the minibatch gradients' noise diverged it" : $"does not converge (rate {Format.G(rate, 4)} ≥ 1 per step): lower its learning rate");
            }
            catch (NonlinearMethodException)
            {
                return $"L = {Format.G(largest)} is the largest eigenvalue of the loss's Hessian ({optimizer.Description} is not a linear method, so its stable range is not read off its step)";
            }
        }
        try
        {
            var bound = Convergence.LargestStableLearningRate(optimizer.AtLearningRate, largest);
            return $"for this data, full-batch {optimizer.Name} is at the edge of convergence at lr {Format.G(bound)} " +
                $"(L = {Format.G(largest)}, the largest eigenvalue of the loss's Hessian): keep lr below it; minibatch gradients are noisier, so stay well below it";
        }
        catch (NonlinearMethodException)
        {
            return $"L = {Format.G(largest)} is the largest eigenvalue of the loss's Hessian ({optimizer.Name} is not a linear method, so its stable range is not read off its step)";
        }
    }
}
