using CsvHelper;

namespace Momentum.Runner.Output;

/// <summary>
/// CSV through CsvHelper: a header row, invariant culture, LF line endings, and numbers written as the shortest text that
/// round-trips (CsvHelper's <c>WriteField&lt;double&gt;</c>), so every value parses back to the same double. Written
/// atomically into an <see cref="OutputFolder"/>.
/// </summary>
internal static class Csv
{
    private static readonly CsvWriterOptions Options = CsvWriterOptions.Default with
    {
        NewLine = "\n",
        TrueValue = "true",
        FalseValue = "false",
    };

    /// <summary>Writes <paramref name="header"/> and one row per element of <paramref name="rows"/>.</summary>
    public static string Write(OutputFolder folder, string file, IReadOnlyList<string> header, IEnumerable<IReadOnlyList<object>> rows) =>
        folder.Write(file, stream =>
        {
            using var csv = CsvWriter.Create(stream, Options, leaveOpen: true);
            csv.WriteHeader([.. header]);
            foreach (var row in rows)
            {
                foreach (var cell in row) WriteCell(csv, cell);
                csv.EndRecord();
            }
        });

    private static void WriteCell(CsvWriter csv, object cell)
    {
        switch (cell)
        {
            case double d: csv.WriteField(d, default); break;
            case float f: csv.WriteField((double)f, default); break; // exact, so the float's value round-trips
            case int i: csv.WriteField(i, default); break;
            case long l: csv.WriteField(l, default); break;
            case bool b: csv.WriteField(b); break;
            default: csv.WriteField(cell.ToString()); break;
        }
    }
}
