using System.Collections.Immutable;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Momentum.Training;

/// <summary>
/// A seeded linear-regression data set, as d2l's <c>synthetic_data</c> (d2l §3.3.1) builds one: X ~ N(0, 1),
/// y = Xw + b + ε with w ~ N(0, 1), b = 4.2 and noise ε ~ N(0, σ²). The last column is the target.
/// </summary>
/// <remarks>
/// Every number is drawn by position from <see cref="StandardNormal"/>, in three streams derived from the seed
/// (<see cref="Seeds.Stream.Synthetic"/> with indices 0, 1, 2): x_ij is number i·F + j of the first, w_j number j of
/// the second, ε_i number i of the third. So row i depends on the seed, i and F only: the first rows of a larger set
/// are the smaller set, and blocks of rows can be filled in any order, on any number of threads, with the same bits.
/// y_i = (4.2 + σ·ε_i) + Σ_j x_ij·w_j, the sum taken in a fixed order (four interleaved partial sums, then their total,
/// then the last F mod 4 terms) that does not depend on the machine's vector width.
/// </remarks>
public static class SyntheticData
{
    /// <summary>The intercept b of d2l's <c>synthetic_data</c> example.</summary>
    public const double Intercept = 4.2;

    /// <summary>Builds a table of <paramref name="rows"/> × (<paramref name="features"/> + 1) numbers.</summary>
    /// <param name="rows">Examples, at least 1.</param>
    /// <param name="features">Features per example, at least 1.</param>
    /// <param name="seed">The seed; equal seeds give equal tables.</param>
    /// <param name="noise">σ, the noise's standard deviation (0.5 by default, so the best loss is well above zero as on real data).</param>
    /// <exception cref="ArgumentOutOfRangeException">A count is less than 1, or σ is negative or not finite.</exception>
    public static NumericTable LinearRegression(int rows, int features, int seed, double noise = 0.5)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(rows, 1);
        var blocks = new ImmutableArray<double>[BlockCount(rows, features)];
        for (var k = 0; k < blocks.Length; k++) blocks[k] = Block(k, rows, features, seed, noise);
        return new NumericTable(blocks, features + 1);
    }

    /// <summary>Rows per block of <see cref="Block"/>: about 2²⁰ numbers, at least one row.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="features"/> is less than 1.</exception>
    public static int BlockRows(int features)
    {
        // Every entry point that cuts the table into blocks comes here first, so a feature count of −1 is refused by name
        // instead of dividing by zero.
        ArgumentOutOfRangeException.ThrowIfLessThan(features, 1);
        return Math.Max(1, (1 << 20) / (features + 1));
    }

    /// <summary>How many blocks a table of <paramref name="rows"/> rows is built from.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="rows"/> is negative or <paramref name="features"/> less than 1.</exception>
    public static int BlockCount(int rows, int features)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rows);
        return (int)(((long)rows + BlockRows(features) - 1) / BlockRows(features));
    }

    /// <summary>
    /// Block <paramref name="index"/> of the table <see cref="LinearRegression"/> builds: its rows from
    /// index·<see cref="BlockRows"/>, row after row. The blocks are independent: build them in any order or at once.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">
    /// rows or features is less than 1, the block is not one of the table's (index &lt; 0 or at least
    /// <see cref="BlockCount"/>), or σ is negative or not finite.
    /// </exception>
    public static ImmutableArray<double> Block(int index, int rows, int features, int seed, double noise = 0.5)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(rows, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, BlockCount(rows, features));
        var first = (long)index * BlockRows(features);
        var count = (int)Math.Min(BlockRows(features), rows - first);
        var values = new double[checked(count * (features + 1))];
        FillRows(features, seed, (int)first, values, noise);
        return ImmutableCollectionsMarshal.AsImmutableArray(values);
    }

    /// <summary>
    /// Fills <paramref name="destination"/> with whole rows of the table, from row <paramref name="firstRow"/>: the
    /// same numbers as those rows of any table built from the same seed and feature count.
    /// </summary>
    /// <exception cref="ArgumentException">The destination is not whole rows of features + 1 numbers.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A count is out of range, or σ is negative or not finite.</exception>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void FillRows(int features, int seed, int firstRow, Span<double> destination, double noise = 0.5)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(features, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(firstRow);
        if (!(noise >= 0) || !double.IsFinite(noise)) throw new ArgumentOutOfRangeException(nameof(noise), noise, "σ must be finite and non-negative.");
        var columns = features + 1;
        if (destination.Length % columns != 0) throw new ArgumentException($"{destination.Length} values are not whole rows of {columns} columns.", nameof(destination));
        var rows = destination.Length / columns;

        var weights = new double[features];
        StandardNormal.Fill(Key(seed, 1), 0, weights);
        var errors = new double[rows];
        StandardNormal.Fill(Key(seed, 2), firstRow, errors);
        // The features of all rows, packed, then each row moved to its place; last row first, so no row is overwritten
        // before it is moved (row i moves from i·F up to i·(F + 1)).
        StandardNormal.Fill(Key(seed, 0), (long)firstRow * features, destination[..(rows * features)]);
        for (var i = rows - 1; i >= 0; i--)
        {
            var row = destination.Slice(i * columns, columns);
            destination.Slice(i * features, features).CopyTo(row);
            row[features] = Intercept + noise * errors[i] + Dot(row[..features], weights);
        }
    }

    private static ulong Key(int seed, long index) => Seeds.Derive64(seed, Seeds.Stream.Synthetic, index);

    /// <summary>Σ x_j·w_j: four partial sums over j mod 4 (one 256-bit vector on any machine), added pairwise, then the tail.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static double Dot(ReadOnlySpan<double> x, ReadOnlySpan<double> w)
    {
        var sums = Vector256<double>.Zero;
        var j = 0;
        for (; j <= x.Length - 4; j += 4)
            sums += Vector256.Create(x[j..]) * Vector256.Create(w[j..]);
        var total = (sums.GetElement(0) + sums.GetElement(1)) + (sums.GetElement(2) + sums.GetElement(3));
        for (; j < x.Length; j++) total += x[j] * w[j];
        return total;
    }
}
