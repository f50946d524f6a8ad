using System.Globalization;
using Momentum.Runner.Cli;
using Momentum.Training;

namespace Momentum.Runner.Data;

/// <summary>
/// The data a training verb learns from, as d2l's <c>get_data_ch11</c> prepares it: read from <c>--data</c> (or built by
/// <c>--synthetic ROWSxFEATURES</c>), every column standardised over the whole file, then the first <c>--rows</c> rows
/// kept; the target is the last column unless <c>--target</c> names another.
/// </summary>
/// <param name="Table">The standardised table, all rows.</param>
/// <param name="Target">The target column, 0-based.</param>
/// <param name="Rows">The rows kept.</param>
/// <param name="Description">Where the data came from, for summaries and reports.</param>
/// <param name="Header">The file's column names, if it had a header.</param>
internal sealed record TrainingData(NumericTable Table, int Target, int Rows, string Description, IReadOnlyList<string>? Header)
{
    public int Features => Table.Columns - 1;

    /// <summary>The feature names ([w, b] layout without the bias): the header's names, else x1 … xF.</summary>
    public IReadOnlyList<string> FeatureNames =>
        Enumerable.Range(0, Table.Columns).Where(j => j != Target)
            .Select((j, k) => Header is null ? $"x{k + 1}" : Header[j]).ToArray();

    public static IEnumerable<OptionSpec> Specs(string rows = "") =>
    [
        new("--data", "A CSV or TSV file (delimiter and header detected; CR LF or LF), or a data set's name (airfoil: d2l's file from the cache, downloaded when missing; the book's rows); every column is standardised. Without it, --synthetic.", null),
        new("--synthetic", "ROWSxFEATURES: a seeded linear-regression data set, used when --data is not given.", "1500x5"),
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
        var named = path is null ? null : DataCache.ForData(path, r.Cancellation);
        if (path is not null)
        {
            var file = DataFile.Read(named?.Path ?? path);
            (raw, header, source) = (file.Table, file.Header, named is { Entry: var entry } ? $"{entry.Name} ({entry.FileName})" : Path.GetFileName(path));
            if (raw.Columns < 2)
                throw new UsageException($"{path}: has {raw.Columns} column; training needs at least one feature and a target");
        }
        else
        {
            var text = r.Text("--synthetic");
            var parts = text.Split('x', 'X');
            if (parts.Length != 2
                || !int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var rows) || rows < 2
                || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var features) || features < 1
                || (long)rows * (features + 1) > 1_000_000_000)
                throw SettingsReader.Fail("--synthetic", text, "must be ROWSxFEATURES with at least 2 rows and 1 feature, e.g. 1500x5");
            raw = SyntheticData.LinearRegression(rows, features, seed);
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
                var index = header?.ToList().FindIndex(h => string.Equals(h.Trim(), targetText.Trim(), StringComparison.OrdinalIgnoreCase)) ?? -1;
                target = index >= 0 ? index
                    : throw SettingsReader.Fail("--target", targetText, header is null
                        ? "the data has no header: give a column number (1 = first)"
                        : $"no such column; the columns are {string.Join(", ", header)}");
            }
        }

        var keep = named?.Entry.RowsOf(raw.Rows) ?? raw.Rows;
        if (r.OptionalText("--rows") is not null)
        {
            keep = r.Int("--rows", Rules.AtLeast(1));
            if (keep > raw.Rows)
                throw SettingsReader.Fail("--rows", keep.ToString(CultureInfo.InvariantCulture), $"the data has only {raw.Rows} rows");
        }

        StandardizedTable standardized;
        try
        {
            standardized = Standardization.Standardize(raw);
        }
        catch (ConstantColumnException e)
        {
            var name = header is null ? $"column {e.Column + 1}" : $"column {e.Column + 1} ({header[e.Column]})";
            throw new UsageException($"{path ?? source}: {name} is constant ({e.Value.ToString(CultureInfo.InvariantCulture)} in every row): standardising it would divide by zero");
        }

        var description = $"{source}: {raw.Rows} rows × {raw.Columns} columns, target {(header is null ? $"column {target + 1}" : header[target])}"
            + (keep < raw.Rows ? $", first {keep} rows" : "");
        return new TrainingData(standardized.Table, target, keep, description, header);
    }

    /// <summary>
    /// SHA-256 of the data as used (standardised values of the rows kept, and the target column), so a resumed run or a
    /// merged sweep can tell that its data is the same.
    /// </summary>
    public string Fingerprint()
    {
        using var hash = System.Security.Cryptography.IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.SHA256);
        hash.AppendData(System.Runtime.InteropServices.MemoryMarshal.AsBytes(Table.Values.AsSpan()[..(Rows * Table.Columns)]));
        hash.AppendData(BitConverter.GetBytes(Target));
        hash.AppendData(BitConverter.GetBytes(Table.Columns));
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    /// <summary>The data set in the chosen precision.</summary>
    public Dataset<T> ToDataset<T>()
        where T : unmanaged, System.Numerics.IFloatingPointIeee754<T> =>
        Dataset<T>.FromTable(Table, Target, Rows);
}
