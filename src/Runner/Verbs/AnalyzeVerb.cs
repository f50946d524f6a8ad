using Momentum.Optimizers;
using Momentum.Runner.Cli;
using Momentum.Runner.Data;
using Momentum.Runner.Output;
using Momentum.Theory;

namespace Momentum.Runner.Verbs;

/// <summary>
/// The theory for a quadratic (d2l §11.6.3; Goh 2017): per eigenvalue λ the rate ρ(R(β, η, λ)), whether it converges
/// (0 &lt; ηλ &lt; 2 + 2β) and its regime; and the optimal gd and momentum parameters for μ = min λ, L = max λ.
/// </summary>
internal sealed class AnalyzeVerb : Verb<AnalyzeVerb.Settings>
{
    public sealed record Settings(double LearningRate, double Momentum, double[] Eigenvalues, double Epsilon, string? Matrix);

    public override string Name => "analyze";
    public override string Description => "Rates, convergence and regimes of momentum on a quadratic, per eigenvalue, and the optimal parameters: analyze.csv and optimal.csv.";
    public override string Example => "momentum analyze --lr 0.6 --momentum 0.5 --eigenvalues 0.2,4";

    public override IReadOnlyList<OptionSpec> Options { get; } =
    [
        new("--lr", "Learning rate η > 0.", "0.6"),
        new("--momentum", "Momentum β in [0, 1) (0 is gradient descent).", "0.5"),
        new("--eigenvalues", "λ1,…,λn, the eigenvalues of Q (default: the chapter's f, Hessian diag(0.2, 4)).", "0.2,4"),
        new("--matrix", "A file holding a symmetric matrix Q (CSV, TSV or whitespace); its eigenvalues replace --eigenvalues.", null),
        new("--epsilon", "Report the steps to shrink the error by this factor.", "1e-6"),
    ];

    protected override Settings Read(SettingsReader r)
    {
        var lr = r.Double("--lr", Rules.Positive);
        var momentum = r.Double("--momentum", Rules.MomentumRange);
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
                throw new UsageException($"{matrix}: {e.Message.Split(" (Parameter")[0]}");
            }
        }
        // The optimal parameters of a spectrum whose condition number overflows (or whose optimal β rounds to 1) are
        // refused by Core: the spectrum is refused here, before anything is written.
        var (mu, l) = (eigenvalues.Min(), eigenvalues.Max());
        if (mu > 0)
            try
            {
                OptimalParameters.ForGradientDescent(mu, l);
                OptimalParameters.ForMomentum(mu, l);
            }
            catch (HyperparameterException e)
            {
                throw new UsageException($"{(matrix is null ? $"--eigenvalues {SettingsReader.Shown(r.Text("--eigenvalues"))}" : matrix)}: {e.Problem}");
            }
        return new(lr, momentum, eigenvalues, epsilon, matrix);
    }

    protected override Task<int> RunAsync(Settings s, VerbContext context)
    {
        var (eta, beta) = (s.LearningRate, s.Momentum);
        var lambdas = s.Eigenvalues.Order().ToArray();
        var rows = lambdas.Select((l, k) =>
        {
            if (k % 4096 == 0) context.Cancellation.ThrowIfCancellationRequested();
            var rate = MomentumMatrix.SpectralRadius(beta, eta, l);
            return (Lambda: l, EtaLambda: eta * l, Rate: rate, Converges: Convergence.Converges(beta, eta, l),
                Regime: MomentumMatrix.RegimeOf(beta, eta, l), Steps: Convergence.StepsToShrink(rate, s.Epsilon));
        }).ToList();

        Csv.Write(context.Output, "analyze.csv", ["lambda", "eta_lambda", "rate", "converges", "regime", "steps_to_epsilon"],
            rows.Select(r => (IReadOnlyList<object>)[r.Lambda, r.EtaLambda, r.Rate, r.Converges, RegimeName(r.Regime), r.Steps]));

        var (mu, l) = (lambdas[0], lambdas[^1]);
        var optimal = mu > 0
            ? new[] { ("gd", OptimalParameters.ForGradientDescent(mu, l)), ("momentum", OptimalParameters.ForMomentum(mu, l)) }
            : [];
        Csv.Write(context.Output, "optimal.csv", ["method", "lr", "momentum", "rate"],
            optimal.Select(o => (IReadOnlyList<object>)[o.Item1, o.Item2.LearningRate, o.Item2.Momentum, o.Item2.Rate]));

        var bad = rows.FindIndex(r => !r.Converges);
        if (bad < 0)
        {
            var slowest = rows.MaxBy(r => r.Rate);
            context.Print($"converges: rate {Format.G(slowest.Rate, 3)} per step, slowest direction λ = {Format.G(slowest.Lambda)}, ~{Format.G(slowest.Steps, 6)} steps per {Format.G(s.Epsilon)}");
        }
        else if (rows[bad].EtaLambda <= 0)
            context.Print($"diverges: ηλ = {Format.Decimal(rows[bad].EtaLambda)} ≤ 0 for λ = {Format.G(rows[bad].Lambda)} (not a descent direction)");
        else
        {
            // Report the largest λ, the one furthest past the bound.
            var worst = rows[^1];
            context.Print($"diverges: ηλ = {Format.Decimal(worst.EtaLambda)} ≥ 2 + 2β = {Format.Decimal(Convergence.StabilityBound(beta))} for λ = {Format.G(worst.Lambda)}");
        }

        if (optimal.Length == 0)
            context.Print($"no optimal parameters: the smallest eigenvalue {Format.G(mu)} is not positive");
        foreach (var (method, p) in optimal)
            context.Print(method == "gd"
                ? $"optimal gd: lr {Format.G(p.LearningRate)}, rate {Format.G(p.Rate, 3)} per step (κ = {Format.G(OptimalParameters.ConditionNumber(mu, l))})"
                : $"optimal momentum: lr {Format.G(p.LearningRate)}, momentum {Format.G(p.Momentum)}, rate {Format.G(p.Rate, 3)} per step");
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
