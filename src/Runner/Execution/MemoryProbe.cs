using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Momentum.Runner.Execution;

/// <summary>
/// The bandwidth reference for the step kernels: a copy with non-temporal (streaming) stores, which write memory
/// without first reading the destination lines, so it moves exactly 2 values per element and measures what the memory
/// system sustains for one reading and one writing stream. An in-place step moves 5 values per parameter (read x, v, g;
/// write x, v), so its floor is 2.5 such copies.
/// </summary>
internal static class MemoryProbe
{
    /// <summary>Copies <paramref name="source"/> to <paramref name="destination"/> with streaming stores.</summary>
    /// <exception cref="ArgumentException">The destination is shorter than the source, or they overlap.</exception>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static unsafe void StreamingCopy<T>(ReadOnlySpan<T> source, Span<T> destination)
        where T : unmanaged
    {
        if (destination.Length < source.Length)
            throw new ArgumentException($"destination has length {destination.Length}, source {source.Length}.", nameof(destination));
        if (source.Overlaps(destination))
            throw new ArgumentException("source and destination overlap.", nameof(destination));
        fixed (T* s = source)
        fixed (T* d = destination)
        {
            var n = (nuint)source.Length;
            nuint i = 0;
            if (Vector256.IsHardwareAccelerated && Vector256<T>.IsSupported)
            {
                var count = (nuint)Vector256<T>.Count;
                // Streaming stores need 32-byte aligned destinations: copy element by element up to the boundary.
                while (i < n && ((nuint)(d + i) & 31) != 0) { d[i] = s[i]; i++; }
                for (; i + count <= n; i += count)
                    Vector256.StoreAlignedNonTemporal(Vector256.Load(s + i), d + i);
            }
            for (; i < n; i++) d[i] = s[i];
        }
        Interlocked.MemoryBarrier(); // orders the streaming stores before anything after the copy
    }
}
