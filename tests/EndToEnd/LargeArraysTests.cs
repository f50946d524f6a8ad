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
    [LinuxFact]
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

    [Fact]
    public void A_small_array_is_an_ordinary_one()
    {
        var array = LargeArrays.Allocate<double>(1000);
        Assert.Equal(1000, array.Length);
        Assert.All(array, v => Assert.Equal(0.0, v)); // created with new: zeroed
    }

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

/// <summary>A fact about Linux's memory: skipped, saying why, elsewhere.</summary>
public sealed class LinuxFactAttribute : FactAttribute
{
    public LinuxFactAttribute()
    {
        if (!OperatingSystem.IsLinux()) Skip = "madvise and /proc/self/smaps are Linux's";
    }
}
