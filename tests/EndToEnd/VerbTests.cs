using System.Numerics;

namespace Momentum.EndToEnd;

/// <summary>
/// Every verb through the program's entry point. Numbers are checked against values computed here, outside the code the
/// verbs run: closed forms of the linear recurrences (d2l §11.6; Lessard, Recht and Packard 2016 for Nesterov), PyTorch's
/// documented update written out, and the book's printed lines.
/// </summary>
public sealed class VerbTests : IDisposable
{
    private readonly Cli cli = new();

    public void Dispose() => cli.Dispose();

    /// <summary>
    /// Heavy ball on ½λx² from x₀ (v₀ = 0, so x₁ = (1 − ηλ)x₀): xₜ = a·σ₁ᵗ + b·σ₂ᵗ, σ the roots of
    /// σ² − (1 + β − ηλ)σ + β (d2l §11.6.3.2), a + b = x₀ and aσ₁ + bσ₂ = x₁. Returns xₜ and the size |a||σ₁|ᵗ + |b||σ₂|ᵗ
    /// of its terms, which bounds the rounding of the sum (the terms cancel where xₜ is small).
    /// </summary>
    private static (double Value, double Size) HeavyBall(double eta, double beta, double lambda, double start, int t)
    {
        if (t == 0) return (start, Math.Abs(start));
        var trace = 1 + beta - eta * lambda;
        var root = Complex.Sqrt(trace * trace - 4 * beta);
        var (s1, s2) = ((trace + root) / 2, (trace - root) / 2);
        var first = (1 - eta * lambda) * start;
        var a = (first - s2 * start) / (s1 - s2);
        var b = start - a;
        var (p1, p2) = (a * Complex.Pow(s1, t), b * Complex.Pow(s2, t));
        return ((p1 + p2).Real, p1.Magnitude + p2.Magnitude);
    }

    private static void Near(double expected, double size, double actual, string what) =>
        Assert.True(Math.Abs(actual - expected) <= 1e-12 * size + 1e-300, $"{what}: {actual:R}, closed form {expected:R}");

    [Theory]
    [InlineData("gd", "0.4", "", "epoch 20, x1: -0.943467, x2: -0.000073")]
    [InlineData("gd", "0.6", "", "epoch 20, x1: -0.387814, x2: -1673.365109")]
    [InlineData("momentum", "0.6", "0.5", "epoch 20, x1: 0.007188, x2: 0.002553")]
    [InlineData("momentum", "0.6", "0.25", "epoch 20, x1: -0.126340, x2: -0.186632")]
    public void Trace_prints_the_books_last_line_and_writes_the_closed_form_path(string optimizer, string lr, string momentum, string book)
    {
        // gd reads no momentum: giving it one is refused (ErrorTests), so the book's gd runs leave it out.
        var result = cli.Run(["trace", "--optimizer", optimizer, "--lr", lr, .. momentum.Length > 0 ? [$"--momentum={momentum}"] : Array.Empty<string>(), "--out", cli.PathOf("t")]);
        Assert.Equal(0, result.ExitCode);
        Assert.Equal(book, result.LastLine);

        // f(x) = 0.1x₁² + 2x₂² (d2l eq. 11.6.4) is ½λᵢxᵢ² with λ = (0.2, 4); gradient descent is heavy ball with β = 0.
        var (eta, beta) = (double.Parse(lr), momentum.Length > 0 ? double.Parse(momentum) : 0);
        var (header, rows) = Cli.ReadCsv(cli.PathOf("t", "trace.csv"));
        Assert.Equal(["step", "x1", "x2", "f"], header);
        Assert.Equal(21, rows.Length);
        for (var t = 0; t <= 20; t++)
        {
            Assert.Equal(t, int.Parse(rows[t][0]));
            var (x1, size1) = HeavyBall(eta, beta, 0.2, -5, t);
            var (x2, size2) = HeavyBall(eta, beta, 4, -2, t);
            Near(x1, size1, Cli.Number(rows[t][1]), $"x1 at step {t}");
            Near(x2, size2, Cli.Number(rows[t][2]), $"x2 at step {t}");
            Near(0.1 * x1 * x1 + 2 * x2 * x2, 0.1 * size1 * size1 + 2 * size2 * size2, Cli.Number(rows[t][3]), $"f at step {t}");
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
        // PyTorch's Nesterov on ½λx² (λ = 2·0.5 = 1 for x₁): xₜ₊₁ = (1 + β)(1 − ηλ)xₜ − β(1 − ηλ)xₜ₋₁, the recurrence of
        // its characteristic polynomial (Lessard, Recht and Packard 2016, §2), with x₁ = (1 − ηλ(1 + β))x₀.
        var (eta, beta, lambda) = (0.3, 0.5, 1.0);
        var x = new double[8];
        (x[0], x[1]) = (-3, (1 - eta * lambda * (1 + beta)) * -3);
        for (var t = 1; t < 7; t++) x[t + 1] = (1 + beta) * (1 - eta * lambda) * x[t] - beta * (1 - eta * lambda) * x[t - 1];
        var (_, rows) = Cli.ReadCsv(cli.PathOf("a", "trace.csv"));
        for (var t = 0; t <= 7; t++) Near(x[t], 3, Cli.Number(rows[t][1]), $"x1 at step {t}");
    }

    [Fact]
    public void Quadratic_writes_every_coordinate_with_torch_SGD_semantics()
    {
        var result = cli.Run("quadratic", "--optimizer", "momentum", "--lr", "0.5", "--momentum", "0.9", "--dampening", "0.1",
            "--weight-decay", "0.01", "--steps", "30", "--eigenvalues", "1,0.25,0.0625", "--x0", "1,-2,3", "--out", cli.PathOf("q"));
        Assert.Equal(0, result.ExitCode);
        // torch.optim.SGD's documented update, written out: g ← ∇f + λ_wd·x; b ← g on the first step, else βb + (1 − τ)g;
        // x ← x − ηb; f(x) = ½ Σ λᵢxᵢ² (without the decay term).
        double[] lambdas = [1, 0.25, 0.0625], x = [1, -2, 3], buffer = new double[3];
        var (header, rows) = Cli.ReadCsv(cli.PathOf("q", "quadratic.csv"));
        Assert.Equal(["step", "f", "x1", "x2", "x3"], header);
        Assert.Equal(31, rows.Length);
        for (var t = 0; t <= 30; t++)
        {
            var f = 0.5 * (lambdas[0] * x[0] * x[0] + lambdas[1] * x[1] * x[1] + lambdas[2] * x[2] * x[2]);
            var size = 1 + x.Sum(Math.Abs);
            Near(f, size * size, Cli.Number(rows[t][1]), $"f at step {t}");
            for (var i = 0; i < 3; i++)
            {
                Near(x[i], size, Cli.Number(rows[t][2 + i]), $"x{i + 1} at step {t}");
                var g = lambdas[i] * x[i] + 0.01 * x[i];
                buffer[i] = t == 0 ? g : 0.9 * buffer[i] + (1 - 0.1) * g;
                x[i] -= 0.5 * buffer[i];
            }
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
        // λᵢ = 2⁻ⁱ and η = 1: xₜ = (1 − 2⁻ⁱ)ᵗ·2, every product exact in double (at most 5·9 + 1 bits).
        for (var i = 0; i < 10; i++)
        {
            var x = 2.0;
            for (var t = 0; t <= 5; t++, x *= 1 - Math.ScaleB(1, -i))
                Assert.Equal(x, Cli.Number(rows[t][2 + i]));
        }
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
        // ηλ = 2.4 and 0.12: σ² − (1 + β − ηλ)σ + β has complex roots (discriminant 0.81 − 2 and 1.9044 − 2), of modulus √β.
        Assert.Equal(Math.Sqrt(0.5), Cli.Number(rows[0][2]), 1e-12);
        Assert.Equal(Math.Sqrt(0.5), Cli.Number(rows[1][2]), 1e-12);
        Assert.Equal("true", rows[1][3]);
        Assert.Equal("ripples", rows[1][4]);

        var (optimalHeader, optimal) = Cli.ReadCsv(cli.PathOf("a", "optimal.csv"));
        Assert.Equal(["method", "lr", "momentum", "rate"], optimalHeader);
        Assert.Equal(["gd", "momentum", "nesterov"], optimal.Select(r => r[0]));
        // κ = 20. Gradient descent: η = 2/(μ + L), rate (κ − 1)/(κ + 1) (Nesterov 2004). Heavy ball: η = 4/(√L + √μ)²,
        // β = ((√κ − 1)/(√κ + 1))², rate (√κ − 1)/(√κ + 1) (Polyak 1964). Nesterov: η = 4/(3L + μ),
        // β = (√(3κ + 1) − 2)/(√(3κ + 1) + 2), rate 1 − 2/√(3κ + 1) (Lessard, Recht and Packard 2016).
        var (mu, l, kappa) = (0.2, 4.0, 20.0);
        var (rootKappa, rootNesterov) = (Math.Sqrt(kappa), Math.Sqrt(3 * kappa + 1));
        double[][] closed =
        [
            [2 / (mu + l), 0, (kappa - 1) / (kappa + 1)],
            [4 / Math.Pow(Math.Sqrt(l) + Math.Sqrt(mu), 2), Math.Pow((rootKappa - 1) / (rootKappa + 1), 2), (rootKappa - 1) / (rootKappa + 1)],
            [4 / (3 * l + mu), (rootNesterov - 2) / (rootNesterov + 2), 1 - 2 / rootNesterov],
        ];
        for (var m = 0; m < 3; m++)
            for (var c = 0; c < 3; c++)
                Assert.Equal(closed[m][c], Cli.Number(optimal[m][1 + c]), 1e-12);
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
        // PyTorch's Nesterov along λ: σ² − (1 + β)(1 − ηλ)σ + β(1 − ηλ) (Lessard, Recht and Packard 2016, §2). At ηλ = 2.4
        // its roots are real, (−2.66 ± √12.1156)/2, the larger in modulus 3.0704; it converges iff ηλ < 2(1 + β)/(1 + 2β),
        // so the largest stable lr along λ = 4 is 3.8/2.8/4 = 0.33929. At ηλ = 0.12 the roots are complex, of modulus √(β(1 − ηλ)).
        Assert.Equal("diverges: rate 3.07 ≥ 1 per step for λ = 4; the largest stable lr along it is 0.3393", result.Lines[0]);
        var (_, rows) = Cli.ReadCsv(cli.PathOf("a", "analyze.csv"));
        Assert.Equal(Math.Sqrt(0.9 * (1 - 0.12)), Cli.Number(rows[0][2]), 1e-12);
        Assert.Equal((2.66 + Math.Sqrt(2.66 * 2.66 + 4 * 1.26)) / 2, Cli.Number(rows[1][2]), 1e-12);

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
            // The larger root of σ² − (1 + β − ηλ)σ + β in modulus; near a double root rounding moves the roots by about √ε.
            var trace = 1 + beta - etaLambda;
            var root = Complex.Sqrt(trace * trace - 4 * beta);
            Assert.Equal(Math.Max(((trace + root) / 2).Magnitude, ((trace - root) / 2).Magnitude), rate, 1e-7);
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
        Assert.All(rows, r => Assert.Equal(Math.Pow(Cli.Number(r[1]), int.Parse(r[0])), Cli.Number(r[2]), 1e-14)); // βᵗ (d2l §11.6.1.1)
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
