using System.Globalization;
using Momentum.Optimizers;

namespace Momentum.Runner.Cli;

/// <summary>
/// <c>--schedule</c>, Core's learning-rate schedules written on one line, all in optimizer steps and relative to <c>--lr</c>:
/// <c>constant</c>; <c>step:SIZE:GAMMA</c> (η·γ^⌊t/SIZE⌋); <c>exp:GAMMA</c> (η·γ^t);
/// <c>cosine:WARMUP:TOTAL[:FINAL]</c> (linear warmup from 0 to η over WARMUP steps, cosine down to FINAL·η at TOTAL);
/// <c>piecewise:STEP=FACTOR,…</c> (η·FACTOR from STEP on).
/// </summary>
internal static class ScheduleSettings
{
    public const string Help = "constant | step:SIZE:GAMMA | exp:GAMMA | cosine:WARMUP:TOTAL[:FINAL] | piecewise:STEP=FACTOR,… (steps; relative to --lr).";

    public static OptionSpec Spec { get; } = new("--schedule", "Learning-rate schedule: " + Help, "constant");

    /// <summary>The schedule, or null for a constant rate.</summary>
    public static Schedule? Read(SettingsReader r, double lr) => Parse(r.Text("--schedule"), lr);

    /// <summary>Parses a schedule for the base rate <paramref name="lr"/>; errors name <c>--schedule</c>.</summary>
    public static Schedule? Parse(string schedule, double lr)
    {
        var text = schedule.Trim();
        var parts = text.Split(':');
        UsageException Bad(string problem) => SettingsReader.Fail("--schedule", text, problem);
        double Number(string s, string what) =>
            SettingsReader.TryParseDouble(s, out var v) && v >= 0 ? v : throw Bad($"{what} \"{s}\" must be a non-negative number");
        long Steps(string s, string what, long minimum) =>
            long.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out var v) && v >= minimum
                ? v : throw Bad($"{what} \"{s}\" must be an integer ≥ {minimum}");

        try
        {
            switch (parts[0].ToLowerInvariant())
            {
                case "constant" when parts.Length == 1:
                    return null;
                case "step" when parts.Length == 3:
                    return Schedule.StepDecay(lr, Steps(parts[1], "SIZE", 1), Number(parts[2], "GAMMA"));
                case "exp" when parts.Length == 2:
                    return Schedule.Exponential(lr, Number(parts[1], "GAMMA"));
                case "cosine" when parts.Length is 3 or 4:
                    var warmup = Steps(parts[1], "WARMUP", 0);
                    var total = Steps(parts[2], "TOTAL", warmup + 1);
                    var final = parts.Length == 4 ? Number(parts[3], "FINAL") : 0;
                    return Schedule.WarmupCosine(warmup == 0 ? lr : 0, lr, warmup, total, final * lr);
                case "piecewise" when parts.Length == 2:
                    var pieces = parts[1].Split(',').Select(p => p.Split('=')).ToArray();
                    if (pieces.Any(p => p.Length != 2)) throw Bad("write piecewise:STEP=FACTOR,STEP=FACTOR,…");
                    var boundaries = pieces.Select(p => Steps(p[0], "STEP", 1)).ToArray();
                    for (var k = 1; k < boundaries.Length; k++)
                        if (boundaries[k] <= boundaries[k - 1]) throw Bad($"the steps must increase ({boundaries[k - 1]}, then {boundaries[k]})");
                    var factors = pieces.Select(p => Number(p[1], "FACTOR")).ToArray();
                    return Schedule.PiecewiseConstant(boundaries, [lr, .. factors.Select(f => f * lr)]);
                default:
                    throw Bad("must be " + Help);
            }
        }
        catch (HyperparameterException e)
        {
            throw Bad($"{e.Name} {e.Problem}");
        }
    }
}
