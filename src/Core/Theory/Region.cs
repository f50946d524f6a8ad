using System.Collections.Immutable;
using System.Numerics;
using Momentum.Optimizers;

namespace Momentum.Theory;

/// <summary>Which border of a method's region a crossing lies on.</summary>
public enum RegionBorder
{
    /// <summary>ρ(R) = 1: the stability boundary (heavy ball: ηλ = 2 + 2β; PyTorch's Nesterov: ηλ = 2(1 + β)/(1 + 2β)).</summary>
    Stability,

    /// <summary>The dominant eigenvalues meet on the real axis: the border of the ripples (heavy ball: ηλ = (1 ± √β)²).</summary>
    CriticalDamping,
}

/// <summary>One point of a border in the (ηλ, β) plane.</summary>
/// <param name="Border">Which border.</param>
/// <param name="Momentum">β.</param>
/// <param name="EtaLambda">ηλ where the border crosses this β.</param>
/// <param name="Index">Which crossing of this border at this β, counted from small ηλ (0, 1, …): one curve per index.</param>
public readonly record struct RegionCrossing(RegionBorder Border, double Momentum, double EtaLambda, int Index);

/// <summary>One cell of a method's convergence map.</summary>
/// <param name="EtaLambda">ηλ.</param>
/// <param name="Momentum">β.</param>
/// <param name="Rate">ρ(R), the rate per step (+∞ when an entry of R overflowed).</param>
/// <param name="Regime">The regime (<see cref="Regimes.Of"/>).</param>
public readonly record struct RegionPoint(double EtaLambda, double Momentum, double Rate, Regime Regime);

/// <summary>
/// The borders of a method's convergence map over ηλ × β (Goh 2017, "the 2D parameter space"; d2l §11.6.3.2), computed
/// from the method's own iteration matrix R (<see cref="LinearMethod"/>) rather than drawn from a formula: at λ = 1, for
/// each β, ηλ is scanned over [10⁻⁹·max, max] (geometrically below max/scan, linearly above) and every change of "converges" and of "the dominant eigenvalue is complex" is
/// located by bisection to 10⁻¹² relative.
/// </summary>
/// <remarks>ηλ = 0 is always on the stability border (ρ = 1 there: the gradient vanishes) and is not listed.</remarks>
/// <example>
/// <code>
/// var curves = Region.Borders((eta, beta) => Optimizer.Nesterov(eta, beta), momenta: [0.1, 0.2, …, 0.9], etaLambdaMax: 4);
/// </code>
/// </example>
public static class Region
{
    /// <summary>
    /// One row of the convergence map (Goh 2017, "the 2D parameter space"): at momentum β, for each ηλ, the spectral
    /// radius ρ(R) and the regime of <paramref name="family"/>(ηλ, β) on λ = 1, R read off the method's own step
    /// (<see cref="LinearMethod"/>; for heavy ball d2l §11.6.3.2's R(β, η, λ), with ρ = √β in the ripples, Goh 2017).
    /// The method at the row's middle ηλ gets the full checks
    /// of <see cref="LinearMethod.Of"/>; every cell is then read probing steps 1 and 2 only, so a map of 200 × 200 cells
    /// reads 40 000 maps quickly.
    /// </summary>
    /// <param name="family">(η, β) ↦ the method; evaluated at λ = 1, so η is ηλ.</param>
    /// <param name="momentum">β, as the family takes it (the family refuses what it does not allow).</param>
    /// <param name="etaLambdas">The ηλ of the row's cells, each finite (ηλ ≤ 0 never converges).</param>
    /// <returns>One point per ηλ, in the order given.</returns>
    /// <exception cref="HyperparameterException">β or an ηλ is not finite, or the family refuses them.</exception>
    /// <exception cref="NonlinearMethodException">The family's method is not a fixed linear map.</exception>
    public static ImmutableArray<RegionPoint> Row(Func<double, double, IGradientTransformation> family, double momentum, ReadOnlySpan<double> etaLambdas)
    {
        ArgumentNullException.ThrowIfNull(family);
        Inputs.Finite(momentum, nameof(Region), nameof(momentum));
        foreach (var etaLambda in etaLambdas) Inputs.Finite(etaLambda, nameof(Region), nameof(etaLambdas));
        if (etaLambdas.IsEmpty) return [];
        LinearMethod.Of(family(etaLambdas[etaLambdas.Length / 2], momentum)); // the full checks, once per row
        var row = ImmutableArray.CreateBuilder<RegionPoint>(etaLambdas.Length);
        foreach (var etaLambda in etaLambdas)
        {
            var eigenvalues = LinearMethod.Read(family(etaLambda, momentum), thorough: false).At(1).Eigenvalues();
            row.Add(new(etaLambda, momentum, Complex.Abs(eigenvalues[0]), Regimes.Of(eigenvalues)));
        }
        return row.MoveToImmutable();
    }

    /// <summary>The crossings of every border for each β in <paramref name="momenta"/>.</summary>
    /// <param name="family">(η, β) ↦ the method; evaluated at λ = 1, so η is ηλ.</param>
    /// <param name="momenta">The β at which to find the crossings.</param>
    /// <param name="etaLambdaMax">The largest ηλ scanned (&gt; 0).</param>
    /// <param name="scan">Linear grid points along ηλ before bisection (≥ 2); a border crossed twice between two points is missed.</param>
    /// <exception cref="HyperparameterException">The maximum or the scan is out of range, or the family refuses a β.</exception>
    /// <exception cref="NonlinearMethodException">The family's method is not a fixed linear map.</exception>
    public static ImmutableArray<RegionCrossing> Borders(Func<double, double, IGradientTransformation> family, ReadOnlySpan<double> momenta,
        double etaLambdaMax, int scan = 400)
    {
        ArgumentNullException.ThrowIfNull(family);
        Inputs.In(etaLambdaMax, ValueRange.Positive, nameof(Region), nameof(etaLambdaMax));
        Inputs.AtLeast(scan, 2, nameof(Region), nameof(scan));
        var crossings = ImmutableArray.CreateBuilder<RegionCrossing>();
        foreach (var beta in momenta)
        {
            LinearMethod.Of(family(etaLambdaMax / 2, beta)); // the full checks, once per β
            (bool Converges, bool Complex) Classify(double etaLambda)
            {
                var eigenvalues = LinearMethod.Read(family(etaLambda, beta), thorough: false).At(1).Eigenvalues();
                return (System.Numerics.Complex.Abs(eigenvalues[0]) < 1, eigenvalues[0].Imaginary != 0);
            }
            var (stable, complex) = (0, 0);
            var grid = Grid(etaLambdaMax, scan);
            var previous = (EtaLambda: grid[0], Kind: Classify(grid[0]));
            foreach (var etaLambda in grid.Skip(1))
            {
                var kind = Classify(etaLambda);
                if (kind.Converges != previous.Kind.Converges)
                    crossings.Add(new(RegionBorder.Stability, beta, Bisect(previous.EtaLambda, etaLambda, x => Classify(x).Converges), stable++));
                if (kind.Complex != previous.Kind.Complex)
                    crossings.Add(new(RegionBorder.CriticalDamping, beta, Bisect(previous.EtaLambda, etaLambda, x => Classify(x).Complex), complex++));
                previous = (etaLambda, kind);
            }
        }
        return crossings.ToImmutable();
    }

    // ηλ from 10⁻⁹·max to max/scan geometrically (the lower critical-damping curve (1 − √β)² reaches 2.5·10⁻⁷ at
    // β = 0.999), then to max in steps of max/scan.
    private static double[] Grid(double max, int scan)
    {
        const int decades = 9, perDecade = 8;
        var low = Enumerable.Range(0, decades * perDecade).Select(i => max / scan * Math.Pow(10, -decades + (double)i / perDecade));
        return [.. low, .. Enumerable.Range(1, scan).Select(i => max * i / scan)];
    }

    // The point in (low, high] where predicate changes from its value at low.
    private static double Bisect(double low, double high, Func<double, bool> predicate)
    {
        var atLow = predicate(low);
        while (high - low > 1e-12 * high)
        {
            var mid = (low + high) / 2;
            if (predicate(mid) == atLow) low = mid;
            else high = mid;
        }
        return (low + high) / 2;
    }
}
