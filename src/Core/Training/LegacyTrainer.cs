using System.Collections.Immutable;
using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using MathNet.Numerics.Distributions;
using Momentum.Kernels;
using Momentum.Optimizers;
using Momentum.Problems;

namespace Momentum.Training;

/// <summary>
/// Minibatch training of linear regression as a fold over minibatches, with the semantics of d2l's <c>train_ch11</c>
/// (d2l §11.5.4): w ~ N(0, 0.01²) from the seed, b = 0; each step takes the gradient of the minibatch mean loss and
/// applies the optimizer; the loss over the whole training set is recorded each time the examples seen reach a multiple
/// of <see cref="LegacyTrainingOptions.RecordEvery"/>.
/// </summary>
/// <remarks>
/// <see cref="Train{T}"/> is the whole fold. A shell that times, reports progress, checkpoints or stops early drives the
/// same fold itself: <see cref="Init{T}"/>, then <see cref="Advance{T}"/> until <see cref="IsFinished{T}"/>, recording
/// <see cref="Record{T}(Dataset{T}, LossEvaluator{T}, LegacyTrainingState{T})"/> whenever <see cref="RecordDue"/> says so. Every state is an immutable value; equal inputs give
/// equal states bit for bit, whatever the number of <see cref="Advance{T}"/> calls the run is cut into.
/// </remarks>
public static class LegacyTrainer
{
    /// <summary>The state before the first step: w ~ N(0, 0.01²) drawn from the seed, b = 0, epoch 0.</summary>
    public static LegacyTrainingState<T> Init<T>(Dataset<T> data, LegacyTrainingOptions options)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate(data.Rows);
        var random = new Random(Seeds.Derive(options.Seed, Seeds.Stream.Initialization, 0));
        var parameters = new T[LinearRegression.ParameterCount(data.FeatureCount)];
        for (var j = 0; j < data.FeatureCount; j++)
            parameters[j] = T.CreateChecked(Normal.Sample(random, 0, 0.01));
        return new(SgdLegacy.Init<T>(parameters), 0, 0, 0, Minibatches.Order(data.Rows, options.Seed, 0));
    }

    /// <summary>Whether the run is over: every epoch done, or stopped by a fault.</summary>
    public static bool IsFinished<T>(LegacyTrainingOptions options, LegacyTrainingState<T> state)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        state.Fault is not null || state.Epoch >= options.Epochs;

    /// <summary>Whether a record point lies in (before, after]: ⌊after / k⌋ &gt; ⌊before / k⌋ for k = RecordEvery.</summary>
    public static bool RecordDue(LegacyTrainingOptions options, long examplesBefore, long examplesAfter) =>
        examplesAfter / options.RecordEvery > examplesBefore / options.RecordEvery;

    /// <summary>The training set's loss at <paramref name="state"/>, evaluated directly.</summary>
    public static LossPoint Record<T>(Dataset<T> data, LegacyTrainingState<T> state)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        Record(data, LossEvaluator<T>.Direct(data), state);

    /// <summary>The training set's loss at <paramref name="state"/>, by <paramref name="evaluator"/>.</summary>
    public static LossPoint Record<T>(Dataset<T> data, LossEvaluator<T> evaluator, LegacyTrainingState<T> state)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        new(state.Examples, state.EpochProgress(data.Rows), evaluator.Loss(state.Optimizer.Parameters.AsSpan()));

    /// <summary>
    /// Takes minibatch steps from <paramref name="state"/> until a record point is reached, <paramref name="maxSteps"/>
    /// steps are taken, the run ends, or a non-finite gradient stops it (policy <see cref="NonFinitePolicy.Throw"/>:
    /// the state before the refused step is returned with <see cref="LegacyTrainingState{T}.Fault"/> set).
    /// </summary>
    /// <returns>The new state; <paramref name="state"/> is unchanged.</returns>
    /// <param name="data">The data set.</param>
    /// <param name="options">The run's options.</param>
    /// <param name="state">The state to continue from.</param>
    /// <param name="maxSteps">Most minibatches to take.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static LegacyTrainingState<T> Advance<T>(Dataset<T> data, LegacyTrainingOptions options, LegacyTrainingState<T> state, long maxSteps = long.MaxValue)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(state);
        ArgumentOutOfRangeException.ThrowIfNegative(maxSteps);
        if (IsFinished(options, state) || maxSteps == 0) return state;

        var optimizer = options.Optimizer.Validate();
        var batchSize = options.BatchSize;
        var batches = Minibatches.PerEpoch(data.Rows, batchSize);
        var parameters = state.Optimizer.Parameters.ToArray();
        var velocity = state.Optimizer.Velocity.ToArray();
        var gradient = new T[parameters.Length];
        var features = data.Features.AsSpan();
        var labels = data.Labels.AsSpan();
        var featureCount = data.FeatureCount;
        var fullScale = LinearRegression.Scale<T>(options.Loss, batchSize);
        var (epoch, batch, examples, order) = (state.Epoch, state.Batch, state.Examples, state.Order);
        var (step, skipped, initialized) = (state.Optimizer.Step, state.Optimizer.SkippedSteps, state.Optimizer.BufferInitialized);
        TrainingFault? fault = null;

        // The step's scalars change only with the learning rate (a schedule) and once, when the buffer is created.
        var coefficients = default(StepCoefficients<T>);
        var (coefficientRate, coefficientInitialized) = (double.NaN, false);
        var hasMomentum = optimizer.Momentum != 0;
        // The next multiple of RecordEvery (a comparison per step instead of two divisions).
        var nextRecord = (examples / options.RecordEvery + 1) * options.RecordEvery;

        for (long taken = 0; taken < maxSteps; taken++)
        {
            var rows = Minibatches.Rows(order.AsSpan(), batchSize, batch);
            var next = batch + 1 < batches ? Minibatches.Rows(order.AsSpan(), batchSize, batch + 1) : default;
            var scale = rows.Length == batchSize ? fullScale : LinearRegression.Scale<T>(options.Loss, rows.Length);
            var finite = RegressionKernel.Gradient(features, featureCount, labels, rows, parameters, scale, gradient, next);
            if (finite)
            {
                var rate = options.LearningRateAt(step);
                if (rate != coefficientRate || initialized != coefficientInitialized)
                {
                    coefficients = new StepCoefficients<T>(optimizer with { LearningRate = rate }, initialized);
                    (coefficientRate, coefficientInitialized) = (rate, initialized);
                }
                FusedStep.Run(coefficients, parameters, velocity, gradient, parameters, velocity);
                step++;
                initialized |= hasMomentum;
            }
            else if (options.OnNonFinite == NonFinitePolicy.Skip)
                skipped++;
            else
            {
                var bad = NonFinite.IndexOfFirst<T>(gradient);
                fault = new TrainingFault(step, bad, double.CreateChecked(gradient[bad]));
                break;
            }

            examples += rows.Length;
            if (++batch == batches)
            {
                (epoch, batch) = (epoch + 1, 0);
                if (epoch < options.Epochs) order = Minibatches.Order(data.Rows, options.Seed, epoch);
            }
            if (epoch >= options.Epochs || examples >= nextRecord) break;
        }

        var optimizerState = new SgdState<T>(
            ImmutableCollectionsMarshal.AsImmutableArray(parameters),
            ImmutableCollectionsMarshal.AsImmutableArray(velocity),
            step, initialized, skipped);
        return new(optimizerState, epoch, batch, examples, order, fault);
    }

    /// <summary>
    /// The whole run as one fold: every step, with the loss recorded at each record point (by
    /// <see cref="LossEvaluator{T}.For"/>: directly, or from the data's moments when direct passes would dominate).
    /// </summary>
    public static LegacyTrainingResult<T> Train<T>(Dataset<T> data, LegacyTrainingOptions options)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var state = Init(data, options);
        var evaluator = LossEvaluator<T>.For(data, options);
        var history = ImmutableArray.CreateBuilder<LossPoint>();
        while (!IsFinished(options, state))
        {
            var next = Advance(data, options, state);
            if (RecordDue(options, state.Examples, next.Examples)) history.Add(Record(data, evaluator, next));
            state = next;
        }
        return new(history.ToImmutable(), state);
    }
}
