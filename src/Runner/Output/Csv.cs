using System.Globalization;
using CsvHelper;
using Momentum.Optimizers;

namespace Momentum.Runner.Output;

/// <summary>
/// CSV through CsvHelper: a header row, invariant culture, LF line endings, and numbers written as the shortest text that
/// round-trips (<see cref="TransformationJson.ExactText"/>), so every value parses back to the same double. Written
/// atomically into an <see cref="OutputFolder"/>, in one go (<see cref="Write"/>) or row by row (<see cref="Begin"/>), so
/// that a long output never sits in memory.
/// </summary>
internal static class Csv
{
    private static readonly CsvWriterOptions Options = CsvWriterOptions.Default with
    {
        NewLine = "\n",
        TrueValue = "true",
        FalseValue = "false",
    };

    /// <summary>Writes <paramref name="header"/> and one row per element of <paramref name="rows"/>, staged for the verb's commit.</summary>
    public static string Write(OutputFolder folder, string file, IReadOnlyList<string> header, IEnumerable<IReadOnlyList<object>> rows) =>
        folder.Write(file, stream => To(stream, header, rows));

    /// <summary>Writes <paramref name="header"/> and <paramref name="rows"/> to <paramref name="stream"/>.</summary>
    public static void To(Stream stream, IReadOnlyList<string> header, IEnumerable<IReadOnlyList<object>> rows)
    {
        using var csv = CsvWriter.Create(stream, Options, leaveOpen: true);
        csv.WriteHeader([.. header]);
        foreach (var row in rows)
        {
            foreach (var cell in row) WriteCell(csv, cell);
            csv.EndRecord();
        }
    }

    /// <summary>
    /// Starts <paramref name="file"/> with its header; rows are written as they come, and the file is staged by
    /// <see cref="Rows.Finish"/> (disposed unfinished, it is deleted). <paramref name="cancellation"/> is looked at every
    /// <see cref="Rows.CheckEvery"/> rows, so a verb that streams its output stops within that many rows of a signal.
    /// </summary>
    public static Rows Begin(OutputFolder folder, string file, IReadOnlyList<string> header, CancellationToken cancellation)
    {
        var entry = folder.Begin(file);
        try
        {
            return new Rows(entry, header, cancellation);
        }
        catch
        {
            entry.Dispose();
            throw;
        }
    }

    /// <summary>A CSV file being written row by row: fields, then <see cref="End"/> for each row.</summary>
    internal sealed class Rows : IDisposable
    {
        /// <summary>Rows between two looks at the cancellation token.</summary>
        public const int CheckEvery = 4096;

        private readonly OutputFolder.Entry entry;
        private readonly CsvWriter csv;
        private readonly CancellationToken cancellation;
        private long count;

        public Rows(OutputFolder.Entry entry, IReadOnlyList<string> header, CancellationToken cancellation)
        {
            this.entry = entry;
            this.cancellation = cancellation;
            csv = CsvWriter.Create(entry.Stream, Options, leaveOpen: true);
            OutputException.Guard(entry.Path, () => csv.WriteHeader([.. header]));
        }

        /// <summary>Data rows written so far.</summary>
        public long Count => count;

        public Rows Field(double value) => Write(TransformationJson.ExactText(value));

        public Rows Field(long value) => Write(value.ToString(CultureInfo.InvariantCulture));

        public Rows Field(string value) => Write(value);

        // One field; a failed write names the file.
        private Rows Write(string field)
        {
            OutputException.Guard(entry.Path, () => csv.WriteField(field));
            return this;
        }

        /// <summary>Ends the row; throws <see cref="OperationCanceledException"/> when asked to stop.</summary>
        public void End()
        {
            OutputException.Guard(entry.Path, csv.EndRecord);
            if (++count % CheckEvery == 0) cancellation.ThrowIfCancellationRequested();
        }

        /// <summary>Flushes the rows and stages the file for the verb's commit.</summary>
        public void Finish()
        {
            OutputException.Guard(entry.Path, csv.Dispose);
            entry.Finish();
        }

        public void Dispose()
        {
            try
            {
                csv.Dispose();
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or ObjectDisposedException)
            {
                // The file is deleted unfinished; what went wrong was reported where it happened.
            }
            entry.Dispose();
        }
    }

    private static void WriteCell(CsvWriter csv, object cell) => csv.WriteField(Text(cell));

    /// <summary>
    /// A cell as the CSV files spell it: a number as the shortest text that reads back to it (a float as its exact value
    /// in double, so it round-trips too), a flag as true or false, anything else in the invariant culture. Also what a
    /// sweep's rows digest is taken of (<see cref="SweepManifest.Digest"/>).
    /// </summary>
    public static string Text(object cell) => cell switch
    {
        double d => TransformationJson.ExactText(d),
        float f => TransformationJson.ExactText(f),
        bool b => b ? "true" : "false",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => cell.ToString() ?? "",
    };
}
