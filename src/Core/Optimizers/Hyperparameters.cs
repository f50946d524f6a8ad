using System.Globalization;

namespace Momentum.Optimizers;

/// <summary>
/// The values a hyperparameter may take: an interval of the real line, written as people read it
/// (<c>must be in [0, 1)</c>, <c>must be ≥ 0</c>). Every transformation checks its hyperparameters against one of these,
/// so the rule is written once and a shell can print it in its help text and map a refusal to its own option name.
/// </summary>
/// <param name="Minimum">The lower end (−∞ for none).</param>
/// <param name="MinimumIncluded">Whether the lower end itself is allowed.</param>
/// <param name="Maximum">The upper end (+∞ for none).</param>
/// <param name="MaximumIncluded">Whether the upper end itself is allowed.</param>
public sealed record ValueRange(double Minimum, bool MinimumIncluded, double Maximum, bool MaximumIncluded)
{
    /// <summary>[0, ∞): learning rates, weight decay, clipping thresholds.</summary>
    public static ValueRange NonNegative { get; } = new(0, true, double.PositiveInfinity, false);

    /// <summary>(0, ∞).</summary>
    public static ValueRange Positive { get; } = new(0, false, double.PositiveInfinity, false);

    /// <summary>[0, 1): momentum β, where the chapter's theory holds (β ≥ 1 never converges on a quadratic).</summary>
    public static ValueRange UnitInterval { get; } = new(0, true, 1, false);

    /// <summary>[0, 1]: dampening, ν of QHM, interpolation weights.</summary>
    public static ValueRange ClosedUnitInterval { get; } = new(0, true, 1, true);

    /// <summary>(0, 1): Schedule-Free's β, Lookahead's α.</summary>
    public static ValueRange OpenUnitInterval { get; } = new(0, false, 1, false);

    /// <summary>Any finite number.</summary>
    public static ValueRange Finite { get; } = new(double.NegativeInfinity, false, double.PositiveInfinity, false);

    /// <summary>Whether <paramref name="value"/> is finite and inside the range.</summary>
    public bool Contains(double value) =>
        double.IsFinite(value)
        && (MinimumIncluded ? value >= Minimum : value > Minimum)
        && (MaximumIncluded ? value <= Maximum : value < Maximum);

    /// <summary>What is allowed, as a message ends: "must be in [0, 1)", "must be ≥ 0", "must be a finite number".</summary>
    public string Describe()
    {
        var (low, high) = (double.IsFinite(Minimum), double.IsFinite(Maximum));
        if (low && high)
            return $"must be in {(MinimumIncluded ? '[' : '(')}{Text(Minimum)}, {Text(Maximum)}{(MaximumIncluded ? ']' : ')')}";
        if (low) return $"must be {(MinimumIncluded ? "≥" : ">")} {Text(Minimum)}";
        if (high) return $"must be {(MaximumIncluded ? "≤" : "<")} {Text(Maximum)}";
        return "must be a finite number";
    }

    // What a refusal of value says: NaN or an infinity, refused by a range bounded on one side only, is told that it must
    // be finite ("must be a finite number ≥ 0"), not only the bound it may not even break.
    internal string Describe(double value) =>
        !double.IsFinite(value) && double.IsFinite(Minimum) != double.IsFinite(Maximum)
            ? "must be a finite number" + Describe()["must be".Length..]
            : Describe();

    private static string Text(double value) => value.ToString("G6", CultureInfo.InvariantCulture);
}

/// <summary>
/// A hyperparameter of a transformation was outside its <see cref="ValueRange"/>: at construction, or at a step where
/// its schedule gave such a value. Carries the transformation's and the hyperparameter's names (as in the code:
/// <c>Trace</c>, <c>Momentum</c>) so a shell can name its own option for it.
/// </summary>
public sealed class HyperparameterException : ArgumentOutOfRangeException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="transformation">The transformation (or schedule) type's name.</param>
    /// <param name="name">The hyperparameter's property name.</param>
    /// <param name="value">The value refused.</param>
    /// <param name="problem">What is allowed, e.g. "must be in [0, 1)".</param>
    /// <param name="step">The step whose scheduled value was refused, or null when refused at construction.</param>
    public HyperparameterException(string transformation, string name, double value, string problem, long? step = null)
        : base(name, value, problem)
    {
        text = $"{transformation}.{name} = {value.ToString("R", CultureInfo.InvariantCulture)}: {problem}"
            + (step is { } t ? $" (the schedule's value at step {t})" : "");
        Transformation = transformation;
        Name = name;
        Value = value;
        Problem = problem;
        Step = step;
    }

    /// <summary>The transformation (or schedule) type's name, e.g. <c>Trace</c>.</summary>
    public string Transformation { get; }

    /// <summary>The hyperparameter's property name, e.g. <c>Momentum</c>.</summary>
    public string Name { get; }

    /// <summary>The value refused.</summary>
    public double Value { get; }

    /// <summary>What is allowed, e.g. "must be in [0, 1)".</summary>
    public string Problem { get; }

    /// <summary>The step whose scheduled value was refused, or null when refused at construction.</summary>
    public long? Step { get; }

    /// <summary>One line: <c>Trace.Momentum = 1.5: must be in [0, 1)</c>.</summary>
    public override string Message => text;

    private readonly string text;
}

/// <summary>The checks every transformation applies to its hyperparameters (one rule, one message).</summary>
internal static class Require
{
    /// <summary><paramref name="value"/> when it is inside <paramref name="range"/>; otherwise throws naming it.</summary>
    public static double In(double value, ValueRange range, string owner, string name) =>
        range.Contains(value) ? value : throw new HyperparameterException(owner, name, value, range.Describe(value));

    /// <summary>
    /// A schedule whose constant value (if it is constant) lies inside <paramref name="range"/>; a varying schedule is
    /// checked at each step by <see cref="At"/>.
    /// </summary>
    public static Schedule In(Schedule schedule, ValueRange range, string owner, string name)
    {
        ArgumentNullException.ThrowIfNull(schedule, name);
        if (schedule is ConstantSchedule constant) In(constant.Value, range, owner, name);
        return schedule;
    }

    /// <summary>The schedule's value at <paramref name="step"/>, checked against <paramref name="range"/>.</summary>
    public static double At(Schedule schedule, long step, ValueRange range, string owner, string name)
    {
        var value = schedule.At(step);
        return range.Contains(value) ? value : throw new HyperparameterException(owner, name, value, range.Describe(value), step);
    }

    /// <summary>A count of at least <paramref name="minimum"/>.</summary>
    public static int AtLeast(int value, int minimum, string owner, string name) =>
        value >= minimum ? value : throw new HyperparameterException(owner, name, value, $"must be an integer ≥ {minimum}");

    /// <summary>A count of at least <paramref name="minimum"/>.</summary>
    public static long AtLeast(long value, long minimum, string owner, string name) =>
        value >= minimum ? value : throw new HyperparameterException(owner, name, value, $"must be an integer ≥ {minimum}");
}
