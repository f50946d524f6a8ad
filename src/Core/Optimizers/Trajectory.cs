using System.Collections.Immutable;
using System.Runtime.InteropServices;
using Momentum.Kernels;
using Momentum.Problems;

namespace Momentum.Optimizers;

/// <summary>Sees one iterate of a trajectory: step t, x_t and f(x_t); returns false to stop the run there.</summary>
public delegate bool TrajectoryVisitor(long step, ReadOnlySpan<double> point, double value);

/// <summary>One recorded iterate: the step t, x_t and f(x_t).</summary>
/// <param name="Step">t (0 is the start).</param>
/// <param name="Point">x_t.</param>
/// <param name="Value">f(x_t).</param>
public sealed record Iterate(long Step, ImmutableArray<double> Point, double Value)
{
    /// <inheritdoc />
    public bool Equals(Iterate? other) => other is not null && Step == other.Step && Value.Equals(other.Value) && Point.SequenceEqual(other.Point);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Step, Value);

    /// <inheritdoc />
    private bool PrintMembers(System.Text.StringBuilder builder)
    {
        builder.Append("Step = ").Append(Step).Append(", Point = ").Append(Show.Values(Point.AsSpan())).Append(", Value = ").Append(Show.Number(Value));
        return true;
    }
}

/// <summary>
/// Full-gradient runs of an optimizer on an objective, x₀, x₁, … with f(x_t), as d2l's <c>train_2d</c> records them:
/// streamed to a visitor, so a run of millions of steps holds one iterate at a time, or collected every k-th step.
/// </summary>
public static class Trajectory
{
    /// <summary>
    /// Runs up to <paramref name="steps"/> steps of <paramref name="optimizer"/> on <paramref name="objective"/> from
    /// <paramref name="start"/>, showing <paramref name="visit"/> every iterate from x₀ on, and returns the final state.
    /// </summary>
    /// <param name="objective">f.</param>
    /// <param name="optimizer">Any gradient transformation.</param>
    /// <param name="start">x₀.</param>
    /// <param name="steps">The number of steps (≥ 0).</param>
    /// <param name="visit">Sees x_t after each step (and x₀ first); returning false stops the run after that iterate.</param>
    /// <param name="policy">What a non-finite gradient does: throw (with its step and index), skip the step, or stop the run before it.</param>
    /// <exception cref="ArgumentException"><paramref name="start"/> does not match the objective's dimension.</exception>
    /// <exception cref="NonFiniteGradientException">The gradient became NaN or ±∞ (the iterates diverged) under <see cref="NonFinitePolicy.Throw"/>.</exception>
    public static OptimizerState<double> Run(IObjective objective, IGradientTransformation optimizer, ReadOnlySpan<double> start, long steps,
        TrajectoryVisitor visit, NonFinitePolicy policy = NonFinitePolicy.Throw)
    {
        ArgumentNullException.ThrowIfNull(objective);
        ArgumentNullException.ThrowIfNull(optimizer);
        ArgumentNullException.ThrowIfNull(visit);
        ArgumentOutOfRangeException.ThrowIfNegative(steps);
        if (start.Length != objective.Dimension)
            throw new ArgumentException($"start has {start.Length} coordinates; the objective has {objective.Dimension}.", nameof(start));
        var n = start.Length;
        var x = start.ToArray();
        var (vectors, scalars) = (new double[optimizer.Shape.VectorLength(n)], new double[optimizer.Shape.Scalars.Length]);
        optimizer.Init<double>(x, new StateBuffers<double>(vectors, scalars, n));
        var gradient = new double[n];
        long taken = 0, skipped = 0;
        if (visit(0, x, objective.Value(x)))
            for (var t = 0L; t < steps; t++)
            {
                objective.Gradient(x, gradient);
                var bad = NonFinite.IndexOfFirst<double>(gradient);
                if (bad >= 0)
                {
                    if (policy == NonFinitePolicy.Skip) { skipped++; continue; }
                    if (policy == NonFinitePolicy.Stop) break;
                    throw new NonFiniteGradientException(bad, gradient[bad], taken);
                }
                optimizer.Step<double>(gradient, new StateBuffers<double>(vectors, scalars, n), x, taken++);
                if (!visit(t + 1, x, objective.Value(x))) break;
            }
        return new(ImmutableCollectionsMarshal.AsImmutableArray(x),
            TransformState<double>.Wrap(optimizer.Shape, n, vectors, scalars, taken), skipped);
    }

    /// <summary>
    /// The iterates x₀, x_k, x_{2k}, … and always the last, with f at each: a run of <paramref name="steps"/> steps kept
    /// every <paramref name="every"/>-th step.
    /// </summary>
    /// <inheritdoc cref="Run(IObjective, IGradientTransformation, ReadOnlySpan{double}, long, TrajectoryVisitor, NonFinitePolicy)"/>
    public static ImmutableArray<Iterate> Collect(IObjective objective, IGradientTransformation optimizer, ReadOnlySpan<double> start, long steps,
        long every = 1, NonFinitePolicy policy = NonFinitePolicy.Throw)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(every, 1);
        var points = ImmutableArray.CreateBuilder<Iterate>();
        var (lastStep, lastPoint, lastValue) = (0L, new double[start.Length], 0.0);
        Run(objective, optimizer, start, steps, (t, x, f) =>
        {
            if (t % every == 0) points.Add(new Iterate(t, [.. x], f));
            x.CopyTo(lastPoint);
            (lastStep, lastValue) = (t, f);
            return true;
        }, policy);
        if (points[^1].Step != lastStep) points.Add(new Iterate(lastStep, [.. lastPoint], lastValue));
        return points.ToImmutable();
    }

    /// <inheritdoc cref="Run(IObjective, IGradientTransformation, ReadOnlySpan{double}, long, TrajectoryVisitor, NonFinitePolicy)"/>
    public static OptimizerState<double> Run(IObjective objective, IGradientTransformation optimizer, double[] start, long steps,
        TrajectoryVisitor visit, NonFinitePolicy policy = NonFinitePolicy.Throw) =>
        Run(objective, optimizer, new ReadOnlySpan<double>(start), steps, visit, policy);

    /// <inheritdoc cref="Collect(IObjective, IGradientTransformation, ReadOnlySpan{double}, long, long, NonFinitePolicy)"/>
    public static ImmutableArray<Iterate> Collect(IObjective objective, IGradientTransformation optimizer, double[] start, long steps,
        long every = 1, NonFinitePolicy policy = NonFinitePolicy.Throw) =>
        Collect(objective, optimizer, new ReadOnlySpan<double>(start), steps, every, policy);
}
