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
}
