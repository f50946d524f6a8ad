using System.Globalization;
using System.Text;
using BenchmarkDotNet.Attributes;
using Momentum.Runner.Data;
using Momentum.Training;

namespace Momentum.Benchmarks;

/// <summary>
/// The numeric loader on issue 14's file: 200 000 rows × 101 columns of <c>%.6g</c> numbers with a header (≈ 185 MB),
/// generated once into the temp folder by <see cref="BigCsv"/>. <c>Read</c> is the file to a table;
/// <c>TrainingReady</c> adds the column statistics and the standardised float32 training set, what
/// <c>pandas.read_csv(...).to_numpy()</c> plus standardising is compared with (bench/pandas/read_csv.py).
/// </summary>
[MemoryDiagnoser]
[SimpleJob(launchCount: 1, warmupCount: 2, iterationCount: 7)]
public class LoaderBenchmarks
{
    private string path = "";

    [Params(1, 2)]
    public int Threads { get; set; }

    [GlobalSetup]
    public void Setup() => path = BigCsv.Ensure(BigCsv.DefaultPath);

    [Benchmark]
    public NumericTable Read() => DataFile.Read(path, Threads).Table;

    [Benchmark]
    public Dataset<float> TrainingReady()
    {
        // As train --data builds it (TrainingData), on Threads threads (train uses every core): the statistics in one
        // thread, then the blocks standardised and converted in parallel into the shell's arrays (LargeArrays).
        var table = DataFile.Read(path, Threads).Table;
        var options = new ParallelOptions { MaxDegreeOfParallelism = Threads };
        return Dataset<float>.FromTable(table, table.Columns - 1, null, Standardization.Of(table), (count, body) => Parallel.For(0, count, options, body),
            LargeArrays.Allocate<float>);
    }
}

/// <summary>
/// The benchmark file: <see cref="SyntheticData.LinearRegression"/> (200 000 × 100, seed 0) written as C's <c>%.6g</c>
/// writes it (six significant digits, shortest of fixed and exponent form, lower-case <c>e</c>), header x1 … x100, y.
/// Never committed: <c>dotnet run -c Release --project bench/Benchmarks -- make-csv [PATH]</c> writes it.
/// </summary>
public static class BigCsv
{
    public static string DefaultPath => Path.Combine(Path.GetTempPath(), "momentum-bench", "big.csv");

    public static string Ensure(string path)
    {
        if (File.Exists(path)) return path;
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var table = SyntheticData.LinearRegression(200_000, 100, 0);
        var temporary = path + ".tmp";
        using (var writer = new StreamWriter(temporary, false, new UTF8Encoding(false), 1 << 20))
        {
            writer.Write(string.Join(",", Enumerable.Range(1, 100).Select(j => $"x{j}").Append("y")));
            writer.Write('\n');
            var line = new StringBuilder();
            for (var i = 0; i < table.Rows; i++)
            {
                line.Clear();
                var row = table.Row(i);
                for (var j = 0; j < row.Length; j++)
                {
                    if (j > 0) line.Append(',');
                    line.Append(row[j].ToString("G6", CultureInfo.InvariantCulture).Replace('E', 'e'));
                }
                writer.Write(line.Append('\n'));
            }
        }
        File.Move(temporary, path, overwrite: true);
        return path;
    }
}

/// <summary>The loader's parts on issue 14's file held in memory: the numeric text's rows alone (no I/O, no allocation).</summary>
[SimpleJob(launchCount: 1, warmupCount: 2, iterationCount: 7)]
public class ParseBenchmarks
{
    private byte[] text = [];
    private double[] values = [];

    [GlobalSetup]
    public void Setup()
    {
        var bytes = File.ReadAllBytes(BigCsv.Ensure(BigCsv.DefaultPath));
        text = bytes[(Array.IndexOf(bytes, (byte)'\n') + 1)..];
        values = new double[text.Length / 2];
    }

    [Benchmark]
    public int Rows() => NumericText.Rows(text, (byte)',', 101, values).Count;
}
