using Momentum.Optimizers;
using Momentum.Runner.Cli;
using Momentum.Runner.Data;
using Momentum.Runner.Output;
using Momentum.Theory;

namespace Momentum.Runner.Verbs;

/// <summary>
/// The theory for a quadratic (d2l §11.6.3; Goh 2017): per eigenvalue λ the rate ρ(R(λ)) of the optimizer's own iteration
/// matrix (<see cref="LinearMethod"/>; for the book's heavy ball R(β, η, λ) of §11.6.3.2), whether it converges and its
/// regime; and the optimal gd, momentum and Nesterov parameters for μ = min λ, L = max λ.
/// </summary>
internal sealed class AnalyzeVerb : Verb<AnalyzeVerb.Settings>
{
    /// <param name="Optimal">The optimal parameters for μ = min λ, L = max λ by method (none when μ ≤ 0).</param>
    public sealed record Settings(OptimizerTable.Choice Optimizer, double[] Eigenvalues, double Epsilon, string? Matrix, IReadOnlyList<(string Method, OptimalParameters Parameters)> Optimal);

    public override string Name => "analyze";
    public override string Description => "Rates, convergence and regimes of any linear optimizer (momentum by default) on a quadratic, per eigenvalue, and the optimal parameters: analyze.csv and optimal.csv.";
    public override string Example => "momentum analyze --lr 0.6 --momentum 0.5 --eigenvalues 0.2,4";

    public override IReadOnlyList<OptionSpec> Options { get; } =
    [
        .. OptimizerTable.Specs(optimizer: "momentum", lr: "0.6", momentum: "0.5"),
        new("--eigenvalues", "λ1,…,λn, the eigenvalues of Q (default: the chapter's f, Hessian diag(0.2, 4)).", "0.2,4"),
        new("--matrix", "A file holding a symmetric matrix Q (CSV, TSV or whitespace); its eigenvalues replace --eigenvalues.", null),
        new("--epsilon", "Report the steps to shrink the error by this factor.", "1e-6"),
    ];

    protected override Settings Read(SettingsReader r)
    {
        var optimizer = OptimizerTable.Read(r);
        try
        {
            LinearMethod.Of(optimizer.Transformation);
        }
        catch (NonlinearMethodException e)
        {
            throw new UsageException($"--optimizer {optimizer.Description}: analyze reads rates off a fixed linear map, and {e.Message}");
        }
        var epsilon = r.Double("--epsilon", Rules.OpenUnitInterval);
        var matrix = r.OptionalText("--matrix");
        if (matrix is not null && r.IsSet("--eigenvalues"))
            throw new UsageException("--matrix and --eigenvalues: give one or the other, not both");
        double[] eigenvalues;
        if (matrix is null)
            eigenvalues = r.Doubles("--eigenvalues", Rules.Any);
        else
        {
            var table = DataFile.Read(matrix).Table;
            if (table.Rows != table.Columns)
                throw new UsageException($"{matrix}: the matrix is {table.Rows}×{table.Columns}; Q must be square");
            var q = new double[table.Rows, table.Columns];
            for (var i = 0; i < table.Rows; i++)
                for (var j = 0; j < table.Columns; j++)
                    q[i, j] = table[i, j];
            try
            {
                eigenvalues = [.. SymmetricEigen.Of(q).Eigenvalues];
            }
            catch (ArgumentException e)
            {
                throw new UsageException($"{matrix}: {Format.Reason(e)}");
            }
        }
        // The optimal parameters of a spectrum whose condition number overflows (or whose optimal β rounds to 1) are
        // refused by Core: the spectrum is refused here, before anything is written.
        var (mu, l) = (eigenvalues.Min(), eigenvalues.Max());
        IReadOnlyList<(string, OptimalParameters)> optimal = [];
        if (mu > 0)
            try
            {
                optimal = [("gd", OptimalParameters.ForGradientDescent(mu, l)), ("momentum", OptimalParameters.ForMomentum(mu, l)), ("nesterov", OptimalParameters.ForNesterov(mu, l))];
            }
            catch (HyperparameterException e)
            {
                throw new UsageException($"{(matrix is null ? $"--eigenvalues {SettingsReader.Shown(r.Text("--eigenvalues"))}" : matrix)}: {e.Problem}");
            }
        return new(optimizer, eigenvalues, epsilon, matrix, optimal);
    }

    protected override Task<int> RunAsync(Settings s, VerbContext context)
    {
        var eta = s.Optimizer.Values?.ConstantLearningRate ?? double.NaN;
        var method = LinearMethod.Of(s.Optimizer.Transformation);
        var lambdas = s.Eigenvalues.Order().ToArray();
        var rows = lambdas.Select((l, k) =>
        {
            if (k % 4096 == 0) context.Cancellation.ThrowIfCancellationRequested();
            var map = method.At(l);
            var rate = map.SpectralRadius();
            return (Lambda: l, EtaLambda: eta * l, Rate: rate, Converges: map.Converges(), Regime: map.Regime(), Steps: Convergence.StepsToShrink(rate, s.Epsilon));
        }).ToList();

        Csv.Write(context.Output, "analyze.csv", ["lambda", "eta_lambda", "rate", "converges", "regime", "steps_to_epsilon"],
            rows.Select(r => (IReadOnlyList<object>)[r.Lambda, r.EtaLambda, r.Rate, r.Converges, RegimeName(r.Regime), r.Steps]));

        var (mu, l) = (lambdas[0], lambdas[^1]);
        var optimal = s.Optimal;
        Csv.Write(context.Output, "optimal.csv", ["method", "lr", "momentum", "rate"],
            optimal.Select(o => (IReadOnlyList<object>)[o.Method, o.Parameters.LearningRate, o.Parameters.Momentum, o.Parameters.Rate]));

        var bad = rows.FindIndex(r => !r.Converges);
        if (bad < 0)
        {
            var slowest = rows.MaxBy(r => r.Rate);
            context.Print($"converges: rate {Format.G(slowest.Rate, 3)} per step, slowest direction λ = {Format.G(slowest.Lambda)}, ~{Format.G(slowest.Steps, 6)} steps per {Format.G(s.Epsilon)}");
        }
        else if (rows[bad].EtaLambda <= 0)
            context.Print($"diverges: ηλ = {Format.Decimal(rows[bad].EtaLambda)} ≤ 0 for λ = {Format.G(rows[bad].Lambda)} (not a descent direction)");
        else if (s.Optimizer.IsBooksHeavyBall)
        {
            // Report the largest λ, the one furthest past the bound (d2l §11.6.3.2: 0 < ηλ < 2 + 2β).
            var worst = rows[^1];
            context.Print($"diverges: ηλ = {Format.Decimal(worst.EtaLambda)} ≥ 2 + 2β = {Format.Decimal(Convergence.StabilityBound(s.Optimizer.Values!.Momentum))} for λ = {Format.G(worst.Lambda)}");
        }
        else
        {
            var worst = rows.Where(r => !r.Converges).MaxBy(r => r.Rate);
            var bound = s.Optimizer.AtLearningRate is { } family ? $"; the largest stable lr along it is {Format.G(Convergence.LargestStableLearningRate(family, worst.Lambda))}" : "";
            context.Print($"diverges: rate {Format.G(worst.Rate, 4)} ≥ 1 per step for λ = {Format.G(worst.Lambda)}{bound}");
        }

        if (optimal.Count == 0)
            context.Print($"no optimal parameters: the smallest eigenvalue {Format.G(mu)} is not positive");
        foreach (var (name, p) in optimal)
            context.Print(name == "gd"
                ? $"optimal gd: lr {Format.G(p.LearningRate)}, rate {Format.G(p.Rate, 3)} per step (κ = {Format.G(OptimalParameters.ConditionNumber(mu, l))})"
                : $"optimal {name}: lr {Format.G(p.LearningRate)}, momentum {Format.G(p.Momentum)}, rate {Format.G(p.Rate, 3)} per step");
        return Task.FromResult(App.Success);
    }

    public static string RegimeName(Regime regime) => regime switch
    {
        Regime.Ripples => "ripples",
        Regime.Monotone => "monotone",
        Regime.Oscillation => "oscillation",
        Regime.CriticallyDamped => "critically damped",
        _ => "divergence",
    };
}
