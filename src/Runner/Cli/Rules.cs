using System.Globalization;

namespace Momentum.Runner.Cli;

/// <summary>Checks on option values: each returns what is allowed when the value breaks the rule, or null.</summary>
internal static class Rules
{
    public static Func<double, string?> Positive { get; } = v => v > 0 ? null : "must be > 0";
    public static Func<double, string?> NonNegative { get; } = v => v >= 0 ? null : "must be ≥ 0";
    public static Func<double, string?> MomentumRange { get; } = v => v is >= 0 and < 1 ? null : "must be in [0, 1)";
    public static Func<double, string?> UnitInterval { get; } = v => v is >= 0 and <= 1 ? null : "must be in [0, 1]";
    public static Func<double, string?> OpenUnitInterval { get; } = v => v is > 0 and < 1 ? null : "must be in (0, 1)";
    public static Func<double, string?> Any { get; } = _ => null;

    public static Func<long, string?> AtLeast(long minimum) =>
        v => v >= minimum ? null : $"must be an integer ≥ {minimum.ToString(CultureInfo.InvariantCulture)}";

    public static Func<long, string?> Between(long minimum, long maximum) =>
        v => v >= minimum && v <= maximum ? null : $"must be an integer in [{minimum}, {maximum}]";
}
