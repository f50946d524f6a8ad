using Momentum.Testing;
using Momentum.Optimizers;
using Momentum.Theory;

namespace Momentum.Properties;

/// <summary>
/// The borders of the convergence map, computed from each method's own iteration matrix, against the papers' curves:
/// heavy ball's stability border ηλ = 2 + 2β and critical damping ηλ = (1 ± √β)² (d2l §11.6.3.2; Goh 2017), PyTorch's
/// Nesterov's ηλ = 2(1 + β)/(1 + 2β), and QHM's αλ = 2(1 + β)/(1 + β − 2βν) (Gitman, Lang, Zhang, Xiao, "Understanding
/// the role of momentum in stochastic gradient methods", NeurIPS 2019).
/// </summary>
public class RegionProperties
{
    private static readonly double[] Momenta = [0, 0.05, 0.25, 0.5, 0.81, 0.9, 0.99, 0.999];

    private static IEnumerable<RegionCrossing> Of(RegionBorder border, IEnumerable<RegionCrossing> crossings, double beta) =>
        crossings.Where(c => c.Border == border && c.Momentum == beta).OrderBy(c => c.Index);

    [Fact]
    public void Heavy_balls_borders_are_two_plus_two_beta_and_one_plus_or_minus_root_beta_squared()
    {
        var crossings = Region.Borders((eta, beta) => Optimizer.HeavyBall(eta, beta), Momenta, 4.5);
        foreach (var beta in Momenta)
        {
            var stability = Of(RegionBorder.Stability, crossings, beta).Select(c => c.EtaLambda).ToArray();
            Assert.Equal([2 + 2 * beta], stability, (a, b) => Math.Abs(a - b) <= 1e-9 * b);
            var critical = Of(RegionBorder.CriticalDamping, crossings, beta).Select(c => c.EtaLambda).ToArray();
            // β = 0 is gradient descent, whose map has the one root 1 − ηλ: never complex.
            double[] expected = beta == 0 ? [] : [Math.Pow(1 - Math.Sqrt(beta), 2), Math.Pow(1 + Math.Sqrt(beta), 2)];
            Assert.Equal(expected, critical, (a, b) => Math.Abs(a - b) <= 1e-6 * b);
        }
    }

    [Fact]
    public void Nesterovs_stability_border_is_two_times_one_plus_beta_over_one_plus_two_beta()
    {
        var momenta = Momenta.Where(b => b > 0).ToArray();
        var crossings = Region.Borders((eta, beta) => Optimizer.Nesterov(eta, beta), momenta, 3);
        foreach (var beta in momenta)
            Assert.Equal([Convergence.NesterovStabilityBound(beta)], Of(RegionBorder.Stability, crossings, beta).Select(c => c.EtaLambda),
                (a, b) => Math.Abs(a - b) <= 1e-9 * b);
    }

    /// <summary>Gitman et al.'s condition for QHM: converges iff 0 &lt; αλ &lt; 2(1 + β)/(1 + β − 2βν).</summary>
    private static double GitmanBound(double beta, double nu) => 2 * (1 + beta) / (1 + beta - 2 * beta * nu);

    [Property(MaxTest = 300)]
    public Property QHM_converges_exactly_inside_Gitman_et_als_bound_probed_at_one_plus_or_minus_1e_6() =>
        Prop.ForAll(Generators.Momentum.Where(b => b < 1 - 1e-4).ToArbitrary(), Gen.Frequency((3, Generators.Unit), (1, Gen.Elements(0.0, 1.0))).ToArbitrary(),
            Generators.LogUniform(1e-2, 1e2).ToArbitrary(), (beta, nu, lambda) =>
            {
                var bound = GitmanBound(beta, nu);
                double Rate(double alphaLambda) => LinearMethod.Of(Optimizer.Qhm(alphaLambda / lambda, beta, nu)).At(lambda).SpectralRadius();
                var margin = 1e-6;
                return (Rate(bound * (1 - margin)) < 1 && Rate(bound * (1 + margin)) > 1 && Rate(margin) < 1)
                    .Label($"bound {bound:R}: ρ below {Rate(bound * (1 - margin)):R}, above {Rate(bound * (1 + margin)):R}");
            });

    [Fact]
    public void QHMs_stability_border_from_its_map_is_Gitman_et_als()
    {
        foreach (var nu in new[] { 0.3, 0.7, 1.0 })
        {
            var momenta = Momenta.Where(b => b > 0 && b < 0.99).ToArray();
            var crossings = Region.Borders((alpha, beta) => Optimizer.Qhm(alpha, beta, nu), momenta, 60);
            foreach (var beta in momenta)
                Assert.Equal([GitmanBound(beta, nu)], Of(RegionBorder.Stability, crossings, beta).Select(c => c.EtaLambda),
                    (a, b) => Math.Abs(a - b) <= 1e-9 * b);
        }
    }

    [Fact]
    public void A_method_stable_only_in_a_band_has_two_stability_crossings_numbered_in_order()
    {
        // u = −(ηλ − 1)·g is gradient descent with step ηλ − 1: σ = 2 − ηλ, inside the unit circle for 1 < ηλ < 3 only.
        var crossings = Region.Borders((eta, _) => new Scale(-(eta - 1)), [0.5], 4);
        Assert.Equal([(0, 1.0), (1, 3.0)], Of(RegionBorder.Stability, crossings, 0.5).Select(c => (c.Index, Math.Round(c.EtaLambda, 9))));
        Assert.Empty(Of(RegionBorder.CriticalDamping, crossings, 0.5));
    }

    [Fact]
    public void A_coarse_scan_still_finds_critical_damping_below_its_first_step()
    {
        // β = 0.01: ηλ = (1 ∓ 0.1)² = 0.81 and 1.21, both below the first linear point max/scan = 2; the grid's geometric
        // start, 10⁻⁹·max/scan up to max/scan, is what finds them.
        var crossings = Region.Borders((eta, beta) => Optimizer.HeavyBall(eta, beta), [0.01], 4, scan: 2);
        Assert.Equal([0.81, 1.21], Of(RegionBorder.CriticalDamping, crossings, 0.01).Select(c => c.EtaLambda), (a, b) => Math.Abs(a - b) <= 1e-9);
        Assert.Equal([2.02], Of(RegionBorder.Stability, crossings, 0.01).Select(c => c.EtaLambda), (a, b) => Math.Abs(a - b) <= 1e-9);
    }

    [Fact]
    public void The_family_is_asked_only_for_the_scanned_range()
    {
        // A family may refuse what lies beyond the map's right edge: the checks and the scan stay in (0, max].
        var crossings = Region.Borders((eta, beta) => eta is > 0 and <= 4 ? Optimizer.HeavyBall(eta, beta) : throw new InvalidOperationException($"asked for ηλ = {eta}"), [0.5], 4);
        Assert.Equal([3.0], Of(RegionBorder.Stability, crossings, 0.5).Select(c => c.EtaLambda), (a, b) => Math.Abs(a - b) <= 1e-9);
    }

    [Fact]
    public void A_refused_method_has_no_region()
    {
        Assert.Throws<NonlinearMethodException>(() => Region.Borders((eta, beta) => Optimizer.Lookahead(Optimizer.HeavyBall(eta, beta)), [0.5], 4));
        Assert.Equal("etaLambdaMax", Assert.Throws<HyperparameterException>(() => Region.Borders((eta, beta) => Optimizer.HeavyBall(eta, beta), [0.5], 0)).ParamName);
    }
}
