using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Momentum.Runner.Data;

/// <summary>
/// The shell's memory policy for a training set's arrays (<see cref="Momentum.Training.Dataset{T}.FromTable"/>'s
/// <c>allocate</c>): a large array is placed where the collector never moves it and, on Linux, its memory is asked to be
/// backed by 2 MiB pages (<c>madvise(MADV_HUGEPAGE)</c>) before anything is written to it, so a minibatch finds its rows
/// through one address translation instead of one per 4 KiB (docs/PERFORMANCE.md, "Huge pages for the training set").
/// </summary>
/// <remarks>
/// Only a hint: where it is declined (transparent huge pages set to <c>never</c> or not built into the kernel, another
/// system, no <c>madvise</c> in the C library) the array is an ordinary one, and every result is the same bits.
/// </remarks>
internal static class LargeArrays
{
    /// <summary>Arrays below this many bytes are created with <c>new</c>: they would fill a few huge pages at most.</summary>
    public const long Threshold = 8L << 20;

    private const int HugePage = 2 << 20;
    private const int AdviseHugePage = 14; // MADV_HUGEPAGE in <linux/mman.h>

    /// <summary>A new array of <paramref name="length"/> elements whose contents the caller overwrites.</summary>
    public static T[] Allocate<T>(int length)
        where T : unmanaged
    {
        var bytes = (long)length * Unsafe.SizeOf<T>();
        if (bytes < Threshold) return new T[length];
        // Uninitialised: zeroing would touch every page before the advice, and the caller writes every element.
        var array = GC.AllocateUninitializedArray<T>(length, pinned: true);
        if (OperatingSystem.IsLinux())
        {
            var (first, end) = AdvisedRange(Marshal.UnsafeAddrOfPinnedArrayElement(array, 0), bytes);
            if (end > first)
            {
                try
                {
                    _ = madvise(first, (nuint)(end - first), AdviseHugePage); // a refusal leaves ordinary pages
                }
                catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
                {
                    // A C library without madvise: ordinary pages.
                }
            }
        }
        return array;
    }

    /// <summary>
    /// The whole huge pages inside <paramref name="bytes"/> bytes from <paramref name="start"/>: [first, end), empty
    /// (first = end) when none fits. Advice never reaches memory outside the array.
    /// </summary>
    internal static (nint First, nint End) AdvisedRange(nint start, long bytes)
    {
        var first = (start + HugePage - 1) & ~(nint)(HugePage - 1);
        var end = (start + (nint)bytes) & ~(nint)(HugePage - 1);
        return end > first ? (first, end) : (first, first);
    }

    [DllImport("libc")]
    private static extern int madvise(nint address, nuint length, int advice);
}
