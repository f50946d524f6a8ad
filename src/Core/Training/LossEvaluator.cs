using System.Numerics;
using Momentum.Problems;

namespace Momentum.Training;

/// <summary>
/// Evaluates the training loss at record points: directly (a pass over the data, as d2l's <c>evaluate_loss</c>) when
/// that is cheap, or from the data's second moments (<see cref="RegressionMoments"/>, one pass up front, then O(F²) per
/// record) when the direct passes would dominate the run, as recording every 200 examples of a million rows would.
/// </summary>
public sealed class LossEvaluator<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Above this many multiply-adds of direct evaluation over a run (~0.1 s), the moments are used.</summary>
    public const double DirectBudget = 1e8;

    private readonly Dataset<T> data;

    private LossEvaluator(Dataset<T> data, RegressionMoments? moments)
    {
        this.data = data;
        Moments = moments;
    }

    /// <summary>The moments in use, or null when the loss is evaluated directly.</summary>
    public RegressionMoments? Moments { get; }

    /// <summary>
    /// Chooses the method for a run of <paramref name="options"/> on <paramref name="data"/>: direct when the records
    /// of the whole run cost at most <see cref="DirectBudget"/> multiply-adds, otherwise the moments (computed here).
    /// </summary>
    public static LossEvaluator<T> For(Dataset<T> data, LegacyTrainingOptions options)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(options);
        var records = Math.Min((double)options.Epochs * data.Rows / options.RecordEvery, options.TotalSteps(data.Rows)) + 2;
        var direct = records * data.Rows * (data.FeatureCount + 1);
        return new(data, direct > DirectBudget ? RegressionMoments.Of(data) : null);
    }

    /// <summary>Evaluates directly, always.</summary>
    public static LossEvaluator<T> Direct(Dataset<T> data) => new(data, null);

    /// <summary>ℓ at <paramref name="parameters"/> over the whole training set.</summary>
    public double Loss(ReadOnlySpan<T> parameters) =>
        Moments is null ? LinearRegression.Loss(data, parameters) : Moments.Loss(parameters);
}
