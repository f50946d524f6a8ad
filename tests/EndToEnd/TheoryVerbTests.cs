using Momentum.Optimizers;
using Momentum.Theory;

namespace Momentum.EndToEnd;

/// <summary>The theory's verbs for any linear optimizer: region's map of its own R, noise against the Lyapunov prediction, plateau, tuned.</summary>
public sealed class TheoryVerbTests : IDisposable
{
    private readonly Cli cli = new();

    public void Dispose() => cli.Dispose();

    [Fact]
    public void Region_maps_nesterovs_own_rate_and_leaves_out_the_momentum_pytorch_refuses()
    {
        var result = cli.Run("region", "--optimizer", "nesterov", "--points", "30", "--out", cli.PathOf("r"));
        Assert.Equal(0, result.ExitCode);
        // PyTorch's Nesterov converges exactly for 0 < ηλ < 2(1 + β)/(1 + 2β).
        var etaLambdas = Enumerable.Range(1, 30).Select(i => 4.0 * i / 30).ToArray();
        var converging = Enumerable.Range(1, 29).Sum(j => etaLambdas.Count(el => el < Convergence.NesterovStabilityBound(j / 30.0)));
        Assert.Equal($"converges for {converging} of 870 grid points (1 row of β left out: --momentum 0: must be > 0 with Nesterov momentum); " +
            "stability border ηλ = 1.5 (β = 0.5), ηλ = 1.357 (β = 0.9)", result.Lines.Single());

        var (header, rows) = Cli.ReadCsv(cli.PathOf("r", "region.csv"));
        Assert.Equal(["eta_lambda", "beta", "rate", "regime"], header);
        Assert.Equal(29 * 30, rows.Length);
        foreach (var row in rows.Chunk(30))
        {
            var beta = Cli.Number(row[0][1]);
            Assert.True(beta > 0);
            var cells = Region.Row((eta, b) => Optimizer.Nesterov(eta, b), beta, etaLambdas);
            for (var i = 0; i < 30; i++)
            {
                Assert.Equal(etaLambdas[i], Cli.Number(row[i][0]));
                Assert.Equal(cells[i].Rate, Cli.Number(row[i][2]));
                Assert.Equal(etaLambdas[i] < Convergence.NesterovStabilityBound(beta), cells[i].Rate < 1);
            }
        }
        Cli.AssertPng(cli.PathOf("r", "region.png"));
    }

    [Fact]
    public void Region_of_the_books_heavy_ball_is_the_same_whether_or_not_the_optimizer_is_named()
    {
        Assert.Equal(0, cli.Run("region", "--points", "25", "--out", cli.PathOf("a")).ExitCode);
        var named = cli.Run("region", "--optimizer", "momentum", "--points", "25", "--out", cli.PathOf("b"));
        Assert.Equal(0, named.ExitCode);
        var converging = Enumerable.Range(0, 25).Sum(j => Enumerable.Range(1, 25).Count(i => 4.0 * i / 25 < 2 + 2 * (j / 25.0)));
        Assert.Equal($"converges for {converging} of 625 grid points; boundary ηλ = 2 + 2β", named.LastLine);
        Assert.Equal(File.ReadAllBytes(cli.PathOf("a", "region.csv")), File.ReadAllBytes(cli.PathOf("b", "region.csv")));
    }

    [Fact]
    public void Region_of_qhm_and_of_dampened_heavy_ball_cross_the_papers_borders()
    {
        // Gitman et al. 2019: QHM converges for 0 < αλ < 2(1 + β)/(1 + β − 2βν): 3.75 at β = 0.5, ν = 0.7.
        var qhm = cli.Run("region", "--optimizer", "qhm", "--nu", "0.7", "--points", "20", "--eta-lambda-max", "8", "--out", cli.PathOf("q"));
        Assert.Equal(0, qhm.ExitCode);
        Assert.EndsWith("; stability border ηλ = 2 (β = 0), ηλ = 3.75 (β = 0.5), ηλ = 5.937 (β = 0.9)", qhm.LastLine);

        // Dampening d scales the gradient into the buffer by 1 − d: heavy ball's border 2 + 2β at ηλ(1 − d).
        var dampened = cli.Run("region", "--dampening", "0.5", "--points", "20", "--eta-lambda-max", "8", "--out", cli.PathOf("d"));
        Assert.Equal(0, dampened.ExitCode);
        // (β = 0 is plain gradient descent in torch.optim.SGD: no buffer, so no dampening.)
        Assert.EndsWith("; stability border ηλ = 2 (β = 0), ηλ = 6 (β = 0.5), ηλ = 7.6 (β = 0.9)", dampened.LastLine);
        var (_, rows) = Cli.ReadCsv(cli.PathOf("d", "region.csv"));
        Assert.Equal(400, rows.Length);
        Assert.All(rows, r => Assert.Equal(LinearMethod.Of(new Sgd(Cli.Number(r[0]), Cli.Number(r[1]), dampening: 0.5)).At(1).SpectralRadius(), Cli.Number(r[2])));

        var aggmo = cli.Run("region", "--optimizer", "aggmo", "--points", "10", "--out", cli.PathOf("g"));
        Assert.Equal(0, aggmo.ExitCode);
        Cli.AssertPng(cli.PathOf("g", "region.png"));
    }

    [Theory]
    [InlineData(new[] { "--optimizer", "demon" }, "--optimizer demon, T = 1000: region reads rates off a fixed linear map, and ")]
    [InlineData(new[] { "--optimizer", "momentum", "--clip-norm", "1" }, "--optimizer momentum, ‖g‖ ≤ 1: region reads rates off a fixed linear map, and ")]
    [InlineData(new[] { "--optimizer", "gd", "--nu", "0.5" }, "--nu: not a hyperparameter of --optimizer gd; qhm reads it")]
    [InlineData(new[] { "--lr", "0.1" }, "--lr: not an option or verb of 'momentum region'; see 'momentum region --help'")]
    public void Region_refuses_an_optimizer_that_is_not_a_fixed_linear_map_and_the_options_that_are_its_axes(string[] args, string message)
    {
        var result = cli.Run(["region", .. args, "--out", cli.PathOf("r")]);
        Assert.Equal(2, result.ExitCode);
        Assert.StartsWith(message, Assert.Single(result.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries)));
        Assert.False(Directory.Exists(cli.PathOf("r")));
    }

    [Theory]
    [InlineData("momentum", new[] { "--lr", "0.05", "--momentum", "0.5" })]
    [InlineData("gd", new[] { "--lr", "0.1" })]
    [InlineData("nesterov", new[] { "--lr", "0.05", "--momentum", "0.7" })]
    [InlineData("qhm", new[] { "--lr", "0.1", "--momentum", "0.9", "--nu", "0.7" })]
    public void Noise_measures_the_plateau_the_Lyapunov_equation_predicts_within_four_standard_errors(string optimizer, string[] hyperparameters)
    {
        // 2000 runs with a fixed seed, so the comparison is deterministic: the runs' mean f over the last quarter of the
        // steps lies within 4 standard errors of the predicted E[f_t] there (a miss has probability 6·10⁻⁵ by the
        // central limit theorem, for a seed chosen blind).
        var result = cli.Run(["noise", "--optimizer", optimizer, .. hyperparameters, "--noise", "0.7", "--runs", "2000", "--steps", "400",
            "--x0=-5,-2", "--seed", "11", "--out", cli.PathOf("n")]);
        Assert.Equal(0, result.ExitCode);
        var line = Assert.Single(result.Lines);
        var match = System.Text.RegularExpressions.Regex.Match(line,
            @"^plateau: measured (\S+) ± (\S+) \(mean f over steps 300–400 of 2000 runs\), predicted (\S+) \(E\[f_t\] there; stationary (\S+)\): (\S+) standard errors apart$");
        Assert.True(match.Success, line);
        Assert.InRange(Cli.Number(match.Groups[5].Value), 0, 4);

        var (header, rows) = Cli.ReadCsv(cli.PathOf("n", "noise.csv"));
        Assert.Equal(["step", "mean_f", "sd_f", "q10_f", "q90_f", "predicted_f"], header);
        Assert.Equal(401, rows.Length);
        // The prediction is Core's, for the optimizer's own map; every run starts at x₀.
        var method = LinearMethod.Of(optimizer switch
        {
            "momentum" => Optimizer.Sgd(0.05, 0.5),
            "gd" => Optimizer.GradientDescent(0.1),
            "nesterov" => Optimizer.Nesterov(0.05, 0.7),
            _ => Optimizer.Qhm(0.1, 0.9, 0.7),
        });
        var predicted = GradientNoise.ExpectedLoss(method, [0.2, 4], [-5, -2], [0.7 * 0.7, 0.7 * 0.7], 400);
        for (var t = 0; t <= 400; t++) Assert.Equal(predicted[t], Cli.Number(rows[t][5]));
        Assert.Equal([0.5 * 0.2 * 25 + 0.5 * 4 * 4, 0, 10.5, 10.5], rows[0][1..5].Select(Cli.Number));
        Assert.All(rows, r => Assert.True(Cli.Number(r[3]) <= Cli.Number(r[4])));
        Assert.Equal(GradientNoise.StationaryExcessLoss(method, [0.2, 4], [0.7 * 0.7, 0.7 * 0.7]), Cli.Number(match.Groups[4].Value), 3e-4);
        Cli.AssertPng(cli.PathOf("n", "noise.png"));
    }

    [Fact]
    public void Noise_is_the_same_for_the_same_seed_and_without_noise_every_run_is_the_full_gradient_run()
    {
        string[] args = ["noise", "--runs", "50", "--steps", "60"];
        Assert.Equal(0, cli.Run([.. args, "--out", cli.PathOf("a")]).ExitCode);
        Assert.Equal(0, cli.Run([.. args, "--out", cli.PathOf("b")]).ExitCode);
        Assert.Equal(0, cli.Run([.. args, "--seed", "1", "--out", cli.PathOf("c")]).ExitCode);
        var a = File.ReadAllText(cli.PathOf("a", "noise.csv"));
        Assert.Equal(a, File.ReadAllText(cli.PathOf("b", "noise.csv")));
        Assert.NotEqual(a, File.ReadAllText(cli.PathOf("c", "noise.csv")));

        var quiet = cli.Run("noise", "--noise", "0", "--runs", "3", "--steps", "60", "--out", cli.PathOf("q"));
        Assert.Equal(0, quiet.ExitCode);
        Assert.DoesNotContain("standard errors", quiet.Out);
        var exact = Trajectory.Collect(new Momentum.Problems.DiagonalQuadratic([0.2, 4]), Optimizer.Sgd(0.05, 0.5), [1, 1], 60);
        var (_, rows) = Cli.ReadCsv(cli.PathOf("q", "noise.csv"));
        for (var t = 0; t <= 60; t++)
        {
            Assert.Equal(exact[t].Value, Cli.Number(rows[t][1]), 1e-14);
            Assert.Equal(0, Cli.Number(rows[t][2]), 1e-14);
            Assert.Equal(exact[t].Value, Cli.Number(rows[t][5]), 1e-12);
        }
    }

    [Theory]
    [InlineData(new[] { "--optimizer", "demon" }, "--optimizer demon, η = 0.05, β₀ = 0.5, T = 1000: noise predicts from a fixed linear map, and ")]
    [InlineData(new[] { "--lr", "0.9" }, "--optimizer momentum, η = 0.9, β = 0.5: does not converge along λ = 4 (rate ")]
    [InlineData(new[] { "--runs", "1" }, "--runs 1: must be an integer in [2, 100000000]")]
    [InlineData(new[] { "--noise", "-1" }, "--noise -1: must be ≥ 0")]
    [InlineData(new[] { "--x0", "1,2,3" }, "--x0 1,2,3: needs 1 value or 2 (one per eigenvalue), found 3")]
    [InlineData(new[] { "--eigenvalues", "1,0" }, "--eigenvalues 1,0: item 2 (0) must be > 0")]
    public void Noise_refuses_what_has_no_plateau_to_predict_and_bad_values_before_writing(string[] args, string message)
    {
        var result = cli.Run(["noise", .. args, "--out", cli.PathOf("n")]);
        Assert.Equal(2, result.ExitCode);
        Assert.StartsWith(message, Assert.Single(result.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries)));
        Assert.False(Directory.Exists(cli.PathOf("n")));
    }

    [Fact]
    public void Plateau_predicts_the_regressions_plateau_from_the_data_and_trains_each_batch_size_and_rate_to_within_a_quarter_of_it()
    {
        // Synthetic 1500x5 (H ≈ I), effective steps η/(1 − β)·λ ≤ 0.2, 20 000 steps a run: a run's mean loss over its
        // second half is within 25 % of the predicted excess over ℓ*, room for the prediction's neglected term
        // (x̃x̃ᵀ − H)(θ − θ*) and the finite run's own noise (seeded, so the same every time; 0.97 to 1.12 here).
        var result = cli.Run("plateau", "--lr", "0.005,0.02", "--momentum", "0.9", "--batch-sizes", "5,20,100", "--steps", "20000",
            "--synthetic", "1500x5", "--out", cli.PathOf("p"));
        Assert.Equal(0, result.ExitCode);
        var line = Assert.Single(result.Lines);
        Assert.StartsWith("minimum loss ℓ* = ", line);
        Assert.EndsWith(" over 6 runs (median " + line.Split("(median ")[1], line);

        var (header, rows) = Cli.ReadCsv(cli.PathOf("p", "plateau.csv"));
        Assert.Equal(["lr", "batch_size", "epochs", "predicted", "predicted_independent", "measured", "final_loss"], header);
        Assert.Equal(6, rows.Length);
        // The prediction is Core's, from the data as train prepares it (every column standardised).
        var table = Momentum.Training.SyntheticData.LinearRegression(1500, 5, 0);
        var data = Momentum.Training.Dataset<double>.FromTable(table, 5, 1500, Momentum.Training.Standardization.Of(table));
        var noise = RegressionNoise.Of(data);
        foreach (var row in rows)
        {
            var (eta, batch) = (Cli.Number(row[0]), int.Parse(row[1]));
            Assert.Equal((int)Math.Ceiling(20000.0 * batch / 1500), int.Parse(row[2]));
            var method = LinearMethod.Of(Optimizer.Sgd(eta, 0.9));
            Assert.Equal(noise.Plateau(method, batch), Cli.Number(row[3]));
            Assert.Equal(noise.Plateau(method, batch, MinibatchSampling.Independent), Cli.Number(row[4]));
            var ratio = (Cli.Number(row[5]) - noise.MinimumLoss) / (Cli.Number(row[3]) - noise.MinimumLoss);
            Assert.InRange(ratio, 0.75, 1.25);
        }
        // A larger batch lowers the plateau, a larger rate raises it.
        var predicted = rows.Select(r => Cli.Number(r[3])).ToArray();
        Assert.True(predicted[0] > predicted[1] && predicted[1] > predicted[2] && predicted[3] > predicted[4] && predicted[4] > predicted[5]);
        Assert.True(predicted[3] > predicted[0]);
        Cli.AssertPng(cli.PathOf("p", "plateau.png"));
    }

    [Theory]
    [InlineData(new[] { "--optimizer", "demon" }, "--optimizer demon, η = 0.005, β₀ = 0.9, T = 1000: plateau predicts from a fixed linear map, and ")]
    [InlineData(new[] { "--lr", "0.01,10" }, "--lr 10: momentum, η = 10, β = 0.9 does not converge along the data's curvature λ = ")]
    [InlineData(new[] { "--batch-sizes", "10,2000" }, "--batch-sizes 10,2000: item 2 (2000) must be an integer in [1, 1500] (the rows of the data)")]
    [InlineData(new[] { "--batch-sizes", "2.5" }, "--batch-sizes 2.5: must be an integer in [1, 1500] (the rows of the data)")]
    [InlineData(new[] { "--lr", "0" }, "--lr 0: must be > 0")]
    [InlineData(new[] { "--steps", "1000000000" }, "--steps 1000000000: must be an integer in [1, 100000000]")]
    public void Plateau_refuses_what_has_no_plateau_and_bad_grids_before_training(string[] args, string message)
    {
        var result = cli.Run(["plateau", .. args, "--out", cli.PathOf("p")]);
        Assert.Equal(2, result.ExitCode);
        Assert.StartsWith(message, Assert.Single(result.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries)));
        Assert.False(Directory.Exists(cli.PathOf("p")));
    }

    [Fact]
    public void Tuned_runs_heavy_ball_and_nesterov_at_their_own_optimal_parameters_on_the_books_f_and_both_converge_as_predicted()
    {
        var result = cli.Run("tuned", "--x0=-5,-2", "--out", cli.PathOf("t"));
        Assert.Equal(0, result.ExitCode);
        var (heavyBall, nesterov) = (OptimalParameters.ForMomentum(0.2, 4), OptimalParameters.ForNesterov(0.2, 4));
        double Predicted(IGradientTransformation method) => Convergence.StepsToShrink(LinearMethod.Of(method), [0.2, 4], [-5, -2], 1e-6);
        var (stepsHeavyBall, stepsNesterov) = (Predicted(Optimizer.HeavyBall(heavyBall.LearningRate, heavyBall.Momentum)), Predicted(Optimizer.Nesterov(nesterov.LearningRate, nesterov.Momentum)));
        static string G(double v, int digits = 4) => Momentum.Runner.Cli.Format.G(v, digits);
        Assert.Equal(
            [$"momentum at its optimum (η = {G(heavyBall.LearningRate)}, β = {G(heavyBall.Momentum)}): rate {G(heavyBall.Rate, 3)} per step, {stepsHeavyBall} steps to 1e-6 (predicted {stepsHeavyBall})",
             $"nesterov at its optimum (η = {G(nesterov.LearningRate)}, β = {G(nesterov.Momentum)}): rate {G(nesterov.Rate, 3)} per step, {stepsNesterov} steps to 1e-6 (predicted {stepsNesterov})"],
            result.Lines);

        var (header, rows) = Cli.ReadCsv(cli.PathOf("t", "optimal.csv"));
        Assert.Equal(["optimizer", "lr", "momentum", "nu", "rate", "predicted_steps", "measured_steps", "average_rate"], header);
        Assert.Equal(["momentum", "nesterov"], rows.Select(r => r[0]));
        Assert.Equal(heavyBall.LearningRate, Cli.Number(rows[0][1]));
        Assert.Equal(nesterov.Momentum, Cli.Number(rows[1][2]));
        Assert.Equal("", rows[0][3]);
        var (trajectoryHeader, trajectory) = Cli.ReadCsv(cli.PathOf("t", "tuned.csv"));
        Assert.Equal(["optimizer", "step", "relative_error", "f"], trajectoryHeader);
        // By default each run takes twice the most steps predicted.
        Assert.Equal(2 * (2 * (int)stepsNesterov + 1), trajectory.Length);
        var exact = Trajectory.Collect(new Momentum.Problems.DiagonalQuadratic([0.2, 4]), Optimizer.Nesterov(nesterov.LearningRate, nesterov.Momentum), [-5, -2], 10);
        Assert.Equal(exact[10].Value, Cli.Number(trajectory.Single(r => r[0] == "nesterov" && r[1] == "10")[3]));
        Cli.AssertPng(cli.PathOf("t", "tuned.png"));
    }

    [Fact]
    public void Tuned_counts_the_steps_to_shrink_the_error_by_1e8_within_five_percent_of_the_prediction_at_kappa_1e4()
    {
        var result = cli.Run("tuned", "--optimizers", "gd,momentum,nesterov", "--eigenvalues", "1e-4,1e-3,0.01,0.1,1", "--epsilon", "1e-8", "--out", cli.PathOf("t"));
        Assert.Equal(0, result.ExitCode);
        var (_, rows) = Cli.ReadCsv(cli.PathOf("t", "optimal.csv"));
        Assert.Equal(3, rows.Length);
        foreach (var row in rows)
            Assert.InRange(Cli.Number(row[6]) / Cli.Number(row[5]), 0.95, 1.05);
    }

    [Fact]
    public void Tuned_qhm_finds_heavy_balls_rate_which_it_contains()
    {
        var result = cli.Run("tuned", "--optimizers", "qhm", "--eigenvalues", "1,100", "--out", cli.PathOf("t"));
        Assert.Equal(0, result.ExitCode);
        var (_, rows) = Cli.ReadCsv(cli.PathOf("t", "optimal.csv"));
        Assert.Equal(9.0 / 11, Cli.Number(rows[0][4]), 1e-6);
    }

    [Theory]
    [InlineData(new[] { "--optimizers", "momentum,sgdw" }, "--optimizers momentum,sgdw: sgdw has no optimal parameters here; give some of gd, momentum, nesterov, keras, qhm, aggmo")]
    [InlineData(new[] { "--eigenvalues", "0,1" }, "--eigenvalues 0,1: item 1 (0) must be > 0")]
    [InlineData(new[] { "--x0", "0" }, "--x0 0: must not be the minimum itself (x0 = 0)")]
    [InlineData(new[] { "--epsilon", "2" }, "--epsilon 2: must be in (0, 1)")]
    [InlineData(new[] { "--eigenvalues", "1e-300,1e300" }, "--eigenvalues 1e-300,1e300: must keep κ = L/μ finite in double precision")]
    public void Tuned_refuses_optimizers_without_optimal_parameters_and_spectra_without_them(string[] args, string message)
    {
        var result = cli.Run(["tuned", .. args, "--out", cli.PathOf("t")]);
        Assert.Equal(2, result.ExitCode);
        Assert.StartsWith(message, Assert.Single(result.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries)));
        Assert.False(Directory.Exists(cli.PathOf("t")));
    }
}
