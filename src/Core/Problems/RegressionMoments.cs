using System.Collections.Immutable;
using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Momentum.Training;

namespace Momentum.Problems;

/// <summary>
/// The second moments of a regression data set, with x̃ = [x, 1]: H = (1/n) Σ x̃x̃ᵀ, c = (1/n) Σ y x̃, s = (1/n) Σ y².
/// The loss is then a quadratic in θ = [w, b] (d2l §11.6.3.1's h with Q = H):
/// ℓ(θ) = ½ (θᵀHθ − 2cᵀθ + s), so after one pass over the data each evaluation costs O(F²) instead of a pass.
/// </summary>
/// <remarks>
/// Exact in exact arithmetic; in floating point it loses digits when ℓ is many orders of magnitude below s (cancellation),
/// about ε·s/ℓ relatively, so it is used only where evaluating the loss directly would dominate a run
/// (<see cref="RegressionObjective{T}"/>). Results are clamped at 0.
/// </remarks>
public sealed class RegressionMoments
{
    private readonly double[] h;

    private RegressionMoments(double[] h, ImmutableArray<double> c, double s, int dimension)
    {
        this.h = h;
        C = c;
        S = s;
        Dimension = dimension;
    }

    // u = 2⁻⁵³, the unit roundoff of double precision.
    private const double UnitRoundoff = 1.1102230246251565e-16;

    /// <summary>F + 1.</summary>
    public int Dimension { get; }

    /// <summary>c = (1/n) Σ y x̃.</summary>
    public ImmutableArray<double> C { get; }

    /// <summary>s = (1/n) Σ y².</summary>
    public double S { get; }

    /// <summary>Hᵢⱼ = (1/n) Σ x̃ᵢx̃ⱼ.</summary>
    public double this[int i, int j] => h[i * Dimension + j];

    /// <summary>Rows per part of the pass (the last part may be longer): enough that a worker's hand-off is noise.</summary>
    internal const int RowsPerPart = 16384;

    /// <summary>The parts the rows are summed in: one per <see cref="RowsPerPart"/> rows, 1 to 8, fixed by the row count alone.</summary>
    internal static int PartsOf(int rows) => Math.Clamp(rows / RowsPerPart, 1, 8);

    // Part k of parts: ⌊n / parts⌋ consecutive rows each, the last one taking the remainder too (so it is the longest).
    private static (int From, int To) PartRows(int rows, int parts, int k) =>
        (k * (rows / parts), k == parts - 1 ? rows : (k + 1) * (rows / parts));

    /// <summary>
    /// One pass over the data in double precision, eight rows at a time (each block of H loaded once per eight rows), summed
    /// as a cascade (64 rows, then 64 such sums, then the part) so that rounding grows with the cascade's depth, not n; in
    /// parts of consecutive rows fixed by the row count (⌊n / 16384⌋ parts, at most 8): each part is summed on its own,
    /// by one of <paramref name="team"/>'s workers when one is given, and the parts are added in order, so the moments
    /// are the same bits whoever sums them.
    /// </summary>
    public static RegressionMoments Of<T>(Dataset<T> data, Training.IWorkerTeam? team = null)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(data);
        var p = data.FeatureCount + 1;
        var parts = PartsOf(data.Rows);
        var sums = new Sums[parts];
        void Part(int k)
        {
            var (from, to) = PartRows(data.Rows, parts, k);
            sums[k] = Sum(data, from, to, p);
        }
        if (team is { Workers: > 1 } && parts > 1)
            team.Run(worker => { for (var k = worker; k < parts; k += team.Workers) Part(k); });
        else
            for (var k = 0; k < parts; k++) Part(k);

        var (upper, c, s) = (sums[0].H, sums[0].C, sums[0].S);
        for (var k = 1; k < parts; k++)
        {
            TensorPrimitives.Add(upper, sums[k].H, upper);
            TensorPrimitives.Add(c, sums[k].C, c);
            s += sums[k].S;
        }
        var n = data.Rows;
        var h = new double[p * p];
        for (var a = 0; a < p; a++)
        {
            c[a] /= n;
            for (var b = a; b < p; b++)
                h[b * p + a] = h[a * p + b] = upper[RowStart(a, p) + b - a] / n;
        }
        return new RegressionMoments(h, ImmutableCollectionsMarshal.AsImmutableArray(c), s / n, p) { Rows = n };
    }

    // H is summed as its upper triangle, packed row after row: row a holds H[a, a … p − 1].
    private readonly record struct Sums(double[] H, double[] C, double S);

    // Where row a of a packed upper triangle of order p starts: rows 0 … a − 1 hold p, p − 1, … entries.
    private static int RowStart(int a, int p) => a * p - a * (a - 1) / 2;

    /// <summary>Rows summed into a level-1 accumulator before it is added to the level-2 one (a multiple of the 8-row block).</summary>
    internal const int RowsPerBlock = 64;

    /// <summary>Level-1 sums added into a level-2 accumulator before that is added to the part's total.</summary>
    internal const int BlocksPerGroup = 64;

    /// <summary>
    /// The most additions any one row's terms go through on their way into the moments: within a level-1 block, within a
    /// level-2 group, within the part, across the parts, and the division by n. Higham's bound for a summation tree is
    /// γ of this depth (Higham, "Accuracy and Stability of Numerical Algorithms", §4.2), against γₙ₋₁ for one running sum.
    /// </summary>
    internal static int SummationDepth(int rows)
    {
        var parts = PartsOf(rows);
        var (from, to) = PartRows(rows, parts, parts - 1);
        var longest = to - from;
        var groups = (longest + RowsPerBlock * BlocksPerGroup - 1) / (RowsPerBlock * BlocksPerGroup);
        return Math.Min(longest, RowsPerBlock) + Math.Min((longest + RowsPerBlock - 1) / RowsPerBlock, BlocksPerGroup) + groups + parts;
    }

    // Σ x̃x̃ᵀ (its packed upper triangle), Σ y x̃ and Σ y² over rows [from, to), as a cascade: each row into a level-1 sum of
    // RowsPerBlock rows, those into a level-2 sum of BlocksPerGroup of them, those into the part's total (SummationDepth).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static Sums Sum<T>(Dataset<T> data, int from, int to, int p)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var triangle = p * (p + 1) / 2;
        var (h, c, s) = (new double[triangle], new double[p], 0.0);
        var (h2, c2, s2) = (new double[triangle], new double[p], 0.0);
        var (h1, c1, s1) = (new double[triangle], new double[p], 0.0);
        const int Block = 8;
        var rows = new double[Block * p];
        var blocks = 0;
        for (var start = from; start < to; start += Block)
        {
            var count = Math.Min(Block, to - start);
            Array.Clear(rows);
            for (var k = 0; k < count; k++)
            {
                var x = data.Row(start + k);
                for (var j = 0; j < data.FeatureCount; j++) rows[k * p + j] = double.CreateChecked(x[j]);
                rows[k * p + p - 1] = 1;
                var y = double.CreateChecked(data.Labels[start + k]);
                s1 += y * y;
                for (var j = 0; j < p; j++) c1[j] += y * rows[k * p + j];
            }
            // Upper triangle: H[a, b] += Σₖ xₖ[a] xₖ[b] for b ≥ a, four rows per pass over H's row (rows beyond count are
            // zero and add exactly 0); the same fused multiply-adds, in the same order, as one row at a time.
            for (var a = 0; a < p; a++)
            {
                ref var target = ref h1[RowStart(a, p)];
                var length = (nuint)(p - a);
                for (var k = 0; k < Block; k += 4)
                    Kernels.RegressionKernel.AddScaled4(ref target,
                        ref rows[k * p + a], rows[k * p + a], ref rows[(k + 1) * p + a], rows[(k + 1) * p + a],
                        ref rows[(k + 2) * p + a], rows[(k + 2) * p + a], ref rows[(k + 3) * p + a], rows[(k + 3) * p + a], length);
            }
            var last = start + Block >= to;
            if ((start - from + Block) % RowsPerBlock == 0 || last)
            {
                Flush(h1, c1, ref s1, h2, c2, ref s2);
                if (++blocks == BlocksPerGroup || last)
                {
                    Flush(h2, c2, ref s2, h, c, ref s);
                    blocks = 0;
                }
            }
        }
        return new(h, c, s);
    }

    // Adds one level's sums into the next and clears them.
    private static void Flush(double[] h, double[] c, ref double s, double[] intoH, double[] intoC, ref double intoS)
    {
        TensorPrimitives.Add(intoH, h, intoH);
        TensorPrimitives.Add(intoC, c, intoC);
        intoS += s;
        Array.Clear(h);
        Array.Clear(c);
        s = 0;
    }

    /// <summary>The number of rows the moments were taken over.</summary>
    public int Rows { get; private init; }

    /// <summary>
    /// ℓ(θ) = ½ (θᵀHθ − 2cᵀθ + s) and a bound on its rounding error: the moments are sums over n rows in a cascade of depth
    /// d (<see cref="SummationDepth"/>: about 64 + 64 + n/32768 + 8, where one running sum would be n), each entry off by at
    /// most about dε of the mean of its terms' magnitudes, which Cauchy–Schwarz bounds by the diagonal,
    /// mean|x̃ₐx̃_b| ≤ √(HₐₐH_bb) and mean|y x̃ₐ| ≤ √(s Hₐₐ); with u = Σₐ |θₐ|√Hₐₐ the error is at most
    /// ε(d + 2p + 4)(u + √s)²/2 (Higham, "Accuracy and Stability of Numerical Algorithms", §3.1 and §4.2, for the sums).
    /// </summary>
    public (double Loss, double Bound) LossWithBound<T>(ReadOnlySpan<T> parameters)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var loss = Loss(parameters);
        var u = 0.0;
        for (var a = 0; a < Dimension; a++) u += Math.Abs(double.CreateChecked(parameters[a])) * Math.Sqrt(h[a * Dimension + a]);
        var scale = u + Math.Sqrt(S);
        return (loss, UnitRoundoff * (SummationDepth(Rows) + 2.0 * Dimension + 4) * scale * scale / 2);
    }

    /// <summary>ℓ(θ) = ½ (θᵀHθ − 2cᵀθ + s), at least 0.</summary>
    /// <exception cref="ArgumentException"><paramref name="parameters"/> is not F + 1 long.</exception>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // evaluated at every record point of a large run
    public double Loss<T>(ReadOnlySpan<T> parameters)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (parameters.Length != Dimension)
            throw new ArgumentException($"parameters has {parameters.Length} elements; the moments are for {Dimension}.", nameof(parameters));
        var quadratic = 0.0;
        var linear = 0.0;
        for (var i = 0; i < Dimension; i++)
        {
            var ti = double.CreateChecked(parameters[i]);
            var row = 0.0;
            for (var j = 0; j < Dimension; j++) row += h[i * Dimension + j] * double.CreateChecked(parameters[j]);
            quadratic += ti * row;
            linear += C[i] * ti;
        }
        return Math.Max(0, (quadratic - 2 * linear + S) / 2);
    }
}
