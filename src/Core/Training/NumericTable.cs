using System.Collections.Immutable;

namespace Momentum.Training;

/// <summary>
/// A rectangular table of numbers, row-major, as read from a data file. The rows are kept in blocks of whole rows, so a
/// table is built as it is read, of any size, without ever being copied into one larger array.
/// </summary>
public sealed class NumericTable : IEquatable<NumericTable>
{
    private readonly ImmutableArray<double>[] blocks;

    // firstRows[k] is the first row of block k; firstRows[^1] is the number of rows.
    private readonly int[] firstRows;

    /// <summary>Creates a table; <paramref name="values"/> holds <c>rows × columns</c> numbers, row after row.</summary>
    /// <exception cref="ArgumentException">The count is not a multiple of <paramref name="columns"/>, or columns &lt; 1.</exception>
    public NumericTable(ImmutableArray<double> values, int columns)
        : this([values], columns)
    {
    }

    /// <summary>
    /// Creates a table from blocks of whole rows, in order; each block holds a multiple of <paramref name="columns"/>
    /// numbers, row after row. The blocks are kept, not copied.
    /// </summary>
    /// <exception cref="ArgumentException">A block is not whole rows, there are more than <see cref="int.MaxValue"/> rows, or columns &lt; 1.</exception>
    public NumericTable(IEnumerable<ImmutableArray<double>> blocks, int columns)
    {
        ArgumentNullException.ThrowIfNull(blocks);
        ArgumentOutOfRangeException.ThrowIfLessThan(columns, 1);
        var kept = new List<ImmutableArray<double>>();
        var starts = new List<int>();
        long rows = 0;
        foreach (var block in blocks)
        {
            if (block.IsDefault || block.Length % columns != 0)
                throw new ArgumentException($"{(block.IsDefault ? 0 : block.Length)} values do not fill rows of {columns} columns.", nameof(blocks));
            if (block.Length == 0) continue;
            kept.Add(block);
            starts.Add((int)rows);
            rows += block.Length / columns;
            if (rows > int.MaxValue) throw new ArgumentException($"A table holds at most {int.MaxValue} rows.", nameof(blocks));
        }
        starts.Add((int)rows);
        this.blocks = [.. kept];
        firstRows = [.. starts];
        Columns = columns;
    }

    /// <summary>Numbers per row.</summary>
    public int Columns { get; }

    /// <summary>Number of rows.</summary>
    public int Rows => firstRows[^1];

    /// <summary>Number of numbers, <c>Rows × Columns</c>.</summary>
    public long Count => (long)Rows * Columns;

    /// <summary>Number of blocks of rows.</summary>
    public int BlockCount => blocks.Length;

    /// <summary>Block <paramref name="index"/>: whole rows, row after row, following the rows of the blocks before it.</summary>
    public ReadOnlySpan<double> Block(int index) => blocks[index].AsSpan();

    /// <summary>The first row of block <paramref name="index"/>.</summary>
    public int FirstRowOf(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, blocks.Length);
        return firstRows[index];
    }

    /// <summary>One row, 0-based.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The row is not in [0, <see cref="Rows"/>).</exception>
    public ReadOnlySpan<double> Row(int row)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(row);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(row, Rows);
        var block = Array.BinarySearch(firstRows, row);
        if (block < 0) block = ~block - 1;
        // Equal starts cannot occur (empty blocks are dropped), so the search finds the block's own start.
        return blocks[block].AsSpan((row - firstRows[block]) * Columns, Columns);
    }

    /// <summary>The cell at (row, column), both 0-based.</summary>
    public double this[int row, int column] => Row(row)[column];

    /// <summary>The shape and the first row, e.g. <c>NumericTable { Rows = 1503, Columns = 6, Row 0 = [800, 0, 0.3048, 71.3, 0.00266337, 126.201] }</c>.</summary>
    public override string ToString() =>
        $"NumericTable {{ Rows = {Rows}, Columns = {Columns}{(Rows > 0 ? ", Row 0 = " + Optimizers.Show.Values(Row(0)) : "")} }}";

    /// <summary>Every number, row after row, in one new array (for small tables: a large one may not fit in one array).</summary>
    /// <exception cref="InvalidOperationException">The table holds more numbers than one array can (<see cref="Array.MaxLength"/>).</exception>
    public double[] ToArray()
    {
        if (Count > Array.MaxLength)
            throw new InvalidOperationException($"The table holds {Count} numbers, more than one array can ({Array.MaxLength}); read it block by block.");
        var all = new double[Count];
        var at = 0;
        foreach (var block in blocks)
        {
            block.AsSpan().CopyTo(all.AsSpan(at));
            at += block.Length;
        }
        return all;
    }

    /// <summary>Tables are equal when they have the same shape and the same numbers, however they are cut into blocks.</summary>
    public bool Equals(NumericTable? other)
    {
        if (other is null || Columns != other.Columns || Rows != other.Rows) return false;
        for (var i = 0; i < Rows; i++)
            if (!Row(i).SequenceEqual(other.Row(i))) return false;
        return true;
    }

    /// <inheritdoc />
    public override bool Equals(object? obj) => Equals(obj as NumericTable);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Columns, Rows);
}
