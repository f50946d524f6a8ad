using System.Collections.Immutable;
using Momentum.Problems;

namespace Momentum.Optimizers;

/// <summary>
/// The iterates of an optimizer on an objective, x₀ … x_T with f(xₜ), as d2l's <c>train_2d</c> records them (step 0 is the start).
/// </summary>
/// <param name="Points">xₜ for t = 0 … T.</param>
/// <param name="Values">f(xₜ) for t = 0 … T.</param>
/// <param name="Final">The optimizer state after the last step.</param>
public sealed record LegacyTrajectory(ImmutableArray<ImmutableArray<double>> Points, ImmutableArray<double> Values, SgdState<double> Final)
{
    /// <summary>T, the number of steps taken.</summary>
    public int Steps => Points.Length - 1;

    /// <summary>
    /// Runs <paramref name="steps"/> full-gradient steps of <paramref name="options"/> on <paramref name="objective"/>
    /// from <paramref name="start"/>, with the learning rate of step t from <paramref name="schedule"/> when given.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="start"/> does not match the objective's dimension.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="steps"/> is negative, or the options are invalid.</exception>
    /// <exception cref="NonFiniteGradientException">The gradient overflowed (the iterates diverged to ±∞).</exception>
    public static LegacyTrajectory Run(IObjective objective, in SgdOptions options, ReadOnlySpan<double> start, int steps, Schedule? schedule = null)
    {
        ArgumentNullException.ThrowIfNull(objective);
        ArgumentOutOfRangeException.ThrowIfNegative(steps);
        if (start.Length != objective.Dimension)
            throw new ArgumentException($"start has {start.Length} coordinates; the objective has {objective.Dimension}.", nameof(start));
        options.Validate();

        var points = ImmutableArray.CreateBuilder<ImmutableArray<double>>(steps + 1);
        var values = ImmutableArray.CreateBuilder<double>(steps + 1);
        var state = SgdLegacy.Init(start);
        var gradient = new double[start.Length];
        points.Add(state.Parameters);
        values.Add(objective.Value(start));
        for (var t = 0; t < steps; t++)
        {
            objective.Gradient(state.Parameters.AsSpan(), gradient);
            state = schedule is null ? SgdLegacy.Step(options, state, gradient) : SgdLegacy.Step(options, schedule, state, gradient);
            points.Add(state.Parameters);
            values.Add(objective.Value(state.Parameters.AsSpan()));
        }
        return new(points.MoveToImmutable(), values.MoveToImmutable(), state);
    }

    /// <inheritdoc />
    public bool Equals(LegacyTrajectory? other) =>
        other is not null
        && Final.Equals(other.Final)
        && Values.SequenceEqual(other.Values)
        && Points.Zip(other.Points).All(p => p.First.SequenceEqual(p.Second));

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Points.Length, Final);
}
