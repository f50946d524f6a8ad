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
/// Rows are read by a fast path that parses each number straight from the bytes, by Clinger's exact fast path when the
/// number has at most 15 digits and a power of ten within 10^±22 (as files of measurements usually do), else with
/// csFastFloat (Lemire's correctly rounded algorithm, "Number Parsing at a Gigabyte per Second", Software: Practice and
/// Experience 51(8), 2021), so always the same double as .NET's parser, and checks that a separator or the line's end
/// follows it; any other line (quotes, blank fields, a non-number, a wrong count) is read again by the general path
/// above, which decides its value or its refusal. The fast path only ever accepts lines that the general path reads to the same numbers.
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
            if (!Short(line[i..], out var consumed, out var value) &&
                (!FastDoubleParser.TryParseDouble(line[i..], out consumed, out value) || consumed == 0 || !double.IsFinite(value)))
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

    // 10⁰ … 10²², each exactly a double.
    private static ReadOnlySpan<double> PowersOfTen =>
    [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
    ];

    /// <summary>
    /// Clinger's fast path (W. D. Clinger, "How to Read Floating Point Numbers Accurately", PLDI 1990, §3; also the
    /// first step of csFastFloat): a decimal <c>[-]digits[.digits][e[±]digits]</c> with at most 15 significant digits m
    /// and a power of ten 10^q with |q| ≤ 22 is m·10^q or m / 10^−q, one correctly rounded operation on two exact doubles,
    /// so the same double as any correct parser. False for anything else (more digits, a larger power, a leading '+',
    /// an exponent without digits, inf, nan), which csFastFloat then reads; <paramref name="consumed"/> is where the
    /// number ends, as csFastFloat would end it.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool Short(ReadOnlySpan<byte> text, out int consumed, out double value)
    {
        (consumed, value) = (0, 0);
        var i = 0;
        var negative = text.Length > 0 && text[0] == (byte)'-';
        if (negative) i++;
        ulong mantissa = 0;
        int digits = 0, significant = 0, fraction = 0;
        for (; i < text.Length && (uint)(text[i] - '0') <= 9; i++, digits++)
        {
            mantissa = mantissa * 10 + (uint)(text[i] - '0');
            if (mantissa != 0) significant++;
        }
        if (i < text.Length && text[i] == (byte)'.')
            for (i++; i < text.Length && (uint)(text[i] - '0') <= 9; i++, digits++, fraction++)
            {
                mantissa = mantissa * 10 + (uint)(text[i] - '0');
                if (mantissa != 0) significant++;
            }
        if (digits == 0 || significant > 15) return false;
        var exponent = 0;
        if (i < text.Length && (text[i] | 0x20) == (byte)'e')
        {
            var j = i + 1;
            var negativeExponent = j < text.Length && text[j] == (byte)'-';
            if (j < text.Length && text[j] is (byte)'-' or (byte)'+') j++;
            var start = j;
            for (; j < text.Length && (uint)(text[j] - '0') <= 9 && j - start < 4; j++) exponent = exponent * 10 + (text[j] - '0');
            if (j == start || (j < text.Length && (uint)(text[j] - '0') <= 9)) return false;
            if (negativeExponent) exponent = -exponent;
            i = j;
        }
        var q = exponent - fraction;
        if (mantissa == 0) value = 0;
        else if (q >= 0 && q <= 22) value = mantissa * PowersOfTen[q];
        else if (q < 0 && q >= -22) value = mantissa / PowersOfTen[-q];
        else return false;
        if (negative) value = -value;
        consumed = i;
        return true;
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
