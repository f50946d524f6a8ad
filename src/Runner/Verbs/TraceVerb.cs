using Momentum.Optimizers;
using Momentum.Problems;
using Momentum.Runner.Cli;
using Momentum.Runner.Output;

namespace Momentum.Runner.Verbs;

/// <summary>
/// d2l's <c>train_2d</c> and <c>show_trace_2d</c> (§11.6.1.2): an optimizer on f(x) = a₁x₁² + a₂x₂² from a start point,
/// the path as <c>trace.csv</c> and drawn over the contours of f in <c>trace.png</c>. Any optimizer of the table runs
/// (<see cref="OptimizerTable"/>); Core's <see cref="Trajectory.Run(IObjective, IGradientTransformation, ReadOnlySpan{double}, long, TrajectoryVisitor, NonFinitePolicy)"/>
/// shows each point as it is computed, straight into trace.csv, and the figure keeps a thinned path
/// (<see cref="Thinning"/>), so memory does not grow with --steps.
/// </summary>
internal sealed class TraceVerb : Verb<TraceVerb.Settings>
{
    public sealed record Settings(OptimizerTable.Choice Optimizer, int Steps, double[] Start, double[] Coefficients);

    public override string Name => "trace";
    public override string Description => "The path of an optimizer (gd, momentum, nesterov, qhm, …) on f(x) = a1·x1² + a2·x2² (d2l's train_2d): trace.csv and trace.png.";
    public override string Example => "momentum trace --optimizer momentum --lr 0.6 --momentum 0.5";

    public override IReadOnlyList<OptionSpec> Options { get; } =
    [
        .. OptimizerTable.Specs(optimizer: "gd", lr: "0.4", momentum: "0.5"),
        new("--steps", "Number of steps.", "20"),
        new("--start", "Start point x1,x2.", "-5,-2"),
        new("--coefficients", "a1,a2 in f(x) = a1·x1² + a2·x2² (the chapter's 0.1,2).", "0.1,2"),
    ];

    protected override Settings Read(SettingsReader r) => new(
        OptimizerTable.Read(r),
        r.Int("--steps", Rules.Between(0, 10_000_000)),
        r.Doubles("--start", Rules.Any, count: 2),
        r.Doubles("--coefficients", Rules.Any, count: 2));

    protected override Task<int> RunAsync(Settings s, VerbContext context)
    {
        var f = new TwoDimensionalQuadratic(s.Coefficients[0], s.Coefficients[1]);
        var path = new Thinning(s.Steps + 1L, dimensions: 2);
        var last = s.Start;
        using (var csv = Csv.Begin(context.Output, "trace.csv", ["step", "x1", "x2", "f"], context.Cancellation))
        {
            try
            {
                var end = Trajectory.Run(f, s.Optimizer.Transformation, s.Start, s.Steps, (t, x, value) =>
                {
                    csv.Field(t).Field(x[0]).Field(x[1]).Field(value).End();
                    path.Add(t, x);
                    return true;
                });
                last = [.. end.Parameters];
            }
            catch (NonFiniteGradientException e)
            {
                context.Error.WriteLine($"diverged: the gradient overflowed at step {e.Step + 1}; nothing was written");
                return Task.FromResult(App.Diverged);
            }
            csv.Finish();
        }

        var title = $"{s.Optimizer.Description} on f(x) = {Format.G(f.A1)}·x1² + {Format.G(f.A2)}·x2²";
        Figures.Save(context.Output, "trace.png", Figures.Trace2d(title, [.. path.Points.Select(p => (p.Values[0], p.Values[1]))], (x1, x2) => f.Value([x1, x2])));

        context.Print($"epoch {s.Steps}, x1: {Format.F(last[0], 6)}, x2: {Format.F(last[1], 6)}");
        return Task.FromResult(App.Success);
    }
}
