using System.Collections.Immutable;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Momentum.Training;

/// <summary>
/// Per-column standardisation, z = (x − mean) / std with the population standard deviation (numpy's <c>std</c>,
/// ddof = 0), as d2l's <c>get_data_ch11</c> prepares the airfoil data (d2l §11.5.2).
/// </summary>
/// <remarks>
/// A column whose largest magnitude m lies outside [2⁻⁴⁰⁰, 2⁴⁰⁰] is first scaled by the power of two 2⁻ᵉ, e = ⌊log₂ m⌋,
/// so that its sums cannot overflow (1e200 and −1e200: the squares would) nor its squares underflow (5e-324 and 0). A
/// power of two commutes with every rounding in the mean, the deviation and the quotient, so z is the same number an
/// exact-range computation gives; columns inside the range are not scaled and give the bits they always gave.
/// </remarks>
public static class Standardization
{
    /// <summary>Beyond 2^±400 a column is scaled: n ≤ 2³¹ squares of differences up to 2⁴⁰¹ stay below 2⁸³⁴.</summary>
    private static readonly double LargestUnscaled = Math.ScaleB(1.0, 400);

    private static readonly double SmallestUnscaled = Math.ScaleB(1.0, -400);

    /// <summary>Each column's mean and population standard deviation over every row of <paramref name="table"/>.</summary>
    /// <exception cref="ConstantColumnException">A column is constant, so its deviation is 0 (the first such column).</exception>
    /// <exception cref="ColumnException">A column holds NaN or ∞ (columns are checked in order).</exception>
    /// <exception cref="ArgumentException">The table has no rows.</exception>
    public static ColumnStatistics Of(NumericTable table)
    {
        ArgumentNullException.ThrowIfNull(table);
        var (rows, columns) = (table.Rows, table.Columns);
        if (rows == 0) throw new ArgumentException("The table has no rows to standardise.", nameof(table));

        // Row by row, every column at once (a pass down one column of a row-major table would touch a cache line per
        // value); each column's sums still add its values in row order, so the results are those of a column pass.
        var min = new double[columns];
        var max = new double[columns];
        var sums = new double[columns];
        var finite = new double[columns]; // Σ 0·x: NaN as soon as one x is NaN or ∞.
        Array.Fill(min, double.PositiveInfinity);
        Array.Fill(max, double.NegativeInfinity);
        for (var k = 0; k < table.BlockCount; k++) Extremes(table.Block(k), columns, min, max, sums, finite);

        var exponents = new int[columns];
        for (var j = 0; j < columns; j++)
        {
            // Column by column, so the first column that cannot be standardised is the one named.
            if (double.IsNaN(finite[j])) throw new ColumnException(j, "holds NaN or ∞; only finite numbers can be standardised");
            if (min[j] == max[j]) throw new ConstantColumnException(j, min[j]);
            var largest = Math.Max(Math.Abs(min[j]), Math.Abs(max[j]));
            if (largest > LargestUnscaled || largest < SmallestUnscaled) exponents[j] = Math.ILogB(largest);
        }

        var scaled = exponents.Any(e => e != 0);
        var scratch = new double[columns];
        if (scaled)
        {
            Array.Clear(sums);
            for (var k = 0; k < table.BlockCount; k++)
            {
                var block = table.Block(k);
                for (var at = 0; at < block.Length; at += columns) Add(Scale(block.Slice(at, columns), exponents, scratch), sums);
            }
        }
        var means = new double[columns];
        for (var j = 0; j < columns; j++) means[j] = sums[j] / rows;

        var squares = new double[columns];
        for (var k = 0; k < table.BlockCount; k++)
        {
            var block = table.Block(k);
            for (var at = 0; at < block.Length; at += columns)
                AddSquaredDifferences(scaled ? Scale(block.Slice(at, columns), exponents, scratch) : block.Slice(at, columns), means, squares);
        }
        var deviations = new double[columns];
        for (var j = 0; j < columns; j++)
        {
            deviations[j] = Math.Sqrt(squares[j] / rows);
            // Unreachable for finite, non-constant columns once scaled; kept so that no division by 0 can pass.
            if (!(deviations[j] > 0) || !double.IsFinite(deviations[j]))
                throw new ColumnException(j, $"its standard deviation ({Optimizers.Show.Number(deviations[j])}) cannot divide");
        }
        return new ColumnStatistics(
            ImmutableCollectionsMarshal.AsImmutableArray(means),
            ImmutableCollectionsMarshal.AsImmutableArray(deviations),
            ImmutableCollectionsMarshal.AsImmutableArray(exponents));
    }

    /// <summary>Standardises every column of <paramref name="table"/> over all its rows, into a new table.</summary>
    /// <returns>The standardised table with each column's mean and standard deviation.</returns>
    /// <exception cref="ConstantColumnException">A column is constant, so its deviation is 0.</exception>
    /// <exception cref="ColumnException">A column holds NaN or ∞.</exception>
    /// <exception cref="ArgumentException">The table has no rows.</exception>
    public static StandardizedTable Standardize(NumericTable table)
    {
        var statistics = Of(table);
        var blocks = new ImmutableArray<double>[table.BlockCount];
        for (var k = 0; k < blocks.Length; k++)
        {
            var block = new double[table.Block(k).Length];
            statistics.Apply(table.Block(k), block);
            blocks[k] = ImmutableCollectionsMarshal.AsImmutableArray(block);
        }
        return new(new NumericTable(blocks, table.Columns), statistics.Means, statistics.StandardDeviations);
    }

    /// <summary>The row with each scaled column multiplied by 2^−exponent (exactly, with <see cref="Math.ScaleB"/>).</summary>
    internal static ReadOnlySpan<double> Scale(ReadOnlySpan<double> row, ReadOnlySpan<int> exponents, Span<double> scratch)
    {
        for (var j = 0; j < row.Length; j++) scratch[j] = exponents[j] == 0 ? row[j] : Math.ScaleB(row[j], -exponents[j]);
        return scratch[..row.Length];
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Extremes(ReadOnlySpan<double> rows, int columns, Span<double> min, Span<double> max, Span<double> sums, Span<double> finite)
    {
        for (var at = 0; at < rows.Length; at += columns) Extremes(rows.Slice(at, columns), min, max, sums, finite);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Extremes(ReadOnlySpan<double> row, Span<double> min, Span<double> max, Span<double> sums, Span<double> finite)
    {
        var j = 0;
        for (; j <= row.Length - Vector<double>.Count; j += Vector<double>.Count)
        {
            var x = new Vector<double>(row[j..]);
            Vector.Min(new Vector<double>(min[j..]), x).CopyTo(min[j..]);
            Vector.Max(new Vector<double>(max[j..]), x).CopyTo(max[j..]);
            (new Vector<double>(sums[j..]) + x).CopyTo(sums[j..]);
            (new Vector<double>(finite[j..]) + x * Vector<double>.Zero).CopyTo(finite[j..]);
        }
        for (; j < row.Length; j++)
        {
            var x = row[j];
            (min[j], max[j], sums[j], finite[j]) = (Math.Min(min[j], x), Math.Max(max[j], x), sums[j] + x, finite[j] + x * 0);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Add(ReadOnlySpan<double> row, Span<double> sums)
    {
        var j = 0;
        for (; j <= row.Length - Vector<double>.Count; j += Vector<double>.Count)
            (new Vector<double>(sums[j..]) + new Vector<double>(row[j..])).CopyTo(sums[j..]);
        for (; j < row.Length; j++) sums[j] += row[j];
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void AddSquaredDifferences(ReadOnlySpan<double> row, ReadOnlySpan<double> means, Span<double> squares)
    {
        // d·d then +, two roundings as the scalar form: Vector<T> operators are never fused into a multiply-add.
        var j = 0;
        for (; j <= row.Length - Vector<double>.Count; j += Vector<double>.Count)
        {
            var d = new Vector<double>(row[j..]) - new Vector<double>(means[j..]);
            (new Vector<double>(squares[j..]) + d * d).CopyTo(squares[j..]);
        }
        for (; j < row.Length; j++)
        {
            var d = row[j] - means[j];
            squares[j] += d * d;
        }
    }
}

/// <summary>
/// What standardising a table's columns takes: each column's mean and population standard deviation, computed on the
/// column scaled by 2^−<see cref="Exponents"/> (0 for a column of ordinary magnitudes).
/// </summary>
/// <param name="ScaledMeans">Each column's mean, of its scaled values.</param>
/// <param name="ScaledDeviations">Each column's population standard deviation, of its scaled values; all &gt; 0.</param>
/// <param name="Exponents">The power of two each column is divided by before anything else.</param>
public sealed record ColumnStatistics(ImmutableArray<double> ScaledMeans, ImmutableArray<double> ScaledDeviations, ImmutableArray<int> Exponents)
{
    /// <summary>Number of columns.</summary>
    public int Columns => ScaledMeans.Length;

    /// <summary>Each column's mean before standardising (rounded to a double, which a tiny column's mean may not hold exactly).</summary>
    public ImmutableArray<double> Means => [.. ScaledMeans.Select((m, j) => Math.ScaleB(m, Exponents[j]))];

    /// <summary>Each column's population standard deviation before standardising (rounded as <see cref="Means"/>).</summary>
    public ImmutableArray<double> StandardDeviations => [.. ScaledDeviations.Select((s, j) => Math.ScaleB(s, Exponents[j]))];

    /// <summary>
    /// Standardises whole rows: effectively computes <c>destination[i·C + j] = (source[i·C + j]·2^−e_j − mean_j) / std_j</c>
    /// for C = <see cref="Columns"/>. <paramref name="destination"/> may be the same span as <paramref name="source"/>
    /// (in place) but must not partially overlap it.
    /// </summary>
    /// <exception cref="ArgumentException">The source is not whole rows, or the destination is shorter.</exception>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Apply(ReadOnlySpan<double> source, Span<double> destination)
    {
        var columns = Columns;
        if (source.Length % columns != 0) throw new ArgumentException($"{source.Length} values are not whole rows of {columns} columns.", nameof(source));
        if (destination.Length < source.Length) throw new ArgumentException($"The destination holds {destination.Length} values; the source has {source.Length}.", nameof(destination));
        var means = ScaledMeans.AsSpan();
        var deviations = ScaledDeviations.AsSpan();
        var exponents = Exponents.AsSpan();
        var scaled = exponents.ContainsAnyExcept(0);
        Span<double> scratch = scaled ? new double[columns] : default;
        for (var at = 0; at < source.Length; at += columns)
        {
            var row = source.Slice(at, columns);
            if (scaled) row = Standardization.Scale(row, exponents, scratch);
            var target = destination.Slice(at, columns);
            var j = 0;
            for (; j <= columns - Vector<double>.Count; j += Vector<double>.Count)
                ((new Vector<double>(row[j..]) - new Vector<double>(means[j..])) / new Vector<double>(deviations[j..])).CopyTo(target[j..]);
            for (; j < columns; j++) target[j] = (row[j] - means[j]) / deviations[j];
        }
    }

    /// <summary>Prints the values, long vectors shortened.</summary>
    private bool PrintMembers(System.Text.StringBuilder builder)
    {
        builder.Append("Means = ").Append(Optimizers.Show.Values(Means.AsSpan()))
            .Append(", StandardDeviations = ").Append(Optimizers.Show.Values(StandardDeviations.AsSpan()));
        return true;
    }
}

/// <summary>A standardised table with the statistics used.</summary>
/// <param name="Table">The standardised values: every column has mean 0 and population standard deviation 1.</param>
/// <param name="Means">Each column's mean before standardising.</param>
/// <param name="StandardDeviations">Each column's population standard deviation before standardising.</param>
public sealed record StandardizedTable(NumericTable Table, ImmutableArray<double> Means, ImmutableArray<double> StandardDeviations)
{
    /// <summary>Prints the values, long vectors shortened.</summary>
    private bool PrintMembers(System.Text.StringBuilder builder)
    {
        builder.Append("Table = ").Append(Table).Append(", Means = ").Append(Optimizers.Show.Values(Means.AsSpan()))
            .Append(", StandardDeviations = ").Append(Optimizers.Show.Values(StandardDeviations.AsSpan()));
        return true;
    }
}

/// <summary>A column that cannot be standardised, and why.</summary>
public class ColumnException : ArgumentException
{
    private readonly string separator;

    /// <summary>Creates the exception; its message is "column k: problem.".</summary>
    /// <param name="column">The column, 0-based.</param>
    /// <param name="problem">What is wrong with it, in words that follow "column k: ".</param>
    public ColumnException(int column, string problem)
        : this(column, problem, ": ")
    {
    }

    /// <summary>Creates the exception; its message is "column k", <paramref name="separator"/>, the problem and a full stop.</summary>
    /// <param name="column">The column, 0-based.</param>
    /// <param name="problem">What is wrong with it.</param>
    /// <param name="separator">What joins the column's name and the problem (": ", or " " for a problem that reads as a predicate).</param>
    protected ColumnException(int column, string problem, string separator)
        : base(Join($"column {column + 1}", separator, problem) + ".")
    {
        Column = column;
        Problem = problem;
        this.separator = separator;
    }

    /// <summary>The column, 0-based.</summary>
    public int Column { get; }

    /// <summary>What is wrong with it.</summary>
    public string Problem { get; }

    /// <summary>
    /// The problem said of the column by another name (a shell's "column 2 (pressure)"), in the message's words and
    /// without its full stop: <c>Describe("column k")</c> is the message without its last character.
    /// </summary>
    public string Describe(string column) => Join(column, separator, Problem);

    private static string Join(string column, string separator, string problem) => column + separator + problem;
}

/// <summary>A column has one value in every row, so standardising it would divide by zero.</summary>
public sealed class ConstantColumnException : ColumnException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="column">The constant column, 0-based.</param>
    /// <param name="value">Its value.</param>
    public ConstantColumnException(int column, double value)
        : base(column, $"is constant ({Optimizers.Show.Number(value)} in every row): standardising it would divide by zero", " ")
    {
        Value = value;
    }

    /// <summary>The column's value.</summary>
    public double Value { get; }
}
