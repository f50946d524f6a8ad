using System.Diagnostics;
using System.Text;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Momentum.Runner.Cli;
using Momentum.Runner.Data;

namespace Momentum.EndToEnd;

/// <summary>The data loader against a plain reference reader, every refusal's message, awkward files, and pipes.</summary>
public sealed class LoaderTests : IDisposable
{
    private readonly Cli cli = new();

    public void Dispose() => cli.Dispose();

    private static readonly Gen<string> Cells = Gen.Elements(
        "0", "1", "-2.5", "3e4", "1e400", "-0", "5e-324", "1e-310", "2.2250738585072014E-308", "+7", "1.", ".5", "-.5e-3", "1e", "1e+",
        "00012", "0x10", "1_0", "12345678901234567890123", "0.1000000000000000055511151231257827", ".", "-", "+", "e", "NaN", "nan",
        "inf", "-inf", "Infinity", "-Infinity", "∞", "x", "y", "abc", " 1", "1 ", " 2 ", "\t3", "\"\"", "\"4\"", "\"1,2\"", "\"a\"\"b\"",
        "\"open", "é", "١", "\0", "", "");

    private static readonly Gen<string> Separators = Gen.Elements(",", ",", "\t", ";", "|", " ", "  ", ", ");

    private static readonly Gen<string> LineEnds = Gen.Elements("\n", "\n", "\r\n", "\r");

    // Rows of cells (mostly rectangular, sometimes not), or a soup of the pieces data files are made of.
    private static readonly Arbitrary<string> Texts =
        Gen.Frequency(
            (3, from separator in Separators
                from end in LineEnds
                from columns in Gen.Choose(1, 4)
                from rows in Gen.Choose(0, 7)
                from cells in Gen.ArrayOf(Gen.Frequency((6, Gen.Elements("0", "1", "-2.5", "3e4", "-0", "5e-324", "7.25", "1e-310")), (1, Cells)), rows * columns + 2)
                from ragged in Gen.Choose(0, 6)
                from header in Gen.Elements("", "", "a", "nan", "NaN", "inf", "\"x\"", "y")
                from final in Gen.Elements(true, true, false)
                from bom in Gen.Elements(false, false, false, true)
                let lines = Enumerable.Range(0, rows).Select(r =>
                    string.Join(separator, cells.Skip(r * columns).Take(r == ragged ? columns + 1 : columns)))
                let head = header.Length == 0 ? [] : new[] { string.Join(separator, Enumerable.Repeat(header, columns)) }
                let body = string.Join(end, head.Concat(lines))
                select (bom ? "\uFEFF" : "") + body + (final && body.Length > 0 ? end : "")),
            (2, Gen.ListOf(Gen.Frequency((3, Cells), (2, Separators), (1, LineEnds))).Select(p => string.Concat(p))))
        .ToArbitrary();

    private static readonly Arbitrary<(int Threads, int Buffer, int Part)> Readings =
        (from threads in Gen.Choose(1, 3)
         from buffer in Gen.Elements(16, 17, 64, 1 << 20)
         from part in Gen.Elements(1, 8, 1 << 18)
         select (threads, buffer, part)).ToArbitrary();

    [Property(MaxTest = 600)]
    public Property The_loader_reads_what_the_reference_reader_reads_or_refuses_with_the_same_message() =>
        Prop.ForAll(Texts, Readings, (text, reading) =>
        {
            var bytes = Encoding.UTF8.GetBytes(text);
            var expected = ReferenceReader.Read("f.csv", bytes, out var refusal);
            string actual;
            try
            {
                var table = DataFile.Read("f.csv", new MemoryStream(bytes), reading.Threads, reading.Buffer, reading.Part);
                actual = Describe(table.Table.ToArray(), table.Table.Columns, table.Header);
            }
            catch (UsageException e)
            {
                actual = e.Message;
            }
            var wanted = expected is { } t ? Describe(t.Values, t.Columns, t.Header) : refusal!;
            return (actual == wanted).Label($"read: {actual}\nreference: {wanted}");
        });

    private static string Describe(double[] values, int columns, IReadOnlyList<string>? header) =>
        $"{columns} columns; header {(header is null ? "none" : string.Join("|", header))}; "
        + string.Join(",", values.Select(v => BitConverter.DoubleToInt64Bits(v).ToString("X16", System.Globalization.CultureInfo.InvariantCulture)));

    [Theory]
    [InlineData("", ": the file is empty")]
    [InlineData(" \t \r\n\n", ": the file is empty")]
    [InlineData(",,,\n,,\n", ": the file is empty")]
    [InlineData("a,b\n", ": has a header but no data rows")]
    [InlineData("a,b\r\n\r\n,\r\n", ": has a header but no data rows")]
    [InlineData("1,2\n3,4,5\n", ":2: expected 2 columns, found 3")]
    [InlineData("1,2,3\n1,2,3,\n", ":2: expected 3 columns, found 4")]
    [InlineData("1,2,3,\n", ":1:4: \"\" is not a number")]
    [InlineData("1,2\n3,x\n", ":2:2: \"x\" is not a number")]
    [InlineData("1,2\n3,\n", ":2:2: \"\" is not a number")]
    [InlineData("1,2\n3,1e400\n", ":2:2: 1e400 is not a finite number")]
    [InlineData("1,2\n-Infinity,4\n", ":2:1: -Infinity is not a finite number")]
    [InlineData("1,2\nNaN,4\n", ":2:1: NaN is not a finite number")]
    [InlineData("1,2\n3,inf\n", ":2:2: \"inf\" is not a number")]
    [InlineData("1,2\n3,\"a\tb\"\n", ":2:2: \"a\\tb\" is not a number")]
    [InlineData("1 2\n3 0123456789012345678901234567890123456789x\n", ":2:2: \"0123456789012345678901234567890123456...\" is not a number")]
    [InlineData("1,2\n3,4\0\n", ": is not a text file (it holds NUL bytes)")]
    [InlineData("1,2\n3,x\n\0", ":2:2: \"x\" is not a number")]
    public void Every_refusal_names_the_file_the_line_and_the_column(string content, string expected)
    {
        var file = cli.PathOf("d.csv");
        File.WriteAllText(file, content);
        var e = Assert.Throws<UsageException>(() => DataFile.Read(file));
        Assert.Equal(file + expected, e.Message);
    }

    [Fact]
    public void A_NUL_byte_far_into_a_large_file_is_refused_as_not_text()
    {
        var text = new StringBuilder("x,y\n");
        for (var i = 0; i < 200_000; i++) text.Append(i).Append(',').Append(i % 7).Append('\n');
        text.Append("1,\0\n");
        var file = cli.PathOf("late-nul.csv");
        File.WriteAllText(file, text.ToString());
        Assert.Equal(file + ": is not a text file (it holds NUL bytes)", Assert.Throws<UsageException>(() => DataFile.Read(file)).Message);
    }

    [Fact]
    public void A_folder_and_a_missing_file_are_named()
    {
        Assert.Equal(cli.Root + ": is a folder, not a data file", Assert.Throws<UsageException>(() => DataFile.Read(cli.Root)).Message);
        Assert.Equal(cli.PathOf("nope") + ": no such file", Assert.Throws<UsageException>(() => DataFile.Read(cli.PathOf("nope"))).Message);
    }

    [Theory]
    [InlineData("x,y\r\n1,2\r\n3,4\r\n", "x|y")]
    [InlineData("\uFEFFx;y\n1;2\n3;4", "x|y")]
    [InlineData("  1   2  \n\n 3 4\n", null)]
    [InlineData("1 , 2\n 3,4 \n", null)]
    [InlineData("\"1\",2\n3,\"4\"\n", null)]
    [InlineData("x|y\n1|2\n3|4\n", "x|y")]
    [InlineData("x\ty\n1\t2\r3\t4\r", "x|y")]
    [InlineData("nan,inf\n1,2\n3,4\n", "nan|inf")]
    [InlineData("NaN,Infinity\n1,2\n3,4\n", "NaN|Infinity")]
    [InlineData("\"a,b\",\"c\"\"d\"\n1,2\n3,4\n", "a,b|c\"d")]
    public void Awkward_files_read_as_two_rows_of_two_numbers(string content, string? header)
    {
        var file = cli.PathOf("d.csv");
        File.WriteAllText(file, content);
        var table = DataFile.Read(file);
        Assert.Equal([1.0, 2, 3, 4], table.Table.ToArray());
        Assert.Equal(header, table.Header is null ? null : string.Join("|", table.Header));
    }

    [Fact]
    public void Exponents_negative_zero_subnormals_and_long_digit_strings_read_as_dotnet_parses_them()
    {
        string[] cells = ["1e5", "-1.5E-3", "-0", "5e-324", "2.2250738585072009e-308", "0.1000000000000000055511151231257827021181583404541015625", "179769313486231570814527423731704356798070567525844996598917476803157260780028538760589558632766878171540458953514382464234321326889464182768467546703537516986049910576551282076245490090389328944075868508455133942304583236903222948165808559332123348274797826204144723168738177180919299881250404026184124858368"];
        var file = cli.PathOf("d.csv");
        File.WriteAllText(file, string.Join(",", cells) + "\n" + string.Join(",", cells));
        var values = DataFile.Read(file).Table.ToArray();
        var expected = cells.Select(c => double.Parse(c, System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        Assert.Equal(expected.Concat(expected).Select(BitConverter.DoubleToInt64Bits), values.Select(BitConverter.DoubleToInt64Bits));
        Assert.True(double.IsNegative(values[2]));
    }

    // Decimal numbers as files write them: digit strings of 1 to 18 digits with a point anywhere and exponents
    // around Clinger's limit of 10^±22, and doubles printed as %.6g, shortest, %.3e and fixed.
    private static readonly Arbitrary<string[]> Decimals =
        Gen.ArrayOf(Gen.OneOf(
            from sign in Gen.Elements("", "-")
            from digits in Gen.Choose(1, 18).SelectMany(n => Gen.ArrayOf(Gen.Choose(0, 9), n))
            from point in Gen.Choose(-1, 18)
            from exponent in Gen.OneOf(Gen.Constant(""), Gen.Choose(-30, 30).Select(e => $"e{e}"), Gen.Choose(-25, 25).Select(e => $"E{(e >= 0 ? "+" : "-")}{Math.Abs(e):00}"))
            let text = string.Concat(digits)
            select sign + (point < 0 || point > text.Length ? text : text[..point] + "." + text[point..]) + exponent,
            from bits in Gen.Choose(int.MinValue, int.MaxValue).Two()
            let v = BitConverter.Int64BitsToDouble(((long)bits.Item1 << 32) | (uint)bits.Item2)
            where double.IsFinite(v)
            from scaled in Gen.Elements(v, v % 1e6, Math.ScaleB(v % 1, 20), v / 1e300)
            from format in Gen.Elements("G6", "R", "E3", "F4")
            select scaled.ToString(format, System.Globalization.CultureInfo.InvariantCulture)), 1)
        .Select(a => a.Take(8).ToArray()).ToArbitrary();

    [Property(MaxTest = 2000)]
    public Property Every_decimal_reads_as_dotnet_parses_it_bit_for_bit() =>
        Prop.ForAll(Decimals, cells =>
        {
            var expected = cells.Select(c => double.Parse(c, System.Globalization.CultureInfo.InvariantCulture)).ToArray();
            var values = new double[cells.Length];
            var chunk = NumericText.Rows(Encoding.UTF8.GetBytes(string.Join(",", cells) + "\n"), (byte)',', cells.Length, values);
            return (chunk.Refusal is null && chunk.Count == cells.Length &&
                    expected.Select(BitConverter.DoubleToInt64Bits).SequenceEqual(values.Select(BitConverter.DoubleToInt64Bits)))
                .Label($"{string.Join(",", cells)} → {string.Join(",", values.Select(v => v.ToString("R", System.Globalization.CultureInfo.InvariantCulture)))}");
        });

    [Fact]
    public void A_line_longer_than_the_read_buffer_is_read_whole()
    {
        var row = string.Join(",", Enumerable.Range(0, 300_000).Select(i => (i * 0.5).ToString(System.Globalization.CultureInfo.InvariantCulture)));
        var file = cli.PathOf("wide.csv");
        File.WriteAllText(file, row + "\n" + row);
        var table = DataFile.Read(file).Table;
        Assert.Equal((2, 300_000), (table.Rows, table.Columns));
        Assert.Equal(149_999.5, table[1, 299_999]);
    }

    [Fact]
    public void A_large_file_reads_to_the_same_table_on_one_thread_and_on_several()
    {
        var text = new StringBuilder("a b c\n");
        var random = new Random(5);
        for (var i = 0; i < 60_000; i++) text.Append($"{random.NextDouble():R} {-random.NextDouble() * 1e-300:R}  {random.Next()}\r\n");
        var file = cli.PathOf("big.txt");
        File.WriteAllText(file, text.ToString());
        var one = DataFile.Read(file, 1).Table;
        Assert.Equal(60_000, one.Rows);
        Assert.Equal(one, DataFile.Read(file, 2).Table);
        Assert.Equal(one, DataFile.Read(file, 3).Table);
    }

    [Fact]
    public async Task Train_reads_a_FIFO_once_while_its_writer_writes()
    {
        var fifo = cli.PathOf("pipe.csv");
        using (var mkfifo = Process.Start("mkfifo", [fifo])) await mkfifo.WaitForExitAsync();
        const string data = "x,z,y\n1,2,3\n2,1,5\n4,4,1\n3,0,2\n";
        File.WriteAllText(cli.PathOf("file.csv"), data);
        var writer = Task.Run(() => File.WriteAllText(fifo, data));
        var run = Task.Run(() => cli.Run("train", "--data", fifo, "--batch-size", "1", "--out", cli.PathOf("from-fifo")));
        // A reader that opened the FIFO twice would wait for a second writer forever: fail instead of hanging.
        Assert.Same(run, await Task.WhenAny(run, Task.Delay(TimeSpan.FromMinutes(5))));
        await writer;
        Assert.Equal(0, (await run).ExitCode);
        Assert.Equal(0, cli.Run("train", "--data", cli.PathOf("file.csv"), "--batch-size", "1", "--out", cli.PathOf("from-file")).ExitCode);
        Assert.Equal(File.ReadAllText(cli.PathOf("from-file", "loss.csv")), File.ReadAllText(cli.PathOf("from-fifo", "loss.csv")));
    }
}

/// <summary>What train, sweep and chapter do with the data: extreme columns, refusals before anything is written, and resuming.</summary>
public sealed class TrainingDataTests : IDisposable
{
    private readonly Cli cli = new();

    public void Dispose() => cli.Dispose();

    private string Write(string name, string content)
    {
        File.WriteAllText(cli.PathOf(name), content);
        return cli.PathOf(name);
    }

    [Theory]
    [InlineData("4.149515568880993E+180", "-4.149515568880993E+180")] // ±2⁶⁰⁰: the squares of the sums would overflow
    [InlineData("5E-324", "0")] // 2⁻¹⁰⁷⁴ and 0: the squares of the deviations would underflow to 0
    public void Columns_at_the_ends_of_the_double_range_train_to_the_bits_of_the_same_column_at_ordinary_scale(string high, string low)
    {
        var ordinary = low == "0" ? ("1", "0") : ("1", "-1");
        var extreme = Write("extreme.csv", $"x,z,y\n{high},1,3\n{low},2,5\n{high},4,1\n{low},3,2\n");
        var plain = Write("plain.csv", $"x,z,y\n{ordinary.Item1},1,3\n{ordinary.Item2},2,5\n{ordinary.Item1},4,1\n{ordinary.Item2},3,2\n");
        Assert.Equal(0, cli.Run("train", "--data", extreme, "--batch-size", "1", "--record-every", "1", "--out", cli.PathOf("e")).ExitCode);
        Assert.Equal(0, cli.Run("train", "--data", plain, "--batch-size", "1", "--record-every", "1", "--out", cli.PathOf("p")).ExitCode);
        Assert.Equal(File.ReadAllText(cli.PathOf("p", "loss.csv")), File.ReadAllText(cli.PathOf("e", "loss.csv")));
    }

    [Fact]
    public void A_column_of_1e200_and_minus_1e200_trains()
    {
        var file = Write("d.csv", "1e200,1\n-1e200,2\n1e200,4\n");
        var result = cli.Run("train", "--data", file, "--batch-size", "1", "--out", cli.PathOf("t"));
        Assert.Equal((0, ""), (result.ExitCode, result.Error));
    }

    [Fact]
    public void Chapter_refuses_bad_data_before_its_first_experiment_writes_anything()
    {
        var file = Write("d.csv", "x,k,y\n1,2,3\n4,2,6\n7,2,9\n");
        var result = cli.Run("chapter", "--data", file, "--out", cli.PathOf("book"));
        Assert.Equal((2, file + ": column 2 (k) is constant (2 in every row): standardising it would divide by zero"), (result.ExitCode, result.Error.TrimEnd()));
        Assert.False(Directory.Exists(cli.PathOf("book")));
        var single = cli.Run("chapter", "--data", Write("one.csv", "1\n2\n"), "--out", cli.PathOf("book"));
        Assert.Equal((2, cli.PathOf("one.csv") + ": has 1 column; training needs at least one feature and a target"), (single.ExitCode, single.Error.TrimEnd()));
        Assert.False(Directory.Exists(cli.PathOf("book")));
    }

    [Theory]
    [InlineData("train")]
    [InlineData("sweep")]
    public void Data_and_synthetic_together_are_refused_as_a_pair(string verb)
    {
        var file = Write("d.csv", "1,2\n3,5\n4,4\n");
        var result = cli.Run(verb, "--data", file, "--synthetic", "10x2", "--out", cli.PathOf("never"));
        Assert.Equal((2, "--data and --synthetic: give one or the other, not both"), (result.ExitCode, result.Error.TrimEnd()));
        Assert.False(Directory.Exists(cli.PathOf("never")));
    }

    [Theory]
    [InlineData("100000x100000", "--synthetic 100000x100000: 100000 rows × 100001 columns is 10000100000 numbers; at most 1000000000 are allowed (8 GB in float64)")]
    [InlineData("1000000x1000", "--synthetic 1000000x1000: 1000000 rows × 1001 columns is 1001000000 numbers; at most 1000000000 are allowed (8 GB in float64)")]
    [InlineData("99999999999x2", "--synthetic 99999999999x2: 99999999999 rows × 3 columns is more than 1000000000 numbers; at most 1000000000 are allowed (8 GB in float64)")]
    [InlineData("1x5", "--synthetic 1x5: must be ROWSxFEATURES with at least 2 rows and 1 feature, e.g. 1500x5")]
    public void A_synthetic_set_past_the_limit_is_refused_naming_the_limit(string shape, string expected)
    {
        var result = cli.Run("train", "--synthetic", shape, "--out", cli.PathOf("never"));
        Assert.Equal((2, expected), (result.ExitCode, result.Error.TrimEnd()));
    }

    [Fact]
    public void A_target_name_that_several_columns_share_is_refused_as_ambiguous()
    {
        var file = Write("d.csv", "y,a,Y\n1,2,3\n2,1,5\n4,4,1\n");
        var result = cli.Run("train", "--data", file, "--target", "y", "--out", cli.PathOf("never"));
        Assert.Equal((2, "--target y: ambiguous: columns 1, 3 are all named so; give a column number (1 = first)"), (result.ExitCode, result.Error.TrimEnd()));
        Assert.Equal(0, cli.Run("train", "--data", file, "--target", "a", "--batch-size", "1", "--out", cli.PathOf("ok")).ExitCode);
    }

    [Fact]
    public void A_run_on_a_file_resumes_from_its_checkpoint()
    {
        var file = Write("d.csv", "x,z,y\n1,2,3\n2,1,5\n4,4,1\n3,0,2\n");
        Assert.Equal(0, cli.Run("train", "--data", file, "--batch-size", "1", "--checkpoint-every", "1", "--out", cli.PathOf("t")).ExitCode);
        var resumed = cli.Run("train", "--resume", cli.PathOf("t"));
        Assert.Equal((0, ""), (resumed.ExitCode, resumed.Error));
    }
}
