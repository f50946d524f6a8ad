using System.Globalization;

namespace Momentum.EndToEnd;

public sealed class BenchTests : IDisposable
{
    private readonly Cli cli = new();

    public void Dispose() => cli.Dispose();

    [Fact]
    public void Bench_prints_one_tab_separated_row_per_case_under_the_header()
    {
        var result = cli.Run("bench", "--size", "100000", "--repeat", "3", "--threads", "2", "--out", cli.PathOf("b"));
        Assert.Equal(0, result.ExitCode);
        Assert.Equal("case\tn\tms_per_step\tgb_per_s\tfloor_ratio", result.Lines[0]);
        var rows = result.Lines.Skip(1).Select(l => l.Split('\t')).ToDictionary(f => f[0]);
        foreach (var name in new[] { "copy", "momentum", "nesterov-wd", "copy-mt", "momentum-mt2", "nesterov-wd-mt2" })
        {
            Assert.True(rows.ContainsKey(name), name);
            Assert.Equal("100000", rows[name][1]);
            Assert.True(double.Parse(rows[name][2], CultureInfo.InvariantCulture) > 0);
            Assert.True(double.Parse(rows[name][4], CultureInfo.InvariantCulture) > 0);
        }
        Assert.Equal("1.000", rows["copy"][4]);
        Assert.True(File.Exists(cli.PathOf("b", "bench.csv")));
    }
}
