using System.Buffers;
using System.Collections.Immutable;
using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
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
    /// first <paramref name="rows"/> rows (all when null), as d2l's <c>get_data_ch11</c> keeps the first 1500; with
    /// <paramref name="standardization"/>, every value is standardised on the way (<see cref="ColumnStatistics.Apply"/>),
    /// so the table is read once and the data set is the only copy in <typeparamref name="T"/>.
    /// </summary>
    /// <param name="table">The table.</param>
    /// <param name="targetColumn">The label's column, 0-based.</param>
    /// <param name="rows">The rows kept, from the first; all when null.</param>
    /// <param name="standardization">The statistics to standardise with, or null to convert the values as they are.</param>
    /// <param name="forEach">
    /// Runs <c>body(0)</c> … <c>body(count − 1)</c>, in any order or at once (the shell's executor: each call fills one
    /// block of the table's rows and touches nothing else; count is the number of blocks that hold a kept row); null runs
    /// them in order on the calling thread. The result is the same either way.
    /// </param>
    /// <param name="allocate">
    /// Creates the two arrays the data set keeps, features then labels, given their lengths: a new array of exactly that
    /// length that nothing else holds, whose contents are all overwritten (the shell's memory policy, e.g. memory backed
    /// by huge pages for a large set); null creates them with <c>new</c>. The values are the same either way.
    /// </param>
    /// <exception cref="ArgumentOutOfRangeException">The target column or row count is out of range.</exception>
    /// <exception cref="ArgumentException">The table has fewer than 2 columns, or the statistics are for another number of columns.</exception>
    /// <exception cref="InvalidOperationException">
    /// The kept rows' features are more numbers than one array can hold (<see cref="Array.MaxLength"/>), or
    /// <paramref name="allocate"/> returned null, an array of another length, or one array twice.
    /// </exception>
    public static Dataset<T> FromTable(
        NumericTable table, int targetColumn, int? rows = null, ColumnStatistics? standardization = null, Action<int, Action<int>>? forEach = null,
        Func<int, T[]>? allocate = null)
    {
        ArgumentNullException.ThrowIfNull(table);
        if (table.Columns < 2) throw new ArgumentException($"The table has {table.Columns} column; regression needs features and a target.", nameof(table));
        ArgumentOutOfRangeException.ThrowIfNegative(targetColumn);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(targetColumn, table.Columns);
        var n = rows ?? table.Rows;
        ArgumentOutOfRangeException.ThrowIfLessThan(n, 1, nameof(rows));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(n, table.Rows, nameof(rows));
        if (standardization is not null && standardization.Columns != table.Columns)
            throw new ArgumentException($"The statistics are for {standardization.Columns} columns; the table has {table.Columns}.", nameof(standardization));

        var columns = table.Columns;
        var featureCount = columns - 1;
        var featureValues = (long)n * featureCount;
        if (featureValues > Array.MaxLength)
            throw new InvalidOperationException($"The features of {n} rows are {featureValues} numbers, more than one array can ({Array.MaxLength}); keep fewer rows.");
        var features = Allocate(allocate, (int)featureValues);
        var labels = Allocate(allocate, n);
        if (ReferenceEquals(features, labels))
            throw new InvalidOperationException("allocate returned the same array for the features and the labels; expected a new array each time.");
        var blocks = 0;
        while (blocks < table.BlockCount && table.FirstRowOf(blocks) < n) blocks++;
        (forEach ?? InOrder)(blocks, k =>
        {
            // Standardised a piece of rows at a time (about 64 K numbers, in cache), then split and converted row by row.
            var block = table.Block(k);
            var first = table.FirstRowOf(k);
            var end = Math.Min(n - first, block.Length / columns) * columns;
            var pieceRows = Math.Max(1, (1 << 16) / columns);
            // From the shared pool: a new array per block would be garbage the size of a block's worth of pieces.
            var standardized = standardization is null ? null : ArrayPool<double>.Shared.Rent(Math.Min(pieceRows * columns, end));
            for (var at = 0; at < end; at += pieceRows * columns)
            {
                ReadOnlySpan<double> piece = block[at..Math.Min(end, at + pieceRows * columns)];
                if (standardized is not null)
                {
                    standardization!.Apply(piece, standardized);
                    piece = standardized.AsSpan(0, piece.Length);
                }
                var i = first + at / columns;
                var count = piece.Length / columns;
                Split(piece, columns, targetColumn, features.AsSpan(i * featureCount, count * featureCount), labels.AsSpan(i, count));
            }
            if (standardized is not null) ArrayPool<double>.Shared.Return(standardized);
        });
        return new(ImmutableCollectionsMarshal.AsImmutableArray(features), ImmutableCollectionsMarshal.AsImmutableArray(labels), featureCount);
    }

    private static T[] Allocate(Func<int, T[]>? allocate, int length)
    {
        if (allocate is null) return new T[length];
        var array = allocate(length);
        if (array is null || array.Length != length)
            throw new InvalidOperationException($"allocate({length}) returned {(array is null ? "null" : $"an array of {array.Length}")}; expected a new array of {length}.");
        return array;
    }

    private static void InOrder(int count, Action<int> body)
    {
        for (var k = 0; k < count; k++) body(k);
    }

    /// <summary>Rows of a table into rows of features (the columns before the target, then after it) and labels.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Split(ReadOnlySpan<double> rows, int columns, int targetColumn, Span<T> features, Span<T> labels)
    {
        var featureCount = columns - 1;
        for (var i = 0; i < labels.Length; i++)
        {
            var row = rows.Slice(i * columns, columns);
            var destination = features.Slice(i * featureCount, featureCount);
            Convert(row[..targetColumn], destination[..targetColumn]);
            Convert(row[(targetColumn + 1)..], destination[targetColumn..]);
            labels[i] = T.CreateChecked(row[targetColumn]);
        }
    }

    private static void Convert(ReadOnlySpan<double> source, Span<T> destination)
    {
        // A double rounds to the nearest float whether converted one at a time or a vector at a time.
        if (typeof(T) == typeof(double)) source.CopyTo(MemoryMarshal.Cast<T, double>(destination));
        else if (typeof(T) == typeof(float)) TensorPrimitives.ConvertTruncating<double, float>(source, MemoryMarshal.Cast<T, float>(destination));
        else for (var j = 0; j < source.Length; j++) destination[j] = T.CreateChecked(source[j]);
    }

    /// <inheritdoc />
    public bool Equals(Dataset<T>? other) =>
        other is not null && FeatureCount == other.FeatureCount
        && Features.AsSpan().SequenceEqual(other.Features.AsSpan()) && Labels.AsSpan().SequenceEqual(other.Labels.AsSpan());

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(FeatureCount, Rows);

    /// <summary>Prints the values, long vectors shortened.</summary>
    private bool PrintMembers(System.Text.StringBuilder builder)
    {
        builder.Append("Rows = ").Append(Rows).Append(", FeatureCount = ").Append(FeatureCount)
            .Append(", Features = ").Append(Optimizers.Show.Values(Features.AsSpan()))
            .Append(", Labels = ").Append(Optimizers.Show.Values(Labels.AsSpan()));
        return true;
    }
}
