using Momentum.Testing;
using Momentum.Optimizers;
using Momentum.Theory;

namespace Momentum.Properties;

/// <summary>
/// Generators for the theory, weighted toward the edges each claim is about: ηλ → 0, ηλ → 2 + 2β from both sides,
/// β → 1, the critical-damping curves ηλ = (1 ± √β)² and the trace's sign change ηλ = 1 + β from both sides, ηλ ≤ 0 and
/// β ≥ 1.
/// </summary>
internal static class TheoryGenerators
{
    /// <summary>β, ηλ and λ (η = ηλ/λ).</summary>
    public sealed record Setting(double Momentum, double EtaLambda, double Lambda)
    {
        public double LearningRate => EtaLambda / Lambda;
        public override string ToString() => $"β={Momentum:R}, ηλ={EtaLambda:R}, λ={Lambda:R}";
    }

    /// <summary>β ∈ [0, 1): uniform, exactly 0, 1 − 10⁻ᵏ close to 1, and the book's values.</summary>
    public static Gen<double> Momentum { get; } = Gen.Frequency(
        (4, Generators.Unit),
        (1, Gen.Constant(0.0)),
        (2, Gen.Choose(1, 8).Select(k => 1 - Math.Pow(10, -k))),
        (1, Gen.Elements(0.25, 0.5, 0.9, 0.99)));

    /// <summary>β ≥ 1: exactly 1, just above it, and far above it.</summary>
    public static Gen<double> MomentumAtLeastOne { get; } = Gen.Frequency(
        (1, Gen.Constant(1.0)),
        (2, Gen.Choose(1, 12).Select(k => 1 + Math.Pow(10, -k))),
        (2, Generators.Uniform(1, 5)));

    /// <summary>
    /// The smallest relative distance from a border that double precision resolves at β: near β = 1 two roots of R lie
    /// within 1 − β of each other (−1 and −β at the upper end, 1 − ηλ/(1 − β) and β at the lower end), so a computed ρ
    /// carries an error of about 10⁻¹⁶/(1 − β).
    /// </summary>
    public static double Margin(double beta) => Math.Max(1e-9, 1e-13 / (1 - Math.Min(beta, 1 - 1e-15)));

    private static Gen<double> Margins(double beta) =>
        Gen.Choose(1, 9).Select(k => Math.Max(Math.Pow(10, -k), Margin(beta)));

    /// <summary>
    /// ηλ strictly inside (0, 2 + 2β): uniform; 10⁻ᵏ near 0; (2 + 2β)(1 − δ) just inside the bound; on either side of the
    /// critical-damping curves (1 ± √β)²; on either side of the trace's zero 1 + β.
    /// </summary>
    public static Gen<double> EtaLambdaInside(double beta)
    {
        var bound = 2 + 2 * beta;
        var (lower, upper) = (Math.Pow(1 - Math.Sqrt(beta), 2), Math.Pow(1 + Math.Sqrt(beta), 2));
        Gen<double> Around(double point) =>
            from d in Margins(beta) from sign in Gen.Elements(-1.0, 1.0) select point * (1 + sign * d);
        return Gen.Frequency(
            (4, Generators.Unit.Where(u => u > 0).Select(u => u * bound)),
            (2, Gen.Choose(1, 12).Select(k => Math.Pow(10, -k))),
            (2, Margins(beta).Select(d => bound * (1 - d))),
            (1, lower > 0 ? Around(lower) : Gen.Constant(bound / 2)),
            (1, Around(upper).Select(x => Math.Min(x, bound * (1 - Margin(beta))))),
            (1, Around(1 + beta)));
    }

    /// <summary>ηλ outside the interval: exactly 0, below 0 (tiny and large), and at or beyond 2 + 2β from a relative 10⁻⁹ to 3 times it.</summary>
    public static Gen<double> EtaLambdaOutside(double beta)
    {
        var bound = 2 + 2 * beta;
        return Gen.Frequency(
            (1, Gen.Constant(0.0)),
            (1, Gen.Choose(1, 12).Select(k => -Math.Pow(10, -k))),
            (1, Generators.Uniform(-3, 0)),
            (3, Margins(beta).Select(d => bound * (1 + d))),
            (2, Generators.Uniform(1, 3).Select(f => bound * f)));
    }

    /// <summary>λ over six decades (sign chosen so that η = ηλ/λ ≥ 0, as the optimizer requires).</summary>
    public static Gen<double> Lambda { get; } = Gen.Frequency((4, Generators.LogUniform(1e-3, 1e3)), (1, Gen.Constant(1.0)));

    /// <summary>Settings with ηλ from <paramref name="etaLambda"/>; λ negative when ηλ is (the gradient points uphill).</summary>
    public static Gen<Setting> Settings(Gen<double> momentum, Func<double, Gen<double>> etaLambda) =>
        from beta in momentum
        from el in etaLambda(beta)
        from lambda in Lambda
        select new Setting(beta, el, el < 0 ? -lambda : lambda);

    /// <summary>Heavy ball's own map (the optimizer's code) at a setting.</summary>
    public static LinearMap HeavyBallMap(Setting s) => LinearMethod.Of(Optimizer.HeavyBall(s.LearningRate, s.Momentum)).At(s.Lambda);
}
