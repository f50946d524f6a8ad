using System.Collections.Immutable;
using System.Numerics;
using System.Runtime.InteropServices;

namespace Momentum.Training;

/// <summary>Features and labels for regression, in <typeparamref name="T"/> precision.</summary>
/// <typeparam name="T"><see cref="float"/> or <see cref="double"/>.</typeparam>
public sealed record Dataset<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Creates a data set; <paramref name="features"/> is row-major, <c>labels.Length × featureCount</c>.</summary>
    /// <exception cref="ArgumentException">The sizes do not agree, or there are no rows or features.</exception>
    public Dataset(ImmutableArray<T> features, ImmutableArray<T> labels, int featureCount)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(featureCount, 1);
        if (labels.IsDefaultOrEmpty) throw new ArgumentException("A data set needs at least one row.", nameof(labels));
        if (features.IsDefault || features.Length != labels.Length * featureCount)
            throw new ArgumentException($"{labels.Length} rows of {featureCount} features need {labels.Length * featureCount} values, not {(features.IsDefault ? 0 : features.Length)}.", nameof(features));
        Features = features;
        Labels = labels;
        FeatureCount = featureCount;
    }

    /// <summary>The features, row after row.</summary>
    public ImmutableArray<T> Features { get; }

    /// <summary>The targets, one per row.</summary>
    public ImmutableArray<T> Labels { get; }

    /// <summary>Features per row.</summary>
    public int FeatureCount { get; }

    /// <summary>Number of rows (examples).</summary>
    public int Rows => Labels.Length;

    /// <summary>The features of one row.</summary>
    public ReadOnlySpan<T> Row(int row) => Features.AsSpan(row * FeatureCount, FeatureCount);

    /// <summary>
    /// Splits a table into features (every column but the target, in order) and labels (the target column), keeping the
    /// first <paramref name="rows"/> rows (all when null), as d2l's <c>get_data_ch11</c> keeps the first 1500.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The target column or row count is out of range.</exception>
    public static Dataset<T> FromTable(NumericTable table, int targetColumn, int? rows = null)
    {
        ArgumentNullException.ThrowIfNull(table);
        if (table.Columns < 2) throw new ArgumentException($"The table has {table.Columns} column; regression needs features and a target.", nameof(table));
        ArgumentOutOfRangeException.ThrowIfNegative(targetColumn);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(targetColumn, table.Columns);
        var n = rows ?? table.Rows;
        ArgumentOutOfRangeException.ThrowIfLessThan(n, 1, nameof(rows));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(n, table.Rows, nameof(rows));

        var featureCount = table.Columns - 1;
        var features = new T[n * featureCount];
        var labels = new T[n];
        var values = table.Values.AsSpan();
        for (var i = 0; i < n; i++)
        {
            // The columns before the target and after it, converted as whole spans (a row of 10⁸ values takes a fraction of a second).
            var row = values.Slice(i * table.Columns, table.Columns);
            var destination = features.AsSpan(i * featureCount, featureCount);
            Convert(row[..targetColumn], destination[..targetColumn]);
            Convert(row[(targetColumn + 1)..], destination[targetColumn..]);
            labels[i] = T.CreateChecked(row[targetColumn]);
        }
        return new(ImmutableCollectionsMarshal.AsImmutableArray(features), ImmutableCollectionsMarshal.AsImmutableArray(labels), featureCount);
    }

    private static void Convert(ReadOnlySpan<double> source, Span<T> destination)
    {
        if (typeof(T) == typeof(double)) source.CopyTo(MemoryMarshal.Cast<T, double>(destination));
        else for (var j = 0; j < source.Length; j++) destination[j] = T.CreateChecked(source[j]);
    }

    /// <inheritdoc />
    public bool Equals(Dataset<T>? other) =>
        other is not null && FeatureCount == other.FeatureCount
        && Features.AsSpan().SequenceEqual(other.Features.AsSpan()) && Labels.AsSpan().SequenceEqual(other.Labels.AsSpan());

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(FeatureCount, Rows);
}
