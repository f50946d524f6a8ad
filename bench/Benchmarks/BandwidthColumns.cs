using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace Momentum.Benchmarks;

/// <summary>
/// GB/s (values moved × element size / median time: 2 per element for Copy, 5 per parameter for a step) and FloorRatio
/// (median time / 2.5 × the median of Copy with the same type and parameters).
/// </summary>
public static class BandwidthColumns
{
    public sealed class Config : ManualConfig
    {
        public Config() => AddColumn(new Bandwidth(), new FloorRatio());
    }

    private static double Median(Summary summary, BenchmarkCase c) => summary[c]?.ResultStatistics?.Median ?? double.NaN;

    private static int ElementSize(BenchmarkCase c) =>
        c.Descriptor.Type.GetGenericArguments().FirstOrDefault() == typeof(double) ? 8 : 4;

    private static long N(BenchmarkCase c) => Convert.ToInt64(c.Parameters["N"]);

    private static double ValuesMoved(BenchmarkCase c) => c.Descriptor.WorkloadMethod.Name == "Copy" ? 2 : 5;

    private abstract class Column(string name) : IColumn
    {
        public string Id => name;
        public string ColumnName => name;
        public bool AlwaysShow => true;
        public ColumnCategory Category => ColumnCategory.Custom;
        public int PriorityInCategory => 0;
        public bool IsNumeric => true;
        public UnitType UnitType => UnitType.Dimensionless;
        public string Legend => name == "GB/s" ? "Bytes moved per second (10^9)" : "Median time over 2.5 streaming copies of the same N";
        public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;
        public bool IsAvailable(Summary summary) => true;
        public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style) => GetValue(summary, benchmarkCase);
        public abstract string GetValue(Summary summary, BenchmarkCase benchmarkCase);
    }

    private sealed class Bandwidth() : Column("GB/s")
    {
        public override string GetValue(Summary summary, BenchmarkCase c) =>
            (ValuesMoved(c) * ElementSize(c) * N(c) / Median(summary, c)).ToString("F1", System.Globalization.CultureInfo.InvariantCulture);
    }

    private sealed class FloorRatio() : Column("FloorRatio")
    {
        public override string GetValue(Summary summary, BenchmarkCase c)
        {
            if (c.Descriptor.WorkloadMethod.Name == "Copy") return "1.00";
            var copy = summary.BenchmarksCases.FirstOrDefault(b =>
                b.Descriptor.WorkloadMethod.Name == "Copy" && b.Descriptor.Type == c.Descriptor.Type
                && b.Parameters.DisplayInfo == c.Parameters.DisplayInfo);
            return copy is null ? "?" : (Median(summary, c) / (2.5 * Median(summary, copy))).ToString("F2", System.Globalization.CultureInfo.InvariantCulture);
        }
    }
}
