using System.Numerics;

namespace Momentum.Training;

/// <summary>
/// What the minibatch fold (<see cref="Trainer"/>) trains: a loss that is a mean over the rows of a data set, with its
/// gradient over any minibatch of rows (d2l §11.5: the minibatch gradient is the mean of the examples' gradients).
/// Linear regression (<see cref="Problems.RegressionObjective{T}"/>) and logistic regression
/// (<see cref="Problems.LogisticRegression{T}"/>) are objectives; so is anything a user writes, by implementing this
/// interface or through <see cref="MinibatchObjective.From{T}"/>.
/// </summary>
/// <typeparam name="T"><see cref="float"/> or <see cref="double"/>.</typeparam>
/// <remarks>
/// An objective must be deterministic: the same parameters and rows give the same bits (resumed runs rely on it). It may
/// keep scratch buffers, so one instance serves one fold at a time.
/// </remarks>
public interface IMinibatchObjective<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>n, the rows (examples) of the data set; minibatches are drawn from [0, n).</summary>
    int Rows { get; }

    /// <summary>The number of parameters the model has.</summary>
    int ParameterCount { get; }

    /// <summary>
    /// Writes ∇ of the mean loss over <paramref name="rows"/> at <paramref name="parameters"/> into
    /// <paramref name="gradient"/>, and returns that mean loss (NaN when it is not computed).
    /// </summary>
    /// <param name="parameters">θ.</param>
    /// <param name="rows">The minibatch: distinct rows, at least one.</param>
    /// <param name="upcoming">The rows the fold will ask for next (a hint for prefetching; may be ignored or empty).</param>
    /// <param name="gradient">Receives the gradient; must not overlap <paramref name="parameters"/>.</param>
    double Gradient(ReadOnlySpan<T> parameters, ReadOnlySpan<int> rows, ReadOnlySpan<int> upcoming, Span<T> gradient);

    /// <summary>The mean loss over every row at <paramref name="parameters"/>: what the fold records.</summary>
    double Loss(ReadOnlySpan<T> parameters);
}

/// <summary>The minibatch gradient of a user's model: writes ∇ of the mean loss over <paramref name="rows"/> and returns that loss.</summary>
public delegate double MinibatchGradient<T>(ReadOnlySpan<T> parameters, ReadOnlySpan<int> rows, Span<T> gradient)
    where T : unmanaged, IFloatingPointIeee754<T>;

/// <summary>The mean loss of a user's model over every row.</summary>
public delegate double FullLoss<T>(ReadOnlySpan<T> parameters)
    where T : unmanaged, IFloatingPointIeee754<T>;

/// <summary>Objectives from delegates, for models written in a few lines.</summary>
public static class MinibatchObjective
{
    /// <summary>An objective whose gradient and loss are the given functions.</summary>
    /// <param name="rows">n, the rows of the data set.</param>
    /// <param name="parameterCount">The number of parameters.</param>
    /// <param name="gradient">(θ, rows, ∇) ↦ mean loss over the rows, writing the gradient.</param>
    /// <param name="loss">θ ↦ mean loss over every row.</param>
    /// <exception cref="ArgumentOutOfRangeException">A count is less than 1.</exception>
    public static IMinibatchObjective<T> From<T>(int rows, int parameterCount, MinibatchGradient<T> gradient, FullLoss<T> loss)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(rows, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(parameterCount, 1);
        ArgumentNullException.ThrowIfNull(gradient);
        ArgumentNullException.ThrowIfNull(loss);
        return new Delegated<T>(rows, parameterCount, gradient, loss);
    }

    private sealed class Delegated<T>(int rows, int parameterCount, MinibatchGradient<T> gradient, FullLoss<T> loss) : IMinibatchObjective<T>
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        public int Rows => rows;
        public int ParameterCount => parameterCount;

        public double Gradient(ReadOnlySpan<T> parameters, ReadOnlySpan<int> batch, ReadOnlySpan<int> upcoming, Span<T> destination) =>
            gradient(parameters, batch, destination);

        public double Loss(ReadOnlySpan<T> parameters) => loss(parameters);
    }
}

/// <summary>
/// Threads a shell lends to Core (concurrency is an effect: Core starts no thread of its own). Core cuts work into parts
/// that depend only on its shape and asks the team to run them, so results are the same bits whoever runs them.
/// </summary>
public interface IWorkerTeam
{
    /// <summary>The workers, the calling thread included (at least 1).</summary>
    int Workers { get; }

    /// <summary>
    /// Runs <paramref name="work"/>(w) for every worker w = 0 … <see cref="Workers"/> − 1 concurrently, w = 0 on the
    /// calling thread, and returns when all have finished; a failure of any is rethrown.
    /// </summary>
    void Run(Action<int> work);
}
