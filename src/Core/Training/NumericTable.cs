using System.Collections.Immutable;

namespace Momentum.Training;

/// <summary>A rectangular table of numbers, row-major, as read from a data file.</summary>
public sealed record NumericTable
{
    /// <summary>Creates a table; <paramref name="values"/> holds <c>rows × columns</c> numbers, row after row.</summary>
    /// <exception cref="ArgumentException">The count is not a multiple of <paramref name="columns"/>, or columns &lt; 1.</exception>
    public NumericTable(ImmutableArray<double> values, int columns)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(columns, 1);
        if (values.IsDefault || values.Length % columns != 0)
            throw new ArgumentException($"{(values.IsDefault ? 0 : values.Length)} values do not fill rows of {columns} columns.", nameof(values));
        Values = values;
        Columns = columns;
    }

    /// <summary>The numbers, row after row.</summary>
    public ImmutableArray<double> Values { get; }

    /// <summary>Numbers per row.</summary>
    public int Columns { get; }

    /// <summary>Number of rows.</summary>
    public int Rows => Values.Length / Columns;

    /// <summary>The cell at (row, column), both 0-based.</summary>
    public double this[int row, int column] => Values[row * Columns + column];

    /// <inheritdoc />
    public bool Equals(NumericTable? other) => other is not null && Columns == other.Columns && Values.SequenceEqual(other.Values);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Columns, Values.Length);
}
