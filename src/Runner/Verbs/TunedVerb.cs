using Momentum.Optimizers;
using Momentum.Problems;
using Momentum.Runner.Cli;
using Momentum.Runner.Output;
using Momentum.Theory;

namespace Momentum.Runner.Verbs;

/// <summary>
/// Optimizers at their own optimal parameters on f(x) = ½ Σ λᵢxᵢ² (by default the chapter's f, λ = 0.2 and 4): the
/// parameters that minimise the worst rate over [μ, L] = [min λ, max λ] — closed forms for gd (η = 2/(μ + L)), heavy ball
/// (Polyak; Goh 2017) and Nesterov (Lessard, Recht and Packard 2016; <see cref="OptimalParameters"/>), Core's numerical
/// tuning of the optimizer's own map for keras, qhm and aggmo (<see cref="Tuning"/>) — then each run from x₀ and its
/// measured steps to shrink ‖x‖ by ε beside the prediction from its modes (<see cref="Convergence.StepsToShrink(LinearMethod, ReadOnlySpan{double}, ReadOnlySpan{double}, double)"/>).
/// Heavy ball's optimal parameters are not Nesterov's: each runs at its own.
/// </summary>
internal sealed class TunedVerb : Verb<TunedVerb.Settings>
{
    /// <summary>An optimizer at its optimum.</summary>
    /// <param name="Name">The table's name.</param>
    /// <param name="Method">The transformation at the optimal parameters.</param>
    /// <param name="LearningRate">η.</param>
    /// <param name="Momentum">β, for the optimizers that have one.</param>
    /// <param name="Nu">QHM's ν.</param>
    /// <param name="Rate">The worst rate over [μ, L] at these parameters.</param>
    public sealed record Optimum(string Name, IGradientTransformation Method, double LearningRate, double? Momentum, double? Nu, double Rate)
    {
        /// <summary>"η = 0.3101, β = 0.1474".</summary>
        public string Parameters =>
            string.Join(", ", new[] { $"η = {Format.G(LearningRate)}", Momentum is { } b ? $"β = {Format.G(b)}" : null, Nu is { } nu ? $"ν = {Format.G(nu)}" : null }.OfType<string>());
    }

    public sealed record Settings(IReadOnlyList<Optimum> Optima, double[] Eigenvalues, double[] Start, double Epsilon, int? Steps);

    /// <summary>The optimizers with optimal parameters: closed forms, or Core's tuning of the optimizer's own map.</summary>
    private static readonly Dictionary<string, Func<double, double, Optimum>> Optimal = new()
    {
        ["gd"] = (mu, l) => Closed("gd", OptimalParameters.ForGradientDescent(mu, l), p => Optimizer.GradientDescent(p.LearningRate), momentum: false),
        ["momentum"] = (mu, l) => Closed("momentum", OptimalParameters.ForMomentum(mu, l), p => Optimizer.HeavyBall(p.LearningRate, p.Momentum)),
        ["nesterov"] = (mu, l) => Closed("nesterov", OptimalParameters.ForNesterov(mu, l), p => Optimizer.Nesterov(p.LearningRate, p.Momentum)),
        ["keras"] = (mu, l) => Tuned("keras", Tuning.Keras(mu, l)),
        ["qhm"] = (mu, l) => Tuned("qhm", Tuning.Qhm(mu, l)),
        ["aggmo"] = (mu, l) => Tuned("aggmo", Tuning.AggMo(mu, l, Optimizer.AggMoDefaultBetas)),
    };

    private static Optimum Closed(string name, OptimalParameters p, Func<OptimalParameters, IGradientTransformation> build, bool momentum = true) =>
        new(name, build(p), p.LearningRate, momentum ? p.Momentum : null, null, p.Rate);

    private static Optimum Tuned(string name, TunedParameters t) =>
        new(name, t.Method, t["LearningRate"], t.Names.Contains("Momentum") ? t["Momentum"] : null, t.Names.Contains("Nu") ? t["Nu"] : null, t.Rate);

    public override string Name => "tuned";
    public override string Description => "Optimizers at their own optimal parameters on f(x) = ½ Σ λi·xi² (closed forms for gd, momentum, nesterov; tuned by Core for keras, qhm, aggmo), each run against its predicted steps: tuned.csv, optimal.csv and tuned.png.";
    public override string Example => "momentum tuned --optimizers momentum,nesterov --eigenvalues 0.2,4 --x0=-5,-2";

    public override IReadOnlyList<OptionSpec> Options { get; } =
    [
        new("--optimizers", $"The optimizers to compare (a list of {string.Join(", ", Optimal.Keys)}).", "momentum,nesterov"),
        new("--eigenvalues", "λ1,…,λn > 0 (default: the chapter's f, Hessian diag(0.2, 4)).", "0.2,4"),
        new("--x0", "The start: one value per coordinate, or one value for all.", "1"),
        new("--epsilon", "Count the steps until ‖x‖ stays below this fraction of ‖x0‖.", "1e-6"),
        new("--steps", "Steps of each run (default: twice the most steps predicted, at least 10).", null),
    ];

    protected override Settings Read(SettingsReader r)
    {
        var names = r.List("--optimizers").Select(n => n.Trim().ToLowerInvariant()).Distinct().ToList();
        foreach (var name in names)
            if (!Optimal.ContainsKey(name))
                throw SettingsReader.Fail("--optimizers", r.Text("--optimizers"), $"{SettingsReader.Shown(name)} has no optimal parameters here; give some of {string.Join(", ", Optimal.Keys)}");
        if (names.Count == 0) throw SettingsReader.Fail("--optimizers", "", "needs at least one optimizer");
        var eigenvalues = r.Doubles("--eigenvalues", Rules.Positive);
        var x0 = r.Doubles("--x0", Rules.Any);
        if (x0.Length != 1 && x0.Length != eigenvalues.Length)
            throw SettingsReader.Fail("--x0", r.Raw("--x0")!, $"needs 1 value or {eigenvalues.Length} (one per eigenvalue), found {x0.Length}");
        var start = x0.Length == 1 ? Enumerable.Repeat(x0[0], eigenvalues.Length).ToArray() : x0;
        if (start.All(v => v == 0)) throw SettingsReader.Fail("--x0", r.Raw("--x0")!, "must not be the minimum itself (x0 = 0)");
        var epsilon = r.Double("--epsilon", Rules.OpenUnitInterval);
        int? steps = r.OptionalText("--steps") is null ? null : r.Int("--steps", Rules.Between(1, 10_000_000));
        Limits.RequireValues("tuned.csv", (steps ?? 0) + 1L, names.Count * 4L, "(--steps + 1) rows × 4 columns per optimizer", "lower --steps");
        var (mu, l) = (eigenvalues.Min(), eigenvalues.Max());
        try
        {
            return new([.. names.Select(n => Optimal[n](mu, l))], eigenvalues, start, epsilon, steps);
        }
        catch (HyperparameterException e)
        {
            throw SettingsReader.Fail("--eigenvalues", r.Text("--eigenvalues"), e.Problem);
        }
    }

    protected override Task<int> RunAsync(Settings s, VerbContext context)
    {
        var problem = new DiagonalQuadratic([.. s.Eigenvalues]);
        var predicted = s.Optima.Select(o => Convergence.StepsToShrink(LinearMethod.Of(o.Method), s.Eigenvalues, s.Start, s.Epsilon)).ToArray();
        var steps = s.Steps ?? (int)Math.Clamp(2 * predicted.Where(double.IsFinite).DefaultIfEmpty(0).Max(), 10, 10_000_000);
        var norm0 = Norm(s.Start);
        var runs = new List<(Optimum Optimum, double[] Norms, double[] Values)>();
        foreach (var optimum in s.Optima)
        {
            context.Cancellation.ThrowIfCancellationRequested();
            var (norms, values) = (new double[steps + 1], new double[steps + 1]);
            try
            {
                Trajectory.Run(problem, optimum.Method, s.Start, steps, (t, x, f) =>
                {
                    (norms[t], values[t]) = (Norm(x) / norm0, f);
                    return true;
                });
            }
            catch (NonFiniteGradientException e)
            {
                context.Error.WriteLine($"diverged: {optimum.Name} at {optimum.Parameters}: the gradient overflowed at step {e.Step + 1}; nothing was written");
                return Task.FromResult(App.Diverged);
            }
            runs.Add((optimum, norms, values));
        }

        using (var csv = Csv.Begin(context.Output, "tuned.csv", ["optimizer", "step", "relative_error", "f"], context.Cancellation))
        {
            foreach (var (optimum, norms, values) in runs)
                for (var t = 0; t <= steps; t++) csv.Field(optimum.Name).Field(t).Field(norms[t]).Field(values[t]).End();
            csv.Finish();
        }
        var lines = new List<string>();
        var rows = new List<IReadOnlyList<object>>();
        for (var k = 0; k < runs.Count; k++)
        {
            var (optimum, norms, _) = runs[k];
            // The measured steps: one past the last step still above ε‖x₀‖ (none within the run: not reached); the average
            // rate (‖x_k‖/‖x₀‖)^(1/k) over them, above ρ by the start's transient.
            var last = Array.FindLastIndex(norms, v => !(v <= s.Epsilon));
            var reached = last < steps;
            var measured = last + 1;
            var rate = reached ? Math.Pow(norms[measured], 1.0 / measured) : double.NaN;
            rows.Add([optimum.Name, optimum.LearningRate, (object?)optimum.Momentum ?? "", (object?)optimum.Nu ?? "", optimum.Rate, predicted[k], reached ? measured : "", reached ? rate : ""]);
            lines.Add($"{optimum.Name} at its optimum ({optimum.Parameters}): rate {Format.G(optimum.Rate, 3)} per step, " +
                (reached ? $"{measured} steps to {Format.G(s.Epsilon)} (predicted {Format.G(predicted[k])})"
                         : $"not below {Format.G(s.Epsilon)} within {steps} steps (predicted {Format.G(predicted[k])})"));
        }
        Csv.Write(context.Output, "optimal.csv", ["optimizer", "lr", "momentum", "nu", "rate", "predicted_steps", "measured_steps", "average_rate"], rows);

        (string, double[], double[]) Series(Optimum optimum, double[] norms)
        {
            var thinned = new Thinning(steps + 1L, dimensions: 1);
            for (var t = 0; t <= steps; t++) thinned.Add(t, norms[t]);
            var (x, y) = thinned.Series();
            return ($"{optimum.Name} ({optimum.Parameters})", x, y);
        }
        var plot = Figures.LogLines($"At their own optimal parameters, λ ∈ [{Format.G(s.Eigenvalues.Min())}, {Format.G(s.Eigenvalues.Max())}]", "step", "‖x_t‖ / ‖x_0‖",
            [.. runs.Select(r => Series(r.Optimum, r.Norms)), ($"ε = {Format.G(s.Epsilon)}", [0, steps], [s.Epsilon, s.Epsilon])]);
        Figures.Save(context.Output, "tuned.png", plot);
        foreach (var line in lines) context.Print(line);
        return Task.FromResult(App.Success);
    }

    private static double Norm(ReadOnlySpan<double> x)
    {
        var norm = 0.0;
        foreach (var v in x) norm = double.Hypot(norm, v);
        return norm;
    }
}
