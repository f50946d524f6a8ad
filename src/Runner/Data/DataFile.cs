using System.Collections.Immutable;
using System.Globalization;
using System.Runtime.InteropServices;
using CsvHelper;
using Momentum.Runner.Cli;
using Momentum.Training;

namespace Momentum.Runner.Data;

/// <summary>A numeric table read from a file, with its header when it had one.</summary>
/// <param name="Path">The file, as named by the user.</param>
/// <param name="Table">The numbers.</param>
/// <param name="Header">Column names, or null when the file has no header row.</param>
internal sealed record DataTable(string Path, NumericTable Table, IReadOnlyList<string>? Header);

/// <summary>
/// Reads numbers separated by commas, tabs, semicolons or bars (detected by CsvHelper) or by spaces, with CR LF or LF
/// line endings; a first row without any number is the header; empty lines are skipped. Every problem is a
/// <see cref="UsageException"/> naming <c>file:line[:column]</c> and what was expected.
/// </summary>
internal static class DataFile
{
    public static DataTable Read(string path)
    {
        if (Directory.Exists(path)) throw new UsageException($"{path}: is a folder, not a data file");
        if (!File.Exists(path)) throw new UsageException($"{path}: no such file");
        try
        {
            return ReadFile(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UsageException($"{path}: cannot be read ({e.Message})");
        }
        catch (CsvFormatException e)
        {
            throw new UsageException($"{path}: not readable as CSV ({e.Message.Split('\n')[0]})");
        }
    }

    private static DataTable ReadFile(string path)
    {
        var head = new byte[64 * 1024];
        int length;
        using (var probe = File.OpenRead(path)) length = probe.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        if (head.AsSpan(0, length).Contains((byte)0)) throw new UsageException($"{path}: is not a text file (it holds NUL bytes)");
        var firstLine = System.Text.Encoding.UTF8.GetString(head, 0, length).Split('\n').FirstOrDefault(l => !string.IsNullOrWhiteSpace(l));
        if (firstLine is null) throw new UsageException($"{path}: the file is empty");

        // CsvHelper detects , ; \t and |; a line with none of them is separated by spaces (a hand-typed matrix).
        var spaced = firstLine.IndexOfAny([',', ';', '\t', '|']) < 0;
        var options = CsvReaderOptions.Default with
        {
            HasHeader = false,
            Separator = spaced ? ' ' : null,
            TrackLineNumbers = true,
            FieldCountMismatch = CsvFieldCountHandling.Allow,
            FormatProvider = CultureInfo.InvariantCulture,
        };

        using var reader = CsvReader.FromFile(path, options);
        string[]? header = null;
        var values = new List<double>();
        var columns = -1;
        var fields = new List<string>();
        while (reader.Read())
        {
            fields.Clear();
            for (var j = 0; j < reader.FieldCount; j++)
            {
                var field = reader.GetString(j);
                if (!spaced || field.Length > 0) fields.Add(field);
            }
            if (fields.Count == 0 || fields.All(f => f.Length == 0)) continue;
            var line = reader.LineNumber;

            if (columns < 0)
            {
                columns = fields.Count;
                // A header is a first row with no number in it; a first row with some numbers is data, checked below.
                if (fields.All(f => !double.TryParse(f, NumberStyles.Float, CultureInfo.InvariantCulture, out _)))
                {
                    header = [.. fields];
                    continue;
                }
            }
            if (fields.Count != columns)
                throw new UsageException($"{path}:{line}: expected {columns} columns, found {fields.Count}");
            for (var j = 0; j < fields.Count; j++)
            {
                if (!double.TryParse(fields[j], NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
                    throw new UsageException($"{path}:{line}:{j + 1}: \"{Shown(fields[j])}\" is not a number");
                if (!double.IsFinite(value))
                    throw new UsageException($"{path}:{line}:{j + 1}: {Shown(fields[j])} is not a finite number");
                values.Add(value);
            }
        }
        if (values.Count == 0)
            throw new UsageException(header is null ? $"{path}: the file is empty" : $"{path}: has a header but no data rows");
        return new DataTable(path, new NumericTable(ImmutableCollectionsMarshal.AsImmutableArray(values.ToArray()), columns), header);
    }

    // A cell as a message shows it: on one line, control characters escaped, long values cut.
    private static string Shown(string field)
    {
        var text = field.Replace("\r", "\\r").Replace("\n", "\\n").Replace("\t", "\\t").Replace("\0", "\\0");
        return text.Length <= 40 ? text : text[..37] + "...";
    }
}
