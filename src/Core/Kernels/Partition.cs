using System.Runtime.CompilerServices;

namespace Momentum.Kernels;

/// <summary>How elementwise work over n values is cut into contiguous chunks for workers: a rule of the shape alone.</summary>
internal static class Partition
{
    /// <summary>The smallest chunk worth a worker: below 64 KiB, handing work over costs more than it saves.</summary>
    public const int MinimumBytes = 65536;

    /// <summary>
    /// The chunk length for <paramref name="n"/> values of <typeparamref name="T"/> shared by <paramref name="workers"/>:
    /// ⌈n / workers⌉, at least <see cref="MinimumBytes"/>, rounded up to whole 64-byte cache lines so no two workers write
    /// the same line.
    /// </summary>
    public static int ChunkLength<T>(int n, int workers)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        ArgumentOutOfRangeException.ThrowIfLessThan(workers, 1);
        var size = Unsafe.SizeOf<T>();
        var line = Math.Max(1, 64 / size);
        var chunk = Math.Max((int)(((long)n + workers - 1) / workers), MinimumBytes / size);
        return (chunk + line - 1) / line * line;
    }

    /// <summary>The chunks of <paramref name="n"/> values: [k·c, min(n, (k + 1)·c)) for k = 0 … ⌈n / c⌉ − 1.</summary>
    public static int Count(int n, int chunkLength) => n == 0 ? 0 : (n + chunkLength - 1) / chunkLength;
}
