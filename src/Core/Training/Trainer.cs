using System.Collections.Immutable;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Momentum.Kernels;
using Momentum.Optimizers;

namespace Momentum.Training;

/// <summary>
/// Minibatch training as a fold over minibatches, with the semantics of d2l's <c>train_ch11</c> (d2l §11.5.4) for any
/// objective and any gradient transformation: each step takes the gradient of the minibatch mean loss and applies the
/// optimizer's step; the loss over the whole training set is recorded each time the examples seen reach a multiple of
/// <see cref="TrainingOptions.RecordEvery"/>.
/// </summary>
/// <remarks>
/// <see cref="Train{T}(IMinibatchObjective{T}, TrainingOptions, ReadOnlySpan{T})"/> is the whole fold. A shell that times, reports progress, checkpoints or stops early drives the
/// same fold itself: <see cref="Init{T}(IMinibatchObjective{T}, TrainingOptions, ReadOnlySpan{T})"/>, then <see cref="Advance{T}"/> until <see cref="IsFinished{T}"/>, recording
/// <see cref="Record{T}"/> whenever <see cref="RecordDue"/> says so. Every state is an immutable value; equal inputs give
/// equal states bit for bit, whatever the number of <see cref="Advance{T}"/> calls the run is cut into.
/// </remarks>
public static class Trainer
{
    /// <summary>The state before the first step: the given parameters, the optimizer's initial state, epoch 0.</summary>
    /// <exception cref="ArgumentException">The parameters are not the objective's count.</exception>
    /// <exception cref="HyperparameterException">An option is out of range.</exception>
    public static TrainingState<T> Init<T>(IMinibatchObjective<T> objective, TrainingOptions options, ReadOnlySpan<T> initialParameters)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(objective);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate(objective.Rows);
        SpanChecks.RequireParameterCount(initialParameters.Length, objective.ParameterCount, nameof(initialParameters));
        return new(options.Optimizer.Start(initialParameters), 0, 0, 0, OrderOf(objective, options, 0));
    }

    /// <inheritdoc cref="Init{T}(IMinibatchObjective{T}, TrainingOptions, ReadOnlySpan{T})"/>
    public static TrainingState<T> Init<T>(IMinibatchObjective<T> objective, TrainingOptions options, T[] initialParameters)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        Init(objective, options, new ReadOnlySpan<T>(initialParameters));

    /// <summary>Whether the run is over: every epoch done, or stopped by a fault.</summary>
    public static bool IsFinished<T>(TrainingOptions options, TrainingState<T> state)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(state);
        return state.Fault is not null || state.Epoch >= options.Epochs;
    }

    /// <summary>Whether a record point lies in (before, after]: ⌊after / k⌋ &gt; ⌊before / k⌋ for k = RecordEvery.</summary>
    public static bool RecordDue(TrainingOptions options, long examplesBefore, long examplesAfter)
    {
        ArgumentNullException.ThrowIfNull(options);
        return examplesAfter / options.RecordEvery > examplesBefore / options.RecordEvery;
    }

    /// <summary>The training set's loss at <paramref name="state"/> (<see cref="IMinibatchObjective{T}.Loss"/>).</summary>
    public static LossPoint Record<T>(IMinibatchObjective<T> objective, TrainingState<T> state)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(objective);
        ArgumentNullException.ThrowIfNull(state);
        return new(state.Examples, state.EpochProgress(objective.Rows), objective.Loss(state.Parameters.AsSpan()));
    }

    /// <summary>
    /// Takes minibatch steps from <paramref name="state"/> until a record point is reached, <paramref name="maxSteps"/>
    /// minibatches are processed, or the run ends; a finished run is returned as it is. Each minibatch's gradient is asked
    /// for with the next minibatch of the same epoch as its upcoming rows (none for an epoch's last). A non-finite
    /// gradient is handled by <see cref="TrainingOptions.OnNonFinite"/>: thrown (<see cref="NonFiniteGradientException"/>,
    /// with the step and index), skipped, or stopped (the state before that minibatch is returned with
    /// <see cref="TrainingState{T}.Fault"/>).
    /// </summary>
    /// <param name="objective">The objective; the same one for the whole run.</param>
    /// <param name="options">The run's options.</param>
    /// <param name="state">The state to continue from; not modified.</param>
    /// <param name="maxSteps">Most minibatches to process.</param>
    /// <returns>The new state.</returns>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static TrainingState<T> Advance<T>(IMinibatchObjective<T> objective, TrainingOptions options, TrainingState<T> state, long maxSteps = long.MaxValue)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(objective);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(state);
        ArgumentOutOfRangeException.ThrowIfNegative(maxSteps);
        if (IsFinished(options, state) || maxSteps == 0) return state;
        options.Validate(objective.Rows);

        var optimizer = options.Optimizer;
        var n = objective.ParameterCount;
        var transform = state.Optimizer.Transform;
        if (state.Parameters.Length != n || !transform.Shape.Equals(optimizer.Shape))
            throw new ArgumentException("the state is not of this objective and optimizer.", nameof(state));
        var parameters = state.Parameters.ToArray();
        var vectors = transform.Vectors.ToArray();
        var scalars = transform.Scalars.ToArray();
        var gradient = new T[n];
        var (batchSize, batches) = (options.BatchSize, Minibatches.PerEpoch(objective.Rows, options.BatchSize));
        var (epoch, batch, examples, order) = (state.Epoch, state.Batch, state.Examples, state.Order);
        var (step, skipped) = (state.Optimizer.Step, state.Optimizer.SkippedSteps);
        TrainingFault? fault = null;
        // The next multiple of RecordEvery (a comparison per step instead of two divisions).
        var nextRecord = (examples / options.RecordEvery + 1) * options.RecordEvery;

        for (long taken = 0; taken < maxSteps; taken++)
        {
            var rows = Minibatches.Rows(order.AsSpan(), batchSize, batch);
            var upcoming = batch + 1 < batches ? Minibatches.Rows(order.AsSpan(), batchSize, batch + 1) : default;
            objective.Gradient(parameters, rows, upcoming, gradient);
            var bad = NonFinite.IndexOfFirst<T>(gradient);
            if (bad < 0)
            {
                optimizer.Step<T>(gradient, new StateBuffers<T>(vectors, scalars, n), parameters, step);
                step++;
            }
            else if (options.OnNonFinite == NonFinitePolicy.Skip)
                skipped++;
            else if (options.OnNonFinite == NonFinitePolicy.Stop)
            {
                fault = new TrainingFault(step, bad, double.CreateChecked(gradient[bad]));
                break;
            }
            else
                throw new NonFiniteGradientException(bad, double.CreateChecked(gradient[bad]), step);

            examples += rows.Length;
            if (++batch == batches)
            {
                (epoch, batch) = (epoch + 1, 0);
                if (epoch < options.Epochs) order = OrderOf(objective, options, epoch);
            }
            if (epoch >= options.Epochs || examples >= nextRecord) break;
        }

        var optimizerState = new OptimizerState<T>(
            ImmutableCollectionsMarshal.AsImmutableArray(parameters),
            TransformState<T>.Wrap(transform.Shape, n, vectors, scalars, step),
            skipped);
        return new(optimizerState, epoch, batch, examples, order, fault);
    }

    /// <summary>The whole run as one fold: every step, with the loss recorded at each record point.</summary>
    public static TrainingResult<T> Train<T>(IMinibatchObjective<T> objective, TrainingOptions options, ReadOnlySpan<T> initialParameters)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var state = Init(objective, options, initialParameters);
        var history = ImmutableArray.CreateBuilder<LossPoint>();
        while (!IsFinished(options, state))
        {
            var next = Advance(objective, options, state);
            if (RecordDue(options, state.Examples, next.Examples)) history.Add(Record(objective, next));
            state = next;
        }
        return new(history.ToImmutable(), state);
    }

    /// <inheritdoc cref="Train{T}(IMinibatchObjective{T}, TrainingOptions, ReadOnlySpan{T})"/>
    public static TrainingResult<T> Train<T>(IMinibatchObjective<T> objective, TrainingOptions options, T[] initialParameters)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        Train(objective, options, new ReadOnlySpan<T>(initialParameters));

    /// <summary>The rows' order for <paramref name="epoch"/> (<see cref="Minibatches.Order(int, int, int, int, ShuffleMode)"/>).</summary>
    public static ImmutableArray<int> OrderOf<T>(IMinibatchObjective<T> objective, TrainingOptions options, int epoch)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        Minibatches.Order(objective.Rows, options.BatchSize, options.Seed, epoch, options.Shuffle);
}
