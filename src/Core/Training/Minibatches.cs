using System.Collections.Immutable;
using System.Runtime.InteropServices;

namespace Momentum.Training;

/// <summary>Seeded shuffling into minibatches, as d2l's <c>load_array(..., is_train=True)</c> draws them (d2l §3.3).</summary>
public static class Minibatches
{
    /// <summary>
    /// The order of the rows in <paramref name="epoch"/>: a uniform random permutation (Fisher–Yates, by
    /// <see cref="Random.Shuffle{T}(Span{T})"/>) that depends only on the seed and the epoch.
    /// </summary>
    public static ImmutableArray<int> Order(int rows, int seed, int epoch)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rows);
        ArgumentOutOfRangeException.ThrowIfNegative(epoch);
        var order = new int[rows];
        for (var i = 0; i < rows; i++) order[i] = i;
        new Random(Seeds.Derive(seed, Seeds.Stream.Shuffle, epoch)).Shuffle(order);
        return ImmutableCollectionsMarshal.AsImmutableArray(order);
    }

    /// <summary>Minibatches per epoch, ⌈rows / batchSize⌉; the last one is smaller when the division is not exact.</summary>
    public static int PerEpoch(int rows, int batchSize)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rows);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        return (rows + batchSize - 1) / batchSize;
    }

    /// <summary>The rows of minibatch <paramref name="batch"/> within an epoch's <paramref name="order"/>.</summary>
    public static ReadOnlySpan<int> Rows(ReadOnlySpan<int> order, int batchSize, int batch)
    {
        var start = batch * batchSize;
        return order.Slice(start, Math.Min(batchSize, order.Length - start));
    }
}
