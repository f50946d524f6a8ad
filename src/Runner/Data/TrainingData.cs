using System.Collections.Immutable;
using System.Globalization;
using Momentum.Runner.Cli;
using Momentum.Training;

namespace Momentum.Runner.Data;

/// <summary>
/// The data a training verb learns from, as d2l's <c>get_data_ch11</c> prepares it: read from <c>--data</c> (or built by
/// <c>--synthetic ROWSxFEATURES</c>), every column standardised over the whole file, then the first <c>--rows</c> rows
/// kept; the target is the last column unless <c>--target</c> names another. The table is kept as read; standardising
/// happens on the way into the training set (<see cref="ToDataset{T}"/>), so the numbers exist once in float64 and once
/// in the training precision.
/// </summary>
/// <param name="Table">The table as read, all rows.</param>
/// <param name="Statistics">Each column's mean and standard deviation over all rows.</param>
/// <param name="Target">The target column, 0-based.</param>
/// <param name="Rows">The rows kept.</param>
/// <param name="Description">Where the data came from, for summaries and reports.</param>
/// <param name="Header">The file's column names, if it had a header.</param>
internal sealed record TrainingData(NumericTable Table, ColumnStatistics Statistics, int Target, int Rows, string Description, IReadOnlyList<string>? Header)
{
    /// <summary>The most numbers a synthetic set may have: 8 GB in float64, beside its copy in the training precision.</summary>
    public const long SyntheticLimit = 1_000_000_000;

    public int Features => Table.Columns - 1;

    /// <summary>The feature names ([w, b] layout without the bias): the header's names, else x1 … xF.</summary>
    public IReadOnlyList<string> FeatureNames =>
        Enumerable.Range(0, Table.Columns).Where(j => j != Target)
            .Select((j, k) => Header is null ? $"x{k + 1}" : Header[j]).ToArray();

    public static IEnumerable<OptionSpec> Specs(string rows = "") =>
    [
        new("--data", "A file of numbers: CSV, TSV, separated by semicolons, bars or spaces (separator and header detected; CR LF or LF; read once, so a pipe or FIFO works), or a data set's name (airfoil: d2l's file from the cache, downloaded when missing; the book's rows); every column is standardised. Not with --synthetic.", null),
        new("--synthetic", $"ROWSxFEATURES: a seeded linear-regression data set, used when --data is not given (at most {SyntheticLimit} numbers in all).", "1500x5"),
        new("--target", "The target column: a header name or a column number (1 = first); default the last column.", null),
        new("--rows", "Keep the first N rows after standardising (d2l keeps 1500 of the airfoil's 1503); default: all of a file, the book's rows of a named data set.", rows.Length == 0 ? null : rows),
    ];

    /// <summary>Reads the data options and loads the data, checking every value against the data before anything is written.</summary>
    public static TrainingData Read(SettingsReader r, int seed)
    {
        NumericTable raw;
        IReadOnlyList<string>? header = null;
        string source;
        var path = r.OptionalText("--data");
        if (path is not null && r.IsSet("--synthetic"))
            throw new UsageException("--data and --synthetic: give one or the other, not both");
        var named = path is null ? null : DataCache.ForData(path, r.Cancellation);
        if (path is not null)
        {
            var file = Load(named?.Path ?? path);
            (raw, header, source) = (file.Table, file.Header, named is { Entry: var entry } ? $"{entry.Name} ({entry.FileName})" : Path.GetFileName(path));
        }
        else
        {
            var (rows, features) = SyntheticShape(r.Text("--synthetic"));
            raw = Synthetic(rows, features, seed);
            source = $"synthetic {rows}x{features} (seed {seed})";
        }

        var target = raw.Columns - 1;
        if (r.OptionalText("--target") is { } targetText)
        {
            if (int.TryParse(targetText, NumberStyles.None, CultureInfo.InvariantCulture, out var number))
                target = number >= 1 && number <= raw.Columns
                    ? number - 1
                    : throw SettingsReader.Fail("--target", targetText, $"must be a column number in [1, {raw.Columns}] or a header name");
            else
            {
                var matches = header is null ? []
                    : Enumerable.Range(0, header.Count).Where(j => string.Equals(header[j].Trim(), targetText.Trim(), StringComparison.OrdinalIgnoreCase)).ToList();
                target = matches.Count switch
                {
                    1 => matches[0],
                    0 => throw SettingsReader.Fail("--target", targetText, header is null
                        ? "the data has no header: give a column number (1 = first)"
                        : $"no such column; the columns are {string.Join(", ", header)}"),
                    _ => throw SettingsReader.Fail("--target", targetText,
                        $"ambiguous: columns {string.Join(", ", matches.Select(j => j + 1))} are all named so; give a column number (1 = first)"),
                };
            }
        }

        var keep = named?.Entry.RowsOf(raw.Rows) ?? raw.Rows;
        if (r.OptionalText("--rows") is not null)
        {
            keep = r.Int("--rows", Rules.AtLeast(1));
            if (keep > raw.Rows)
                throw SettingsReader.Fail("--rows", keep.ToString(CultureInfo.InvariantCulture), $"the data has only {raw.Rows} rows");
        }

        // The training set is one array per precision.
        if ((long)keep * (raw.Columns - 1) > Array.MaxLength)
            throw new UsageException($"{path ?? source}: {keep} rows × {raw.Columns - 1} features is {(long)keep * (raw.Columns - 1)} numbers; a training set holds at most {Array.MaxLength} (keep fewer with --rows)");
        var statistics = StatisticsOf(raw, path ?? source, header);
        var description = $"{source}: {raw.Rows} rows × {raw.Columns} columns, target {(header is null ? $"column {target + 1}" : header[target])}"
            + (keep < raw.Rows ? $", first {keep} rows" : "");
        return new TrainingData(raw, statistics, target, keep, description, header);
    }

    /// <summary>
    /// Keeps in a run's recorded options only the source its data came from (<c>--synthetic</c>'s default is not used
    /// beside <c>--data</c>, and a resumed run must not find both), and a data file by its full path so the run resumes
    /// from any folder; a data set's name stays a name.
    /// </summary>
    public static void RecordSource(IDictionary<string, string> options)
    {
        if (!options.TryGetValue("data", out var data)) return;
        options.Remove("synthetic");
        if (DatasetCatalog.Find(data) is null) options["data"] = Path.GetFullPath(data);
    }

    /// <summary>
    /// Reads and checks a data file as <c>train --data</c> would (at least two columns, every column standardisable), so
    /// that a verb running several trainings on it can refuse it before the first writes anything.
    /// </summary>
    /// <returns>Its number of rows.</returns>
    public static int Check(string path)
    {
        var file = Load(path);
        StatisticsOf(file.Table, path, file.Header);
        return file.Table.Rows;
    }

    private static DataTable Load(string path)
    {
        var file = DataFile.Read(path);
        if (file.Table.Columns < 2)
            throw new UsageException($"{path}: has {file.Table.Columns} column; training needs at least one feature and a target");
        return file;
    }

    /// <summary>Each column's statistics; a column that cannot be standardised is refused, named as <c>file: column k (name)</c>.</summary>
    private static ColumnStatistics StatisticsOf(NumericTable table, string source, IReadOnlyList<string>? header)
    {
        try
        {
            return Standardization.Of(table);
        }
        catch (ColumnException e)
        {
            var name = header is null ? $"column {e.Column + 1}" : $"column {e.Column + 1} ({header[e.Column]})";
            throw new UsageException($"{source}: {e.Describe(name)}");
        }
    }

    private static (int Rows, int Features) SyntheticShape(string text)
    {
        var parts = text.Split('x', 'X');
        if (parts.Length != 2
            || !long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var rows) || rows < 2
            || !long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var features) || features < 1)
            throw SettingsReader.Fail("--synthetic", text, "must be ROWSxFEATURES with at least 2 rows and 1 feature, e.g. 1500x5");
        var numbers = rows <= SyntheticLimit && features <= SyntheticLimit ? rows * (features + 1) : long.MaxValue;
        if (numbers > SyntheticLimit)
            throw SettingsReader.Fail("--synthetic", text,
                $"{rows} rows × {features + 1} columns is {(numbers == long.MaxValue ? "more than " + SyntheticLimit : numbers)} numbers; at most {SyntheticLimit} are allowed (8 GB in float64)");
        return ((int)rows, (int)features);
    }

    /// <summary>The synthetic set, its blocks built on every core (the same bits for any number, <see cref="SyntheticData.Block"/>).</summary>
    private static NumericTable Synthetic(int rows, int features, int seed)
    {
        var blocks = new ImmutableArray<double>[SyntheticData.BlockCount(rows, features)];
        Parallel.For(0, blocks.Length, k => blocks[k] = SyntheticData.Block(k, rows, features, seed));
        return new NumericTable(blocks, features + 1);
    }

    /// <summary>
    /// SHA-256 of the data as used (standardised values of the rows kept, and the target column), so a resumed run or a
    /// merged sweep can tell that its data is the same.
    /// </summary>
    public string Fingerprint()
    {
        using var hash = System.Security.Cryptography.IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.SHA256);
        var left = Rows;
        var standardized = new double[Math.Max(1, (1 << 16) / Table.Columns) * Table.Columns];
        for (var k = 0; k < Table.BlockCount && left > 0; k++)
        {
            var block = Table.Block(k);
            for (var at = 0; at < block.Length && left > 0;)
            {
                var rows = Math.Min(Math.Min(left, standardized.Length / Table.Columns), (block.Length - at) / Table.Columns);
                var piece = standardized.AsSpan(0, rows * Table.Columns);
                Statistics.Apply(block.Slice(at, piece.Length), piece);
                hash.AppendData(System.Runtime.InteropServices.MemoryMarshal.AsBytes(piece));
                at += piece.Length;
                left -= rows;
            }
        }
        hash.AppendData(BitConverter.GetBytes(Target));
        hash.AppendData(BitConverter.GetBytes(Table.Columns));
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    /// <summary>
    /// The data set in the chosen precision, standardised, its blocks converted on every core, a large set's arrays
    /// backed by huge pages (<see cref="LargeArrays"/>).
    /// </summary>
    public Dataset<T> ToDataset<T>()
        where T : unmanaged, System.Numerics.IFloatingPointIeee754<T> =>
        Dataset<T>.FromTable(Table, Target, Rows, Statistics, (count, body) => Parallel.For(0, count, body), LargeArrays.Allocate<T>);
}
