using System.Collections.Immutable;
using System.Numerics;
using MathNet.Numerics.LinearAlgebra;

namespace Momentum.Theory;

/// <summary>
/// One mode of the error: an eigenvalue σ of R (a cluster of coinciding ones, a Jordan block of size m) and the polynomial
/// it is multiplied by, so that the mode contributes Σ_{q&lt;m} a_q·C(s, q)·σ^(s−q) to x after s further steps.
/// </summary>
/// <param name="Eigenvalue">σ (the mean of a cluster).</param>
/// <param name="Coefficients">a₀ … a_{m−1}, in the Jordan basis C(s, q)σ^(s−q) of Jᵐ.</param>
public sealed record ErrorMode(Complex Eigenvalue, ImmutableArray<Complex> Coefficients)
{
    /// <summary>m, the size of the Jordan block (1 for a simple eigenvalue, 2 at critical damping).</summary>
    public int Multiplicity => Coefficients.Length;

    /// <summary>|Σ_q a_q C(s, q) σ^(s−q)| for real s ≥ m − 1: the size of this mode's term (its peaks, for a complex σ).</summary>
    public double Size(double s)
    {
        var top = Multiplicity - 1;
        var polynomial = Complex.Zero;
        for (var q = 0; q <= top; q++)
            polynomial += Coefficients[q] * Binomial(s, q) * Complex.Pow(Eigenvalue, top - q);
        var modulus = Complex.Abs(Eigenvalue);
        return Complex.Abs(polynomial) * Math.Pow(modulus, s - top);
    }

    /// <summary>C(s, q) = s(s − 1)…(s − q + 1)/q! for real s.</summary>
    internal static double Binomial(double s, int q)
    {
        var value = 1.0;
        for (var i = 0; i < q; i++) value *= (s - i) / (i + 1);
        return value;
    }
}

/// <summary>
/// The error of a linear method along one direction as a sum of modes: after the first step, x_{1+s} = e₀ᵀ R^s z₁ =
/// Σ_modes Σ_q a_q C(s, q) σ^(s−q) (the Jordan form of R; Horn and Johnson, Matrix Analysis, §3.2). Eigenvalues within
/// <see cref="Regimes.CriticalDampingTolerance"/> of each other are one mode with a polynomial factor (the critically
/// damped case, where the error decays like (a₀ + a₁t)ρᵗ rather than ρᵗ); the coefficients solve the confluent Vandermonde
/// system that reproduces x₁ … x_m exactly.
/// </summary>
/// <remarks>
/// The <see cref="Envelope"/> Σ |mode's term| bounds |x| from above, and is reached at the peaks: exactly for real modes,
/// at the crests of the rotation for a complex pair. It is the prediction "from the spectral radius" made honest: ρᵗ
/// alone misses the factor (1 + c·t) of a Jordan block, which at Goh's optimal heavy-ball parameters for κ = 10⁴ adds
/// about 40 % to the steps. Two eigenvalues closer than ~1/t but farther apart than the tolerance have large opposite
/// coefficients; the envelope is then still an upper bound but can be loose until t·|σ₁ − σ₂| ≫ 1.
/// </remarks>
public sealed record ErrorModes
{
    internal ErrorModes(double start, ImmutableArray<ErrorMode> modes)
    {
        Start = start;
        Modes = modes;
    }

    /// <summary>x₀.</summary>
    public double Start { get; }

    /// <summary>The modes, largest |σ| first.</summary>
    public ImmutableArray<ErrorMode> Modes { get; }

    /// <summary>The modes of <paramref name="map"/>'s error from x₀ = <paramref name="start"/> (the optimizer's own first step, then R).</summary>
    /// <exception cref="Optimizers.HyperparameterException">x₀ is not finite.</exception>
    public static ErrorModes Of(LinearMap map, double start)
    {
        ArgumentNullException.ThrowIfNull(map);
        var relevant = map.Relevant;
        var m = relevant.Length;
        var block = map.RelevantBlock();
        var z1 = map.AfterFirstStep(start);
        var z = relevant.Select(i => z1[i]).ToArray();

        // x_{1+s} for s = 0 … m − 1.
        var observed = new double[m];
        for (var s = 0; s < m; s++)
        {
            observed[s] = z[0];
            var next = new double[m];
            for (var i = 0; i < m; i++)
                for (var j = 0; j < m; j++) next[i] = Math.FusedMultiplyAdd(block[i, j], z[j], next[i]);
            z = next;
        }

        // Cluster the eigenvalues (largest modulus first) into Jordan blocks.
        var clusters = new List<List<Complex>>();
        foreach (var sigma in Spectrum.Eigenvalues(block))
        {
            var home = clusters.FirstOrDefault(c => Complex.Abs(Mean(c) - sigma) <= Regimes.CriticalDampingTolerance);
            if (home is null) clusters.Add([sigma]);
            else home.Add(sigma);
        }

        // V a = x with columns C(s, q)σ^(s−q) (0 when s < q).
        var vandermonde = Matrix<Complex>.Build.Dense(m, m);
        var column = 0;
        foreach (var cluster in clusters)
        {
            var sigma = Mean(cluster);
            for (var q = 0; q < cluster.Count; q++, column++)
                for (var s = q; s < m; s++)
                    vandermonde[s, column] = ErrorMode.Binomial(s, q) * Complex.Pow(sigma, s - q);
        }
        var coefficients = vandermonde.Solve(MathNet.Numerics.LinearAlgebra.Vector<Complex>.Build.DenseOfEnumerable(observed.Select(v => (Complex)v)));

        var modes = ImmutableArray.CreateBuilder<ErrorMode>(clusters.Count);
        column = 0;
        foreach (var cluster in clusters)
        {
            modes.Add(new ErrorMode(Mean(cluster), [.. Enumerable.Range(column, cluster.Count).Select(i => coefficients[i])]));
            column += cluster.Count;
        }
        return new(start, modes.MoveToImmutable());
    }

    private static Complex Mean(List<Complex> cluster) => cluster.Aggregate(Complex.Zero, (a, b) => a + b) / cluster.Count;

    /// <summary>x_t from the modes (t ≥ 1; x₀ at t = 0): the exact iterate of the linear map, up to the clustering.</summary>
    /// <exception cref="Optimizers.HyperparameterException">The step is negative.</exception>
    public double Value(long step)
    {
        if (step < 0) throw new Optimizers.HyperparameterException(nameof(ErrorModes), nameof(step), step, "must be an integer ≥ 0");
        if (step == 0) return Start;
        var s = step - 1;
        var sum = Complex.Zero;
        foreach (var mode in Modes)
            for (var q = 0; q < mode.Multiplicity && q <= s; q++)
                sum += mode.Coefficients[q] * ErrorMode.Binomial(s, q) * Complex.Pow(mode.Eigenvalue, s - q);
        return sum.Real;
    }

    /// <summary>
    /// E(t) = Σ_modes |term| at t steps (real t ≥ 1; |x₀| at t = 0): an upper bound of |x_t| reached at its peaks. Where a
    /// mode's term is not defined between steps (before step 1, or before its multiplicity allows), the nearest whole
    /// step's is used: |x₀| for t &lt; 0.5.
    /// </summary>
    public double Envelope(double step)
    {
        if (step < 0.5) return Math.Abs(Start);
        var s = step - 1;
        var sum = 0.0;
        foreach (var mode in Modes)
        {
            if (s >= mode.Multiplicity - 1) sum += mode.Size(s);
            else sum += Complex.Abs(ExactTerm(mode, (long)Math.Round(s)));
        }
        return sum;
    }

    private static Complex ExactTerm(ErrorMode mode, long s)
    {
        var term = Complex.Zero;
        for (var q = 0; q < mode.Multiplicity && q <= s; q++)
            term += mode.Coefficients[q] * ErrorMode.Binomial(s, q) * Complex.Pow(mode.Eigenvalue, s - q);
        return term;
    }

    /// <summary>
    /// The steps after which the envelope stays at or below <paramref name="threshold"/>: the largest real t with
    /// E(t) = threshold (0 when E never exceeds it, +∞ when a mode does not decay).
    /// </summary>
    internal static double LastCrossing(Func<double, double> envelope, IEnumerable<ErrorMode> modes, double threshold)
    {
        // Beyond t₀ every mode's term decreases: d/ds ln(s^q ρ^s) = q/s + ln ρ < 0 for s > q/ln(1/ρ).
        var settle = 1.0;
        foreach (var mode in modes)
        {
            var modulus = Complex.Abs(mode.Eigenvalue);
            if (mode.Coefficients.All(c => c == Complex.Zero)) continue;
            if (modulus >= 1) return double.PositiveInfinity;
            if (modulus > 0) settle = Math.Max(settle, 1 + 2 * mode.Multiplicity / -Math.Log(modulus));
        }
        // The largest envelope before t₀ (on at most 2000 points), then the last crossing after it, by bisection.
        var (peak, peakValue) = (0.0, envelope(0));
        var points = Math.Min(2000, (int)Math.Ceiling(settle));
        for (var i = 1; i <= points; i++)
        {
            var t = settle * i / points;
            var value = envelope(t);
            if (value > peakValue) (peak, peakValue) = (t, value);
        }
        if (peakValue <= threshold) return 0;
        var high = Math.Max(settle, peak + 1);
        while (envelope(high) > threshold)
        {
            high *= 2;
            if (high > 1e18) return double.PositiveInfinity;
        }
        var low = peak;
        for (var i = 0; i < 200 && high - low > 1e-12 * high; i++)
        {
            var mid = (low + high) / 2;
            if (envelope(mid) > threshold) low = mid;
            else high = mid;
        }
        return high;
    }
}
