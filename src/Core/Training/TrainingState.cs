using System.Collections.Immutable;
using System.Numerics;
using Momentum.Optimizers;

namespace Momentum.Training;

/// <summary>
/// Where a training run stands between two minibatch steps: everything needed to continue it exactly, the checkpoint of
/// a run.
/// </summary>
/// <typeparam name="T"><see cref="float"/> or <see cref="double"/>.</typeparam>
/// <param name="Optimizer">The parameters and the optimizer's state (its count is the steps taken; skipped steps beside it).</param>
/// <param name="Epoch">The current epoch, 0-based; equal to the epoch count when the run is over.</param>
/// <param name="Batch">The next minibatch within the epoch, 0-based.</param>
/// <param name="Examples">Examples processed so far (d2l's <c>n</c>).</param>
/// <param name="Order">
/// The current epoch's order of rows (<see cref="Minibatches.Order(int, int, int, int, ShuffleMode)"/>), the last epoch's
/// once the run is over: derived from the seed, kept here so it is drawn once per epoch. Not part of equality.
/// </param>
/// <param name="Fault">Why the run stopped early (policy <see cref="NonFinitePolicy.Stop"/>), or null.</param>
public sealed record TrainingState<T>(OptimizerState<T> Optimizer, int Epoch, int Batch, long Examples, ImmutableArray<int> Order, TrainingFault? Fault = null)
    where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>The parameters.</summary>
    public ImmutableArray<T> Parameters => Optimizer.Parameters;

    /// <summary>Minibatches processed: steps taken plus steps skipped.</summary>
    public long Minibatches => Optimizer.Step + Optimizer.SkippedSteps;

    /// <summary>The epoch as d2l plots it: examples seen / rows.</summary>
    public double EpochProgress(int rows) => (double)Examples / rows;

    /// <inheritdoc />
    public bool Equals(TrainingState<T>? other) =>
        other is not null && Optimizer.Equals(other.Optimizer) && Epoch == other.Epoch && Batch == other.Batch
        && Examples == other.Examples && Equals(Fault, other.Fault);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Optimizer, Epoch, Batch, Examples);

    /// <inheritdoc />
    private bool PrintMembers(System.Text.StringBuilder builder)
    {
        builder.Append("Epoch = ").Append(Epoch).Append(", Batch = ").Append(Batch).Append(", Examples = ").Append(Examples)
            .Append(", Optimizer = ").Append(Optimizer);
        if (Fault is not null) builder.Append(", Fault = ").Append(Fault);
        return true;
    }
}

/// <summary>A finished (or stopped) run: the recorded losses and the final state.</summary>
public sealed record TrainingResult<T>(ImmutableArray<LossPoint> History, TrainingState<T> Final)
    where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <inheritdoc />
    public bool Equals(TrainingResult<T>? other) => other is not null && History.SequenceEqual(other.History) && Final.Equals(other.Final);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(History.Length, Final);

    /// <inheritdoc />
    private bool PrintMembers(System.Text.StringBuilder builder)
    {
        builder.Append("History = ").Append(History.Length).Append(" points");
        if (History.Length > 0) builder.Append(" (last ").Append(History[^1]).Append(')');
        builder.Append(", Final = ").Append(Final);
        return true;
    }
}

/// <summary>A non-finite gradient stopped the run before optimizer step <paramref name="Step"/> was taken.</summary>
/// <param name="Step">The refused optimizer step (the number of steps taken before it).</param>
/// <param name="Index">The first non-finite element of the gradient.</param>
/// <param name="Value">That element.</param>
public sealed record TrainingFault(long Step, int Index, double Value);

/// <summary>The training set's loss at one record point.</summary>
/// <param name="Examples">Examples seen.</param>
/// <param name="Epoch">Examples seen / rows, d2l's x-axis.</param>
/// <param name="Loss">The objective's loss over the whole training set (<see cref="IMinibatchObjective{T}.Loss"/>).</param>
public readonly record struct LossPoint(long Examples, double Epoch, double Loss);
