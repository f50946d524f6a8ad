using System.Globalization;
using System.Runtime.InteropServices;
using Momentum.Runner.Data;
using Momentum.Training;

namespace Momentum.EndToEnd;

/// <summary>
/// The shell's memory for a large training set: the arrays asked for, the huge-page advice given to the kernel (read back
/// from /proc/self/smaps, where an advised range carries the flag <c>hg</c>), and the same data set as with <c>new</c>.
/// </summary>
public class LargeArraysTests
{
    [HugePagesFact]
    public void A_large_array_is_advised_for_huge_pages_from_its_first_whole_huge_page_to_its_last()
    {
        var array = LargeArrays.Allocate<float>((int)(LargeArrays.Threshold / sizeof(float)) * 2);
        Assert.Equal((int)(LargeArrays.Threshold / sizeof(float)) * 2, array.Length);
        var start = (long)Marshal.UnsafeAddrOfPinnedArrayElement(array, 0);
        const long HugePage = 2 << 20;
        var first = (start + HugePage - 1) & ~(HugePage - 1);
        Assert.Contains("hg", Flags(first));
        Assert.Contains("hg", Flags(((start + array.Length * 4L) & ~(HugePage - 1)) - 1));
        GC.KeepAlive(array);
    }

    [Theory]
    [InlineData(0x1000L, 10L << 20, 2L << 20, 10L << 20)]          // from the first boundary after the start to the last before the end
    [InlineData(2L << 20, 4L << 20, 2L << 20, 6L << 20)]           // a start on a boundary is its first page
    [InlineData((2L << 20) + 1, 4L << 20, 4L << 20, 6L << 20)]     // one byte past it is not
    [InlineData(0x1000L, (4L << 20) - 0x1000, 2L << 20, 4L << 20)] // an end on a boundary keeps the page before it
    [InlineData(0x1000L, (4L << 20) - 0x1001, 2L << 20, 2L << 20)] // one byte short of it leaves none
    [InlineData(0x1000L, 1L << 20, 2L << 20, 2L << 20)]            // a megabyte inside one page: none
    public void The_advice_covers_the_whole_huge_pages_inside_the_array_and_nothing_outside(long start, long bytes, long first, long end) =>
        Assert.Equal(((nint)first, (nint)end), LargeArrays.AdvisedRange((nint)start, bytes));

    [Fact]
    public void A_set_in_the_shells_memory_is_the_same_data_set()
    {
        var table = SyntheticData.LinearRegression(30_000, 100, 3);
        var statistics = Standardization.Of(table);
        var data = new TrainingData(table, statistics, 100, table.Rows, "synthetic", null);
        Assert.Equal(Dataset<float>.FromTable(table, 100, null, statistics), data.ToDataset<float>());
        Assert.Equal(Dataset<double>.FromTable(table, 100, null, statistics), data.ToDataset<double>());
    }

    /// <summary>The VmFlags of the mapping of this process that holds <paramref name="address"/>.</summary>
    private static string[] Flags(long address)
    {
        var inside = false;
        foreach (var line in File.ReadLines("/proc/self/smaps"))
        {
            var dash = line.IndexOf('-');
            var space = line.IndexOf(' ');
            if (dash > 0 && space > dash && long.TryParse(line.AsSpan(0, dash), NumberStyles.HexNumber, null, out var from)
                && long.TryParse(line.AsSpan(dash + 1, space - dash - 1), NumberStyles.HexNumber, null, out var to))
                inside = from <= address && address < to;
            else if (inside && line.StartsWith("VmFlags:", StringComparison.Ordinal))
                return line["VmFlags:".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        }
        throw new InvalidOperationException($"no mapping holds 0x{address:x}");
    }
}

/// <summary>A fact about Linux's transparent huge pages: skipped, saying why, where the kernel has none.</summary>
public sealed class HugePagesFactAttribute : FactAttribute
{
    public HugePagesFactAttribute()
    {
        if (!OperatingSystem.IsLinux()) Skip = "madvise and /proc/self/smaps are Linux's";
        else if (!File.Exists("/sys/kernel/mm/transparent_hugepage/enabled")) Skip = "this kernel has no transparent huge pages";
        else if (File.ReadAllText("/sys/kernel/mm/transparent_hugepage/enabled").Contains("[never]")) Skip = "transparent huge pages are set to never";
    }
}
