using Momentum.Optimizers;

namespace Momentum.Training;

/// <summary>
/// How to train with minibatches, with the settings of d2l's <c>train_ch11</c> (d2l §11.5.4) as defaults: batches of 10,
/// two epochs, the loss over the whole training set recorded every 200 examples.
/// </summary>
/// <param name="Optimizer">Any gradient transformation, stepped once per minibatch.</param>
/// <param name="BatchSize">Examples per minibatch (the last of an epoch may be smaller).</param>
/// <param name="Epochs">Passes over the data.</param>
/// <param name="Seed">Seeds every epoch's shuffle (a model's initial parameters are the caller's).</param>
/// <param name="RecordEvery">
/// Record the loss each time the examples seen reach or pass a multiple of this. d2l records when <c>n % 200 == 0</c>,
/// which is the same whenever the batch size divides 200 (the book's 10 does) and would skip records otherwise.
/// </param>
/// <param name="OnNonFinite">What a non-finite minibatch gradient does: throw, skip the step, or stop the fold with a fault.</param>
/// <param name="Shuffle">How rows are grouped into minibatches each epoch (d2l's per-row shuffle by default).</param>
public sealed record TrainingOptions(
    IGradientTransformation Optimizer,
    int BatchSize = 10,
    int Epochs = 2,
    int Seed = 0,
    int RecordEvery = 200,
    NonFinitePolicy OnNonFinite = NonFinitePolicy.Throw,
    ShuffleMode Shuffle = ShuffleMode.Rows)
{
    /// <summary>Checks the options against a data set of <paramref name="rows"/> rows.</summary>
    /// <returns>This instance.</returns>
    /// <exception cref="HyperparameterException">A value is out of range, naming it.</exception>
    public TrainingOptions Validate(int rows)
    {
        ArgumentNullException.ThrowIfNull(Optimizer);
        if (BatchSize < 1 || BatchSize > rows)
            throw new HyperparameterException(nameof(TrainingOptions), nameof(BatchSize), BatchSize, $"must be in [1, {rows}], the number of rows");
        Require.AtLeast(Epochs, 1, nameof(TrainingOptions), nameof(Epochs));
        Require.AtLeast(RecordEvery, 1, nameof(TrainingOptions), nameof(RecordEvery));
        if (!Enum.IsDefined(OnNonFinite))
            throw new HyperparameterException(nameof(TrainingOptions), nameof(OnNonFinite), (double)OnNonFinite, "must be Throw, Skip or Stop");
        if (!Enum.IsDefined(Shuffle))
            throw new HyperparameterException(nameof(TrainingOptions), nameof(Shuffle), (double)Shuffle, "must be Rows, Batches or None");
        return this;
    }

    /// <summary>Minibatch steps in the whole run: epochs × ⌈rows / batch size⌉.</summary>
    public long TotalSteps(int rows) => (long)Epochs * Minibatches.PerEpoch(rows, BatchSize);

    /// <summary>
    /// The record points of the whole run: how many losses a fold records (<see cref="Trainer.Train{T}(IMinibatchObjective{T}, TrainingOptions, ReadOnlySpan{T})"/>'s
    /// history) when no fault stops it.
    /// </summary>
    /// <remarks>
    /// A step records once when the examples seen pass at least one multiple of k = <see cref="RecordEvery"/>. Minibatches
    /// of at most k rows pass at most one each, so every multiple up to epochs × rows is one record. Longer ones pass at
    /// least one each, so each is one record, but for the smaller last minibatch of an epoch, which may pass none.
    /// </remarks>
    /// <exception cref="HyperparameterException">The options do not fit <paramref name="rows"/> (<see cref="Validate"/>).</exception>
    public long Records(int rows)
    {
        Validate(rows);
        var total = (long)Epochs * rows;
        if (BatchSize <= RecordEvery) return total / RecordEvery;
        var perEpoch = Minibatches.PerEpoch(rows, BatchSize);
        var last = rows - (long)BatchSize * (perEpoch - 1);
        long records = 0;
        for (long end = rows; end <= total; end += rows)
            records += perEpoch - 1 + (Trainer.RecordDue(this, end - last, end) ? 1 : 0);
        return records;
    }
}
