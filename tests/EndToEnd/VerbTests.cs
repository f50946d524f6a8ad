using Momentum.Optimizers;
using Momentum.Problems;
using Momentum.Theory;

namespace Momentum.EndToEnd;

public sealed class VerbTests : IDisposable
{
    private readonly Cli cli = new();

    public void Dispose() => cli.Dispose();

    [Theory]
    [InlineData("gd", "0.4", "", "epoch 20, x1: -0.943467, x2: -0.000073")]
    [InlineData("gd", "0.6", "", "epoch 20, x1: -0.387814, x2: -1673.365109")]
    [InlineData("momentum", "0.6", "0.5", "epoch 20, x1: 0.007188, x2: 0.002553")]
    [InlineData("momentum", "0.6", "0.25", "epoch 20, x1: -0.126340, x2: -0.186632")]
    public void Trace_prints_the_books_last_line_and_writes_the_path_as_Core_computes_it(string optimizer, string lr, string momentum, string book)
    {
        // gd reads no momentum: giving it one is refused (ErrorTests), so the book's gd runs leave it out.
        var result = cli.Run(["trace", "--optimizer", optimizer, "--lr", lr, .. momentum.Length > 0 ? [$"--momentum={momentum}"] : Array.Empty<string>(), "--out", cli.PathOf("t")]);
        Assert.Equal(0, result.ExitCode);
        Assert.Equal(book, result.LastLine);

        var method = optimizer == "gd" ? Optimizer.GradientDescent(double.Parse(lr)) : Optimizer.Sgd(double.Parse(lr), double.Parse(momentum));
        var expected = Trajectory.Collect(TwoDimensionalQuadratic.Chapter, method, [-5, -2], 20);
        var (header, rows) = Cli.ReadCsv(cli.PathOf("t", "trace.csv"));
        Assert.Equal(["step", "x1", "x2", "f"], header);
        Assert.Equal(21, rows.Length);
        for (var t = 0; t <= 20; t++)
        {
            Assert.Equal(t, int.Parse(rows[t][0]));
            // Round-trip: the text parses back to exactly Core's double.
            Assert.Equal(expected[t].Point[0], Cli.Number(rows[t][1]));
            Assert.Equal(expected[t].Point[1], Cli.Number(rows[t][2]));
            Assert.Equal(expected[t].Value, Cli.Number(rows[t][3]));
        }
        Cli.AssertPng(cli.PathOf("t", "trace.png"));
    }

    [Fact]
    public void Trace_accepts_negative_lists_in_both_option_forms_and_nesterov()
    {
        var a = cli.Run("trace", "--start=-3,-1", "--optimizer", "nesterov", "--lr", "0.3", "--momentum", "0.5", "--steps", "7", "--coefficients", "0.5,1", "--out", cli.PathOf("a"));
        var b = cli.Run("trace", "--start", "-3,-1", "--optimizer=nesterov", "--lr=0.3", "--momentum=0.5", "--steps=7", "--coefficients=0.5,1", "--out=" + cli.PathOf("b"));
        Assert.Equal(0, a.ExitCode);
        Assert.Equal(a.Out, b.Out);
        Assert.Equal(File.ReadAllText(cli.PathOf("a", "trace.csv")), File.ReadAllText(cli.PathOf("b", "trace.csv")));
        var expected = Trajectory.Collect(new TwoDimensionalQuadratic(0.5, 1), Optimizer.Nesterov(0.3, 0.5), [-3, -1], 7);
        var (_, rows) = Cli.ReadCsv(cli.PathOf("a", "trace.csv"));
        Assert.Equal(expected[7].Point[0], Cli.Number(rows[7][1]));
    }

    [Fact]
    public void Quadratic_writes_every_coordinate_with_torch_SGD_semantics()
    {
        var result = cli.Run("quadratic", "--optimizer", "momentum", "--lr", "0.5", "--momentum", "0.9", "--dampening", "0.1",
            "--weight-decay", "0.01", "--steps", "30", "--eigenvalues", "1,0.25,0.0625", "--x0", "1,-2,3", "--out", cli.PathOf("q"));
        Assert.Equal(0, result.ExitCode);
        var expected = Trajectory.Collect(new DiagonalQuadratic([1, 0.25, 0.0625]), new Sgd(0.5, 0.9, 0.1, 0.01), [1, -2, 3], 30);
        var (header, rows) = Cli.ReadCsv(cli.PathOf("q", "quadratic.csv"));
        Assert.Equal(["step", "f", "x1", "x2", "x3"], header);
        Assert.Equal(31, rows.Length);
        for (var t = 0; t <= 30; t++)
        {
            Assert.Equal(expected[t].Value, Cli.Number(rows[t][1]));
            for (var i = 0; i < 3; i++) Assert.Equal(expected[t].Point[i], Cli.Number(rows[t][2 + i]));
        }
        Cli.AssertPng(cli.PathOf("q", "quadratic.png"));
        Assert.StartsWith("step 30, f: ", result.LastLine);
    }

    [Fact]
    public void Quadratic_defaults_to_exercise_2_with_one_start_value_for_every_coordinate()
    {
        var result = cli.Run("quadratic", "--x0", "2", "--steps", "5", "--out", cli.PathOf("q"));
        Assert.Equal(0, result.ExitCode);
        var (header, rows) = Cli.ReadCsv(cli.PathOf("q", "quadratic.csv"));
        Assert.Equal(12, header.Length);
        Assert.All(rows[0].Skip(2), x => Assert.Equal(2, Cli.Number(x)));
        var expected = Trajectory.Collect(DiagonalQuadratic.Exercise2(), Optimizer.GradientDescent(1), Enumerable.Repeat(2.0, 10).ToArray(), 5);
        Assert.Equal(expected[5].Point[9], Cli.Number(rows[5][11]));
    }

    [Fact]
    public void Analyze_prints_the_convergent_verdict_and_the_optimal_parameters()
    {
        var result = cli.Run("analyze", "--lr", "0.6", "--momentum", "0.5", "--eigenvalues", "0.2,4", "--out", cli.PathOf("a"));
        Assert.Equal(0, result.ExitCode);
        Assert.Equal("converges: rate 0.707 per step, slowest direction λ = 0.2, ~40 steps per 1e-6", result.Lines[0]);

        var (header, rows) = Cli.ReadCsv(cli.PathOf("a", "analyze.csv"));
        Assert.Equal(["lambda", "eta_lambda", "rate", "converges", "regime"], header[..5]);
        Assert.Equal(0.2, Cli.Number(rows[0][0]));
        // Read off the optimizer's own step; the book's closed form R(β, η, λ) agrees to rounding.
        Assert.Equal(LinearMethod.Of(Optimizer.Sgd(0.6, 0.5)).At(4).SpectralRadius(), Cli.Number(rows[1][2]));
        Assert.Equal(MomentumMatrix.SpectralRadius(0.5, 0.6, 4), Cli.Number(rows[1][2]), 1e-12);
        Assert.Equal("true", rows[1][3]);
        Assert.Equal("ripples", rows[1][4]);

        var (optimalHeader, optimal) = Cli.ReadCsv(cli.PathOf("a", "optimal.csv"));
        Assert.Equal(["method", "lr", "momentum", "rate"], optimalHeader);
        Assert.Equal(["gd", "momentum", "nesterov"], optimal.Select(r => r[0]));
        Assert.Equal(OptimalParameters.ForNesterov(0.2, 4).Rate, Cli.Number(optimal[2][3]));
        var best = OptimalParameters.ForMomentum(0.2, 4);
        Assert.Equal(best.LearningRate, Cli.Number(optimal[1][1]));
        Assert.Equal(best.Momentum, Cli.Number(optimal[1][2]));
        Assert.Equal(OptimalParameters.ForGradientDescent(0.2, 4).Rate, Cli.Number(optimal[0][3]));
    }

    [Fact]
    public void Analyze_names_the_direction_that_diverges()
    {
        var result = cli.Run("analyze", "--lr", "0.6", "--momentum", "0", "--eigenvalues", "0.2,4", "--out", cli.PathOf("a"));
        Assert.Equal(0, result.ExitCode);
        Assert.Equal("diverges: ηλ = 2.4 ≥ 2 + 2β = 2.0 for λ = 4", result.Lines[0]);
        var (_, rows) = Cli.ReadCsv(cli.PathOf("a", "analyze.csv"));
        Assert.Equal(["false", "divergence"], rows[1][3..5]);
    }

    [Fact]
    public void Analyze_reads_any_linear_optimizers_rates_off_its_step_and_refuses_one_that_is_not_linear()
    {
        var result = cli.Run("analyze", "--optimizer", "nesterov", "--lr", "0.6", "--momentum", "0.9", "--eigenvalues", "0.2,4", "--out", cli.PathOf("a"));
        Assert.Equal(0, result.ExitCode);
        var bound = Convergence.LargestStableLearningRate(eta => Optimizer.Nesterov(eta, 0.9), 4);
        Assert.Equal($"diverges: rate {Momentum.Runner.Cli.Format.G(LinearMethod.Of(Optimizer.Nesterov(0.6, 0.9)).At(4).SpectralRadius(), 4)} ≥ 1 per step for λ = 4; the largest stable lr along it is {Momentum.Runner.Cli.Format.G(bound)}", result.Lines[0]);
        var (_, rows) = Cli.ReadCsv(cli.PathOf("a", "analyze.csv"));
        Assert.Equal(LinearMethod.Of(Optimizer.Nesterov(0.6, 0.9)).At(0.2).SpectralRadius(), Cli.Number(rows[0][2]));

        var qhm = cli.Run("analyze", "--optimizer", "qhm", "--lr", "0.3", "--momentum", "0.9", "--nu", "0.7", "--out", cli.PathOf("q"));
        Assert.StartsWith("converges: rate ", qhm.Lines[0]);

        var demon = cli.Run("analyze", "--optimizer", "demon", "--out", cli.PathOf("d"));
        Assert.Equal(2, demon.ExitCode);
        Assert.Contains("analyze reads rates off a fixed linear map", demon.Error);
        Assert.False(Directory.Exists(cli.PathOf("d")));
    }

    [Fact]
    public void Analyze_reads_a_symmetric_matrix_and_uses_its_eigenvalues()
    {
        // Q = OᵀΛO with eigenvalues 1 and 9, written by hand with CR LF line endings and a header.
        File.WriteAllText(cli.PathOf("q.csv"), "a,b\r\n5,4\r\n4,5\r\n");
        var result = cli.Run("analyze", "--matrix", cli.PathOf("q.csv"), "--lr", "0.1", "--momentum", "0", "--out", cli.PathOf("a"));
        Assert.Equal(0, result.ExitCode);
        var (_, rows) = Cli.ReadCsv(cli.PathOf("a", "analyze.csv"));
        Assert.Equal(1, Cli.Number(rows[0][0]), 12);
        Assert.Equal(9, Cli.Number(rows[1][0]), 12);
        Assert.Equal("converges: rate 0.9 per step, slowest direction λ = 1, ~132 steps per 1e-6", result.Lines[0]);
    }

    [Fact]
    public void Region_maps_the_rate_over_eta_lambda_and_beta()
    {
        var result = cli.Run("region", "--points", "40", "--out", cli.PathOf("r"));
        Assert.Equal(0, result.ExitCode);
        var (header, rows) = Cli.ReadCsv(cli.PathOf("r", "region.csv"));
        Assert.Equal(["eta_lambda", "beta", "rate"], header[..3]);
        Assert.Equal(1600, rows.Length);
        foreach (var row in rows)
        {
            var (etaLambda, beta, rate) = (Cli.Number(row[0]), Cli.Number(row[1]), Cli.Number(row[2]));
            Assert.InRange(etaLambda, 1e-9, 4);
            Assert.InRange(beta, 0, 0.999);
            Assert.Equal(MomentumMatrix.SpectralRadius(beta, etaLambda, 1), rate);
            if (Math.Abs(etaLambda - (2 + 2 * beta)) > 1e-9) // on the boundary itself ρ = 1 up to rounding
                Assert.Equal(etaLambda < 2 + 2 * beta, rate < 1);
        }
        Cli.AssertPng(cli.PathOf("r", "region.png"));
    }

    [Fact]
    public void Weights_writes_beta_to_the_tau_and_prints_the_effective_number_of_gradients()
    {
        var result = cli.Run("weights", "--out", cli.PathOf("w"));
        Assert.Equal(0, result.ExitCode);
        Assert.Equal(
            ["beta = 0.95: 1/(1 - beta) = 20 gradients", "beta = 0.9: 1/(1 - beta) = 10 gradients",
             "beta = 0.6: 1/(1 - beta) = 2.5 gradients", "beta = 0: 1/(1 - beta) = 1 gradient"],
            result.Lines);
        var (header, rows) = Cli.ReadCsv(cli.PathOf("w", "weights.csv"));
        Assert.Equal(["t", "beta", "weight"], header);
        Assert.Equal(160, rows.Length);
        Assert.All(rows, r => Assert.Equal(EffectiveSampleWeights.Weight(Cli.Number(r[1]), int.Parse(r[0])), Cli.Number(r[2])));
        Cli.AssertPng(cli.PathOf("w", "weights.png"));
    }

    [Fact]
    public void Scalar_writes_one_minus_eta_lambda_to_the_t()
    {
        var result = cli.Run("scalar", "--out", cli.PathOf("s"));
        Assert.Equal(0, result.ExitCode);
        var (header, rows) = Cli.ReadCsv(cli.PathOf("s", "scalar.csv"));
        Assert.Equal(["t", "lambda", "x"], header);
        Assert.Equal(80, rows.Length);
        Assert.All(rows, r => Assert.Equal(Math.Pow(1 - 0.1 * Cli.Number(r[1]), int.Parse(r[0])), Cli.Number(r[2]), 14));
        Assert.Contains(result.Lines, l => l.StartsWith("lambda = 19: ", StringComparison.Ordinal) && l.EndsWith("(converges, oscillating)", StringComparison.Ordinal));
        Cli.AssertPng(cli.PathOf("s", "scalar.png"));
    }

    [Fact]
    public void Chapter_runs_every_experiment_and_reports_each_with_the_books_lines()
    {
        var result = cli.Run("--out", cli.PathOf("out"));
        Assert.Equal(0, result.ExitCode);
        var report = File.ReadAllText(cli.PathOf("out", "report.md"));
        Assert.Equal(4, report.Split("(same)").Length - 1);
        Assert.DoesNotContain("DIFFERENT", report);
        var pngs = Directory.GetFiles(cli.PathOf("out"), "*.png", SearchOption.AllDirectories);
        Assert.Equal(17, pngs.Length);
        Assert.Contains("Minibatch runs (sections 6–9 and 18): data: ", report);
        foreach (var png in pngs)
        {
            Cli.AssertPng(png);
            Assert.Contains(Path.GetRelativePath(cli.PathOf("out"), png).Replace('\\', '/'), report);
        }
        Assert.Contains("converges: rate 0.707 per step", report);
        // Heavy ball and Nesterov at their own optimal parameters both converge, as predicted.
        Assert.Matches(@"momentum at its optimum \(η = 0\.6679, β = 0\.4026\): rate 0\.635 per step, (\d+) steps to 1e-6 \(predicted \1\)", report);
        Assert.Matches(@"nesterov at its optimum \(η = 0\.3279, β = 0\.5923\): rate 0\.744 per step, (\d+) steps to 1e-6 \(predicted \1\)", report);
        // The exercises are answered after the sections, each with the run's numbers and figures.
        var exercises = report[report.IndexOf("## Exercises (d2l §11.6.5)", StringComparison.Ordinal)..];
        foreach (var heading in new[] { "### 1. ", "### 2. ", "### 3. ", "### 4. " }) Assert.Contains(heading, exercises);
        Assert.Contains("section 16: plateau: measured ", exercises);
        Assert.Contains("section 18: minimum loss ℓ* = ", exercises);
        Assert.Contains("![section 18](18-plateau/plateau.png)", exercises);
        Assert.Contains("x* = (-1.44444, 1.55556) and h(x*) = 0.722222", exercises);
        Assert.Empty(Directory.GetFiles(cli.PathOf("out"), "*.tmp", SearchOption.AllDirectories));
    }

    [Fact]
    public void Help_shows_every_option_with_its_default()
    {
        var result = cli.Run("quadratic", "--help");
        Assert.Equal(0, result.ExitCode);
        foreach (var option in new[] { "--optimizer", "--lr", "--momentum", "--dampening", "--weight-decay", "--steps", "--eigenvalues", "--x0", "--out" })
            Assert.Contains(option, result.Out);
        Assert.Contains("[default: 100]", result.Out);
        Assert.Contains("[default: out/quadratic]", result.Out);
    }
}
