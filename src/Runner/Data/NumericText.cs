using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using csFastFloat;

namespace Momentum.Runner.Data;

/// <summary>
/// The text of a numeric table, on UTF-8 bytes. Lines end with LF, CR LF or a lone CR. The separator is the most
/// frequent of <c>, \t ; |</c> (ties in that order) in the first line holding more than spaces and tabs, or else runs of
/// spaces. A field that starts with <c>"</c> is quoted: it runs to the next lone <c>"</c> (<c>""</c> is a quote) and
/// the rest of it up to the separator is kept as it stands; quotes never span lines. With spaces as the separator,
/// leading, trailing and repeated spaces separate nothing. A line whose fields are all empty is skipped. A field is a
/// number as <see cref="double.TryParse(string, NumberStyles, IFormatProvider, out double)"/> reads it with
/// <see cref="NumberStyles.Float"/> in the invariant culture, and only finite numbers are data.
/// </summary>
/// <remarks>
/// Rows are read by a fast path that parses each number with csFastFloat (Lemire's correctly rounded algorithm, "Number
/// Parsing at a Gigabyte per Second", Software: Practice and Experience 51(8), 2021, so the same double as .NET's
/// parser) straight from the bytes and checks that a separator or the line's end follows it; any other line (quotes,
/// blank fields, a non-number, a wrong count) is read again by the general path above, which decides its value or its
/// refusal. The fast path only ever accepts lines that the general path reads to the same numbers.
/// </remarks>
internal static class NumericText
{
    /// <summary>The separator value that stands for runs of spaces.</summary>
    public const byte Spaces = (byte)' ';

    private static ReadOnlySpan<byte> Candidates => ",\t;|"u8;

    private static ReadOnlySpan<byte> LineEnds => "\n\r"u8;

    /// <summary>Whether a line holds nothing but spaces and tabs (and so says nothing about the separator).</summary>
    public static bool IsBlank(ReadOnlySpan<byte> line) => !line.ContainsAnyExcept((byte)' ', (byte)'\t');

    /// <summary>The separator of a file whose first non-blank line is <paramref name="line"/>.</summary>
    public static byte Separator(ReadOnlySpan<byte> line)
    {
        var (best, count) = (Spaces, 0);
        foreach (var candidate in Candidates)
        {
            var n = line.Count(candidate);
            if (n > count) (best, count) = (candidate, n);
        }
        return best;
    }

    /// <summary>The length of the line at the start of <paramref name="text"/>, without its end; -1 when no end is in <paramref name="text"/>.</summary>
    public static int LineLength(ReadOnlySpan<byte> text) => text.IndexOfAny(LineEnds);

    /// <summary>The length of the line end at the start of <paramref name="text"/> (2 for CR LF), 0 at the end of the text.</summary>
    public static int LineEndLength(ReadOnlySpan<byte> text) =>
        text.IsEmpty ? 0 : text[0] == '\r' && text.Length > 1 && text[1] == '\n' ? 2 : 1;

    /// <summary>The fields of one line (no line end in it), unquoted and decoded; with spaces as the separator, empty fields are dropped.</summary>
    public static List<string> Fields(ReadOnlySpan<byte> line, byte separator)
    {
        var fields = new List<string>();
        var field = new List<byte>();
        var spaced = separator == Spaces;
        var i = 0;
        while (true)
        {
            if (spaced)
            {
                while (i < line.Length && line[i] == ' ') i++;
                if (i == line.Length) break;
            }
            field.Clear();
            if (i < line.Length && line[i] == '"')
            {
                i++;
                while (true)
                {
                    var close = line[i..].IndexOf((byte)'"');
                    if (close < 0)
                    {
                        field.AddRange(line[i..]);
                        i = line.Length;
                        break;
                    }
                    field.AddRange(line.Slice(i, close));
                    i += close + 1;
                    if (i < line.Length && line[i] == '"')
                    {
                        field.Add((byte)'"');
                        i++;
                        continue;
                    }
                    break;
                }
            }
            var end = line[i..].IndexOf(separator);
            end = end < 0 ? line.Length : i + end;
            field.AddRange(line[i..end]);
            i = end;
            if (!spaced || field.Count > 0) fields.Add(Encoding.UTF8.GetString([.. field]));
            if (i == line.Length) break;
            i++; // the separator
            if (spaced && i == line.Length) break;
        }
        return fields;
    }

    /// <summary>Whether every field is empty: the line is skipped.</summary>
    public static bool IsSkipped(List<string> fields) => fields.TrueForAll(f => f.Length == 0);

    /// <summary>Whether a field is a finite number.</summary>
    public static bool IsFiniteNumber(string field) =>
        double.TryParse(field, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && double.IsFinite(value);

    /// <summary>
    /// Reads one row of <paramref name="columns"/> numbers from its fields into <paramref name="values"/>.
    /// </summary>
    /// <returns>null, or the refusal: its column (0 for the whole row) and what is wrong.</returns>
    public static (int Column, string Problem)? Row(List<string> fields, int columns, Span<double> values)
    {
        if (fields.Count != columns) return (0, $"expected {columns} columns, found {fields.Count}");
        for (var j = 0; j < columns; j++)
        {
            if (!double.TryParse(fields[j], NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
                return (j + 1, $"\"{Shown(fields[j])}\" is not a number");
            if (!double.IsFinite(value))
                return (j + 1, $"{Shown(fields[j])} is not a finite number");
            values[j] = value;
        }
        return null;
    }

    /// <summary>A cell as a message shows it: on one line, control characters escaped, long values cut.</summary>
    public static string Shown(string field)
    {
        var text = field.Replace("\r", "\\r").Replace("\n", "\\n").Replace("\t", "\\t").Replace("\0", "\\0");
        return text.Length <= 40 ? text : text[..37] + "...";
    }

    /// <summary>
    /// Reads every row of <paramref name="text"/>, whole lines (the last may lack its end), into <paramref name="values"/>
    /// (room for <c>text.Length / 2 + 1 + columns</c> numbers is enough). A NUL byte refuses its line.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static Chunk Rows(ReadOnlySpan<byte> text, byte separator, int columns, Span<double> values)
    {
        var nul = text.IndexOf((byte)0);
        var readable = nul < 0 ? text : text[..(text[..nul].LastIndexOfAny(LineEnds) + 1)];
        var lines = 0;
        var count = 0;
        var at = 0;
        while (at < readable.Length)
        {
            var rest = readable[at..];
            var length = LineLength(rest);
            if (length < 0) length = rest.Length;
            var line = rest[..length];
            var row = values.Slice(count, columns);
            if (line.Length > 0)
            {
                if (FastRow(line, separator, row)) count += columns;
                else
                {
                    var fields = Fields(line, separator);
                    if (!IsSkipped(fields))
                    {
                        if (Row(fields, columns, row) is { } problem) return new(count, lines, new Refusal(lines, problem.Column, problem.Problem));
                        count += columns;
                    }
                }
            }
            lines++;
            at += length + LineEndLength(rest[length..]);
        }
        return new(count, lines, nul < 0 ? null : new Refusal(lines, -1, ""));
    }

    /// <summary>
    /// The fast path: a line of exactly the expected numbers, each starting with a digit, sign or point and followed by
    /// spaces and then the separator or the line's end. False sends the line to the general path.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static bool FastRow(ReadOnlySpan<byte> line, byte separator, Span<double> row)
    {
        var spaced = separator == Spaces;
        var i = 0;
        for (var j = 0; j < row.Length; j++)
        {
            while (i < line.Length && line[i] == ' ') i++;
            if (i == line.Length) return false;
            var first = line[i];
            if (!(char.IsAsciiDigit((char)first) || first is (byte)'-' or (byte)'+' or (byte)'.')) return false;
            if (!FastDoubleParser.TryParseDouble(line[i..], out var consumed, out var value) || consumed == 0 || !double.IsFinite(value))
                return false;
            i += consumed;
            row[j] = value;
            if (spaced)
            {
                if (i < line.Length && line[i] != ' ') return false;
                continue;
            }
            while (i < line.Length && line[i] == ' ') i++;
            if (j < row.Length - 1)
            {
                if (i == line.Length || line[i] != separator) return false;
                i++;
            }
        }
        while (spaced && i < line.Length && line[i] == ' ') i++;
        return i == line.Length;
    }
}

/// <summary>What <see cref="NumericText.Rows"/> read: the numbers written, the lines passed, and the refusal that stopped it.</summary>
/// <param name="Count">Numbers written (whole rows).</param>
/// <param name="Lines">Lines read before the refusal, or all of them.</param>
/// <param name="Refusal">The first problem, or null.</param>
internal sealed record Chunk(int Count, int Lines, Refusal? Refusal);

/// <summary>A refusal within a piece of text.</summary>
/// <param name="Line">The line, 0-based within the piece.</param>
/// <param name="Column">The field, 1-based; 0 for the whole line; -1 for NUL bytes (the file is not text).</param>
/// <param name="Problem">What is wrong.</param>
internal sealed record Refusal(int Line, int Column, string Problem);
