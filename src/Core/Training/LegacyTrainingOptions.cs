using Momentum.Optimizers;
using Momentum.Problems;

namespace Momentum.Training;

/// <summary>
/// How to train linear regression with minibatch SGD, with the settings of d2l's <c>train_ch11</c> (d2l §11.5.4) as defaults:
/// batches of 10, two epochs, the loss over the whole training set recorded every 200 examples.
/// </summary>
/// <param name="Optimizer">The optimizer's hyperparameters; its learning rate is used unless <paramref name="Schedule"/> is set.</param>
/// <param name="BatchSize">Examples per minibatch.</param>
/// <param name="Epochs">Passes over the data.</param>
/// <param name="Seed">Seeds the initial weights and every epoch's shuffle.</param>
/// <param name="RecordEvery">
/// Record the loss each time the examples seen reach or pass a multiple of this. d2l records when <c>n % 200 == 0</c>,
/// which is the same whenever the batch size divides 200 (the book's 10 does) and would skip records otherwise.
/// </param>
/// <param name="Schedule">The learning rate per optimizer step, or null for the optimizer's constant rate.</param>
/// <param name="OnNonFinite">What a non-finite gradient does: <see cref="NonFinitePolicy.Throw"/> stops the run with a fault, <see cref="NonFinitePolicy.Skip"/> skips the step.</param>
/// <param name="Loss">
/// The loss the gradients are taken of: d2l's ½(ŷ − y)² (<c>train_ch11</c>) or the mean squared error
/// (<c>train_concise_ch11</c>'s <c>nn.MSELoss</c>). The recorded loss is ½·MSE either way, as the book plots it.
/// </param>
public sealed record LegacyTrainingOptions(
    SgdOptions Optimizer,
    int BatchSize = 10,
    int Epochs = 2,
    int Seed = 0,
    int RecordEvery = 200,
    Schedule? Schedule = null,
    NonFinitePolicy OnNonFinite = NonFinitePolicy.Throw,
    RegressionLoss Loss = RegressionLoss.HalfSquaredError)
{
    /// <summary>Checks the options against a data set of <paramref name="rows"/> rows.</summary>
    /// <returns>This instance.</returns>
    /// <exception cref="ArgumentOutOfRangeException">A value is out of range, naming it.</exception>
    public LegacyTrainingOptions Validate(int rows)
    {
        Optimizer.Validate();
        if (BatchSize < 1 || BatchSize > rows)
            throw new ArgumentOutOfRangeException(nameof(BatchSize), BatchSize, $"The batch size must be in [1, {rows}], the number of rows.");
        ArgumentOutOfRangeException.ThrowIfLessThan(Epochs, 1, nameof(Epochs));
        ArgumentOutOfRangeException.ThrowIfLessThan(RecordEvery, 1, nameof(RecordEvery));
        return this;
    }

    /// <summary>Minibatch steps in the whole run: epochs × ⌈rows / batch size⌉.</summary>
    public long TotalSteps(int rows) => (long)Epochs * Minibatches.PerEpoch(rows, BatchSize);

    /// <summary>η for optimizer step <paramref name="step"/>.</summary>
    public double LearningRateAt(long step) => Schedule?.At(step) ?? Optimizer.LearningRate;
}
