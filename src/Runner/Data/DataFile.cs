using System.Collections.Immutable;
using System.Runtime.InteropServices;
using Momentum.Runner.Cli;
using Momentum.Training;

namespace Momentum.Runner.Data;

/// <summary>A numeric table read from a file, with its header when it had one.</summary>
/// <param name="Path">The file, as named by the user.</param>
/// <param name="Table">The numbers.</param>
/// <param name="Header">Column names, or null when the file has no header row.</param>
internal sealed record DataTable(string Path, NumericTable Table, IReadOnlyList<string>? Header);

/// <summary>
/// Reads a file of numbers (<see cref="NumericText"/> says what is read): opened once and read once from start to end,
/// so a pipe or FIFO works as well as a file, straight into the table's blocks. A first row without any finite number
/// is the header; empty lines are skipped. Every problem is a <see cref="UsageException"/> naming
/// <c>file:line[:column]</c> and what was expected; the first problem in the file is the one named.
/// </summary>
internal static class DataFile
{
    /// <summary>Bytes read at a time; a longer line grows the buffer.</summary>
    private const int BufferBytes = 4 << 20;

    /// <summary>The least text worth a thread of its own.</summary>
    private const int PartBytes = 256 << 10;

    public static DataTable Read(string path) => Read(path, Environment.ProcessorCount);

    /// <summary>Reads <paramref name="path"/>, parsing on up to <paramref name="threads"/> threads (the table is the same for any number).</summary>
    public static DataTable Read(string path, int threads)
    {
        if (Directory.Exists(path)) throw new UsageException($"{path}: is a folder, not a data file");
        if (!File.Exists(path)) throw new UsageException($"{path}: no such file");
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 0, FileOptions.SequentialScan);
            return Read(path, stream, threads);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UsageException($"{path}: cannot be read ({e.Message})");
        }
    }

    /// <summary>
    /// Reads the table in <paramref name="stream"/>, from where it stands to its end; <paramref name="path"/> names it in
    /// messages. The sizes of the reads and of each thread's part change nothing but speed.
    /// </summary>
    public static DataTable Read(string path, Stream stream, int threads, int bufferBytes = BufferBytes, int partBytes = PartBytes)
    {
        var text = new Text(stream, bufferBytes);
        var line = 0L; // lines before text.Start
        byte? separator = null;
        IReadOnlyList<string>? header = null;
        var blocks = new List<ImmutableArray<double>>();
        var columns = 0;

        // The separator and the first row, line by line.
        while (columns == 0)
        {
            if (!text.HasLine(out var length))
            {
                if (text.Start == text.End) throw new UsageException($"{path}: the file is empty");
                length = text.End - text.Start;
            }
            var current = text.Bytes.AsSpan(text.Start, length);
            if (current.Contains((byte)0)) throw NotText(path);
            if (separator is null && !NumericText.IsBlank(current)) separator = NumericText.Separator(current);
            if (separator is { } s && NumericText.Fields(current, s) is var fields && !NumericText.IsSkipped(fields))
            {
                columns = fields.Count;
                if (!fields.Exists(NumericText.IsFiniteNumber)) header = fields;
                else
                {
                    var values = new double[columns];
                    if (NumericText.Row(fields, columns, values) is { } problem) throw Refused(path, line + 1, problem.Column, problem.Problem);
                    blocks.Add(ImmutableCollectionsMarshal.AsImmutableArray(values));
                }
            }
            text.Start += length + NumericText.LineEndLength(text.Bytes.AsSpan(text.Start + length, text.End - text.Start - length));
            line++;
        }

        // The other rows, in pieces of whole lines, each piece's parts read at once on the threads.
        var sep = separator!.Value;
        var scratch = new double[Math.Max(1, threads)][];
        while (text.Start < text.End || !text.Ended)
        {
            var whole = text.WholeLines();
            if (whole == 0) continue;
            var parts = Parts(text.Bytes.AsSpan(text.Start, whole), Math.Max(1, threads), partBytes);
            var chunks = new Chunk[parts.Count];
            var start = text.Start;
            var bytes = text.Bytes;
            Parallel.For(0, parts.Count, new ParallelOptions { MaxDegreeOfParallelism = parts.Count }, k =>
            {
                var (offset, length) = parts[k];
                var room = length / 2 + 2 + columns;
                if (scratch[k] is null || scratch[k].Length < room) scratch[k] = new double[Math.Max(room, 1 << 16)];
                chunks[k] = NumericText.Rows(bytes.AsSpan(start + offset, length), sep, columns, scratch[k]);
            });
            for (var k = 0; k < chunks.Length; k++)
            {
                var chunk = chunks[k];
                if (chunk.Count > 0) blocks.Add(ImmutableCollectionsMarshal.AsImmutableArray(scratch[k].AsSpan(0, chunk.Count).ToArray()));
                if (chunk.Refusal is { } refusal)
                    throw refusal.Column < 0 ? NotText(path) : Refused(path, line + refusal.Line + 1, refusal.Column, refusal.Problem);
                line += chunk.Lines;
            }
            text.Start += whole;
        }

        if (blocks.Count == 0)
            throw new UsageException(header is null ? $"{path}: the file is empty" : $"{path}: has a header but no data rows");
        return new DataTable(path, new NumericTable(blocks, columns), header);
    }

    private static UsageException NotText(string path) => new($"{path}: is not a text file (it holds NUL bytes)");

    private static UsageException Refused(string path, long line, int column, string problem) =>
        new(column == 0 ? $"{path}:{line}: {problem}" : $"{path}:{line}:{column}: {problem}");

    /// <summary>Cuts whole lines into about <paramref name="threads"/> parts of whole lines, none smaller than <paramref name="least"/> bytes but the last.</summary>
    private static List<(int Offset, int Length)> Parts(ReadOnlySpan<byte> lines, int threads, int least)
    {
        var parts = new List<(int, int)>();
        var size = Math.Max(Math.Max(1, least), lines.Length / threads + 1);
        var at = 0;
        while (at < lines.Length)
        {
            var end = Math.Min(lines.Length, at + size);
            if (end < lines.Length)
            {
                var next = lines[end..].IndexOf((byte)'\n');
                end = next < 0 ? lines.Length : end + next + 1;
            }
            parts.Add((at, end - at));
            at = end;
        }
        return parts;
    }

    /// <summary>The stream's bytes, read into one buffer as they are needed; <see cref="Start"/> is what has not been used.</summary>
    private sealed class Text(Stream stream, int bufferBytes)
    {
        public byte[] Bytes = new byte[Math.Max(16, bufferBytes)];
        public int Start;
        public int End;
        public bool Ended;
        private bool bomChecked;

        /// <summary>Whether a whole line starts at <see cref="Start"/> (reading more as needed); its length without its end.</summary>
        public bool HasLine(out int length)
        {
            while (true)
            {
                var span = Bytes.AsSpan(Start, End - Start);
                length = NumericText.LineLength(span);
                // A CR at the end of what has been read may be the first half of a CR LF.
                if (length >= 0 && (length + 1 < span.Length || span[length] == '\n' || Ended)) return true;
                if (Ended) return false;
                More();
            }
        }

        /// <summary>
        /// The length of the longest run of whole lines from <see cref="Start"/> that ends with LF (or at the end of the
        /// stream), reading more as needed; 0 only when more was read and the caller should ask again.
        /// </summary>
        public int WholeLines()
        {
            var span = Bytes.AsSpan(Start, End - Start);
            if (Ended) return span.Length;
            var last = span.LastIndexOf((byte)'\n');
            if (last < 0)
            {
                // No LF: a file with lone CRs ends its lines at a CR followed by anything but LF.
                var cr = span[..Math.Max(0, span.Length - 1)].LastIndexOf((byte)'\r');
                if (cr >= 0 && span[cr + 1] != '\n') return cr + 1;
                More();
                return 0;
            }
            return last + 1;
        }

        /// <summary>Moves what is left to the front (growing the buffer when it is full of one line) and reads more.</summary>
        private void More()
        {
            if (Start > 0)
            {
                Bytes.AsSpan(Start, End - Start).CopyTo(Bytes);
                (End, Start) = (End - Start, 0);
            }
            if (End == Bytes.Length) Array.Resize(ref Bytes, checked(Bytes.Length * 2));
            while (End < Bytes.Length)
            {
                var n = stream.Read(Bytes, End, Bytes.Length - End);
                if (n == 0)
                {
                    Ended = true;
                    break;
                }
                End += n;
            }
            if (!bomChecked && (End >= 3 || Ended))
            {
                bomChecked = true;
                if (Bytes.AsSpan(0, End).StartsWith("\uFEFF"u8)) Start = 3;
            }
        }
    }
}
