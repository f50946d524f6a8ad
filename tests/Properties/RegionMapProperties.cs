using Momentum.Testing;
using Momentum.Optimizers;
using Momentum.Theory;

namespace Momentum.Properties;

/// <summary>
/// The convergence map's cells (<see cref="Region.Row"/>): each is the rate and regime of the method read off its own
/// step at that (ηλ, β), the book's closed form R(β, η, λ) for heavy ball (d2l §11.6.3.2; Goh 2017), and on the side of
/// the stability border that the borders (<see cref="Region.Borders"/>) and the papers' bounds put it.
/// </summary>
public class RegionMapProperties
{
    /// <summary>(η, β) ↦ a linear method of the family, as the shell's map builds them.</summary>
    private static readonly string[] Names = ["gd", "heavy ball", "dampened heavy ball", "nesterov", "qhm", "keras", "sgdw", "aggmo"];

    public static TheoryData<string> Families => new(Names);

    private static Func<double, double, IGradientTransformation> Family(string name) => name switch
    {
        "gd" => (eta, _) => Optimizer.GradientDescent(eta),
        "heavy ball" => (eta, beta) => Optimizer.HeavyBall(eta, beta),
        "dampened heavy ball" => (eta, beta) => new Sgd(eta, beta, dampening: 0.5),
        "nesterov" => (eta, beta) => Optimizer.Nesterov(eta, beta),
        "qhm" => (eta, beta) => Optimizer.Qhm(eta, beta, 0.7),
        "keras" => (eta, beta) => Optimizer.Keras(eta, beta),
        "sgdw" => (eta, beta) => Optimizer.Sgdw(eta, beta, 0.1),
        // Lucas et al.'s momenta β⁽ⁱ⁾ = 1 − (1 − β)ⁱ, i = 0, 1, 2.
        _ => (eta, beta) => Optimizer.AggMo(eta, 0, beta, 1 - (1 - beta) * (1 - beta)),
    };

    private static readonly Arbitrary<(string Name, double Momentum, double[] EtaLambdas)> Rows =
        (from name in Gen.Elements(Names)
         from beta in Generators.Uniform(0, 0.995)
         from count in Gen.Choose(1, 6)
         from etaLambdas in Gen.ArrayOf(Gen.Frequency((4, Generators.LogUniform(1e-4, 6)), (1, Gen.Constant(0.0))), count)
         select (name, beta, etaLambdas)).ToArbitrary();

    [Property(MaxTest = 300)]
    public Property Every_cell_of_a_row_is_the_rate_and_regime_of_the_method_read_in_full_at_that_cell() =>
        Prop.ForAll(Rows, row =>
        {
            var family = Family(row.Name);
            var cells = Region.Row(family, row.Momentum, row.EtaLambdas);
            for (var i = 0; i < row.EtaLambdas.Length; i++)
            {
                var map = LinearMethod.Of(family(row.EtaLambdas[i], row.Momentum)).At(1);
                var expected = new RegionPoint(row.EtaLambdas[i], row.Momentum, map.SpectralRadius(), map.Regime());
                if (cells[i] != expected) return false.Label($"{row.Name}, cell {i}: {cells[i]}, read in full {expected}");
            }
            return (cells.Length == row.EtaLambdas.Length).Label("one cell per ηλ");
        });

    private static readonly Arbitrary<QuadraticSetting> HeavyBall =
        Generators.Settings(Generators.Momentum, b => Gen.OneOf(Generators.EtaLambdaInside(b), Generators.EtaLambdaOutside(b).Where(el => el >= 0)))
            .Select(s => s with { Eigenvalue = 1 }).ToArbitrary(); // η = ηλ ≥ 0, as the optimizer requires

    [Property(MaxTest = 1000)]
    public Property Heavy_balls_cells_have_the_books_rate_and_converge_exactly_below_two_plus_two_beta() =>
        Prop.ForAll(HeavyBall, s =>
        {
            var cell = Region.Row((eta, beta) => Optimizer.HeavyBall(eta, beta), s.Momentum, [s.EtaLambda])[0];
            var book = MomentumMatrix.SpectralRadius(s.Momentum, s.EtaLambda, 1);
            // Two roots within √ε of each other (at critical damping) are resolved to about √ε = 1.5e-8 by either form.
            var agree = Math.Abs(cell.Rate - book) <= 1e-7 * Math.Max(1, book);
            var bound = 2 + 2 * s.Momentum;
            var clear = s.EtaLambda == 0 || Math.Abs(s.EtaLambda - bound) > Generators.Margin(s.Momentum) * bound;
            var side = !clear || (cell.Rate < 1) == (s.EtaLambda > 0 && s.EtaLambda < bound);
            return (agree && side && (cell.Regime == Regime.Divergence) == !(cell.Rate < 1))
                .Label($"{s}: cell {cell}, the book's ρ {book:R}");
        });

    [Fact]
    public void Nesterovs_cells_converge_exactly_below_two_times_one_plus_beta_over_one_plus_two_beta()
    {
        var etaLambdas = Enumerable.Range(1, 300).Select(i => i / 100.0).ToArray();
        foreach (var beta in new[] { 0.1, 0.5, 0.9, 0.99 })
        {
            var bound = Convergence.NesterovStabilityBound(beta);
            foreach (var cell in Region.Row((eta, b) => Optimizer.Nesterov(eta, b), beta, etaLambdas))
                if (Math.Abs(cell.EtaLambda - bound) > 1e-9 * bound)
                    Assert.True(cell.Rate < 1 == cell.EtaLambda < bound, $"β = {beta}: {cell} against the bound {bound:R}");
        }
    }

    [Theory]
    [MemberData(nameof(Families))]
    public void A_row_changes_sides_exactly_where_the_borders_cross_it(string name)
    {
        // 400 cells over (0, 4.5] at β = 0.6: between two neighbouring cells "converges" changes exactly when a stability
        // crossing lies between them, and "the dominant eigenvalue is complex" when a critical-damping crossing does.
        const double beta = 0.6, max = 4.5;
        var family = Family(name);
        var etaLambdas = Enumerable.Range(1, 400).Select(i => max * i / 400).ToArray();
        var cells = Region.Row(family, beta, etaLambdas);
        var crossings = Region.Borders(family, [beta], max);
        bool Between(RegionBorder border, double low, double high) => crossings.Any(c => c.Border == border && c.EtaLambda > low && c.EtaLambda <= high);
        for (var i = 1; i < cells.Length; i++)
        {
            var (low, high) = (cells[i - 1], cells[i]);
            Assert.Equal(low.Rate < 1 != high.Rate < 1, Between(RegionBorder.Stability, low.EtaLambda, high.EtaLambda));
            var lowComplex = LinearMethod.Of(family(low.EtaLambda, beta)).At(1).Eigenvalues()[0].Imaginary != 0;
            var highComplex = LinearMethod.Of(family(high.EtaLambda, beta)).At(1).Eigenvalues()[0].Imaginary != 0;
            Assert.Equal(lowComplex != highComplex, Between(RegionBorder.CriticalDamping, low.EtaLambda, high.EtaLambda));
        }
    }

    [Fact]
    public void A_row_refuses_what_is_not_a_number_and_a_method_that_is_not_linear()
    {
        Func<double, double, IGradientTransformation> heavyBall = (eta, beta) => Optimizer.HeavyBall(eta, beta);
        Assert.Equal("etaLambdas", Assert.Throws<HyperparameterException>(() => Region.Row(heavyBall, 0.5, [0.1, double.NaN])).ParamName);
        Assert.Equal("momentum", Assert.Throws<HyperparameterException>(() => Region.Row(heavyBall, double.PositiveInfinity, [0.1])).ParamName);
        Assert.Equal("Momentum", Assert.Throws<HyperparameterException>(() => Region.Row(heavyBall, 1.5, [0.1])).ParamName);
        Assert.Throws<NonlinearMethodException>(() => Region.Row((eta, beta) => Optimizer.Demon(eta, beta, 100), 0.5, [0.1]));
        Assert.Empty(Region.Row(heavyBall, 0.5, []));
    }
}
