using System.Collections.Immutable;
using System.Runtime.InteropServices;

namespace Momentum.Training;

/// <summary>
/// Per-column standardisation, z = (x − mean) / std with the population standard deviation (numpy's <c>std</c>,
/// ddof = 0), as d2l's <c>get_data_ch11</c> prepares the airfoil data (d2l §11.5.2).
/// </summary>
public static class Standardization
{
    /// <summary>Standardises every column of <paramref name="table"/> over all its rows.</summary>
    /// <returns>The standardised table with each column's mean and standard deviation.</returns>
    /// <exception cref="ConstantColumnException">A column is constant, so its deviation is 0.</exception>
    /// <exception cref="ArgumentException">The table has no rows.</exception>
    public static StandardizedTable Standardize(NumericTable table)
    {
        ArgumentNullException.ThrowIfNull(table);
        var (rows, columns) = (table.Rows, table.Columns);
        if (rows == 0) throw new ArgumentException("The table has no rows to standardise.", nameof(table));
        var source = table.Values.AsSpan();

        // Row by row, every column at once (a pass down one column of a row-major table would touch a cache line per
        // value); each column's sums still add its values in row order, so the results are those of a column pass.
        var sums = new double[columns];
        var min = new double[columns];
        var max = new double[columns];
        Array.Fill(min, double.PositiveInfinity);
        Array.Fill(max, double.NegativeInfinity);
        for (var i = 0; i < rows; i++)
        {
            var row = source.Slice(i * columns, columns);
            for (var j = 0; j < columns; j++)
                (min[j], max[j], sums[j]) = (Math.Min(min[j], row[j]), Math.Max(max[j], row[j]), sums[j] + row[j]);
        }
        var means = new double[columns];
        for (var j = 0; j < columns; j++) means[j] = sums[j] / rows;
        var squares = new double[columns];
        for (var i = 0; i < rows; i++)
        {
            var row = source.Slice(i * columns, columns);
            for (var j = 0; j < columns; j++)
            {
                var d = row[j] - means[j];
                squares[j] += d * d;
            }
        }
        var deviations = new double[columns];
        for (var j = 0; j < columns; j++)
        {
            // Column by column, as a column-wise pass would refuse: constant (min = max: a deviation computed from equal
            // values is rounding noise), then a deviation that cannot divide.
            if (min[j] == max[j]) throw new ConstantColumnException(j, min[j]);
            var deviation = Math.Sqrt(squares[j] / rows);
            if (!(deviation > 0) || !double.IsFinite(deviation))
                throw new ArgumentException($"column {j + 1}: its standard deviation {deviation} cannot divide.", nameof(table));
            deviations[j] = deviation;
        }

        var result = new double[source.Length];
        for (var i = 0; i < rows; i++)
        {
            var row = source.Slice(i * columns, columns);
            var target = result.AsSpan(i * columns, columns);
            for (var j = 0; j < columns; j++) target[j] = (row[j] - means[j]) / deviations[j];
        }
        return new(
            new NumericTable(ImmutableCollectionsMarshal.AsImmutableArray(result), columns),
            ImmutableCollectionsMarshal.AsImmutableArray(means),
            ImmutableCollectionsMarshal.AsImmutableArray(deviations));
    }
}

/// <summary>A standardised table with the statistics used.</summary>
/// <param name="Table">The standardised values: every column has mean 0 and population standard deviation 1.</param>
/// <param name="Means">Each column's mean before standardising.</param>
/// <param name="StandardDeviations">Each column's population standard deviation before standardising.</param>
public sealed record StandardizedTable(NumericTable Table, ImmutableArray<double> Means, ImmutableArray<double> StandardDeviations);

/// <summary>A column has one value in every row, so standardising it would divide by zero.</summary>
public sealed class ConstantColumnException : ArgumentException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="column">The constant column, 0-based.</param>
    /// <param name="value">Its value.</param>
    public ConstantColumnException(int column, double value)
        : base($"column {column + 1} is constant ({value} in every row): standardising it would divide by zero.")
    {
        Column = column;
        Value = value;
    }

    /// <summary>The constant column, 0-based.</summary>
    public int Column { get; }

    /// <summary>The column's value.</summary>
    public double Value { get; }
}
