using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Momentum.Optimizers;
using Momentum.Testing;

namespace Momentum.Properties;

/// <summary>
/// Momentum.Testing's theory harnesses pass the library's own linear methods with their papers' matrices, and fail
/// where the claim is wrong: a sign flipped in the claimed matrix, a method that is not a fixed linear map.
/// </summary>
public class HarnessProperties
{
    // β = k/100, shrunk towards small k.
    private static readonly Arbitrary<int> Betas = ArbMap.Default.ArbFor<int>().Filter(k => k is > 0 and < 100);

    private static IGradientTransformation HeavyBall(int k) => Optimizer.Sgd(0.1, k / 100.0);

    // torch.optim.SGD on ½λx², z = (x, b): b' = βb + λx, x' = x − ηb' (d2l §11.6.3.1 in PyTorch's form).
    private static double[,] Paper(int k, double lambda, double sign = 1)
    {
        var (eta, beta) = (0.1, k / 100.0);
        return new[,] { { 1 - eta * lambda, -sign * eta * beta }, { lambda, beta } };
    }

    [Fact]
    public void The_linear_map_harness_passes_heavy_ball_with_its_papers_matrix() =>
        Harness.LinearMap(Betas, HeavyBall, (k, lambda) => Paper(k, lambda)).QuickCheckThrowOnFailure();

    [Fact]
    public void The_linear_map_harness_fails_a_claimed_matrix_with_a_sign_flipped_and_names_the_entry()
    {
        var e = Assert.ThrowsAny<Exception>(() => Harness.LinearMap(Betas, HeavyBall, (k, lambda) => Paper(k, lambda, sign: -1)).QuickCheckThrowOnFailure());
        Assert.Contains("R[x, trace]", e.Message);
    }

    [Fact]
    public void The_convergence_harness_passes_heavy_ball_nesterov_and_qhm()
    {
        Harness.ConvergesWhereTheRateIsBelowOne(Betas, k => Optimizer.Sgd(0.3, k / 100.0)).QuickCheckThrowOnFailure();
        Harness.ConvergesWhereTheRateIsBelowOne(Betas, k => Optimizer.Nesterov(0.3, k / 100.0)).QuickCheckThrowOnFailure();
        Harness.ConvergesWhereTheRateIsBelowOne(Betas, k => Optimizer.Qhm(0.3, k / 100.0, 0.7)).QuickCheckThrowOnFailure();
    }

    [Fact]
    public void The_theory_harnesses_fail_a_method_that_is_not_a_fixed_linear_map_saying_so()
    {
        IGradientTransformation Clipped(int k) => new Chain(new ClipByValue(0.5), HeavyBall(k));
        var map = Assert.ThrowsAny<Exception>(() => Harness.LinearMap(Betas, Clipped, (k, lambda) => Paper(k, lambda)).QuickCheckThrowOnFailure());
        Assert.Contains("not a fixed linear map", map.Message);
        var rate = Assert.ThrowsAny<Exception>(() => Harness.ConvergesWhereTheRateIsBelowOne(Betas, Clipped).QuickCheckThrowOnFailure());
        Assert.Contains("not a fixed linear map", rate.Message);
    }
}
