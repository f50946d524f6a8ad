using System.Globalization;
using System.Text;

namespace Momentum.EndToEnd;

/// <summary>
/// The loader's rules written as plainly as possible, for the fuzzed comparison with the fast reader: the whole file
/// decoded, split into lines, each line split into fields with strings, each field parsed by .NET.
/// </summary>
internal static class ReferenceReader
{
    /// <summary>The table (values row after row, columns, header) or the refusal's message.</summary>
    public static (double[] Values, int Columns, IReadOnlyList<string>? Header)? Read(string path, byte[] bytes, out string? refusal)
    {
        refusal = null;
        var start = bytes.AsSpan().StartsWith("\uFEFF"u8) ? 3 : 0;
        var text = Encoding.UTF8.GetString(bytes, start, bytes.Length - start);
        char? separator = null;
        IReadOnlyList<string>? header = null;
        var columns = -1;
        var values = new List<double>();
        var number = 0;
        foreach (var line in Lines(text))
        {
            number++;
            if (line.Contains('\0'))
            {
                refusal = $"{path}: is not a text file (it holds NUL bytes)";
                return null;
            }
            if (separator is null)
            {
                if (line.All(c => c is ' ' or '\t')) continue;
                separator = ' ';
                var most = 0;
                foreach (var candidate in ",\t;|")
                {
                    var count = line.Count(c => c == candidate);
                    if (count > most) (separator, most) = (candidate, count);
                }
            }
            var fields = Fields(line, separator.Value);
            if (fields.All(f => f.Length == 0)) continue;
            if (columns < 0)
            {
                columns = fields.Count;
                if (!fields.Any(f => double.TryParse(f, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && double.IsFinite(v)))
                {
                    header = fields;
                    continue;
                }
            }
            if (fields.Count != columns)
            {
                refusal = $"{path}:{number}: expected {columns} columns, found {fields.Count}";
                return null;
            }
            for (var j = 0; j < columns; j++)
            {
                if (!double.TryParse(fields[j], NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
                {
                    refusal = $"{path}:{number}:{j + 1}: \"{Shown(fields[j])}\" is not a number";
                    return null;
                }
                if (!double.IsFinite(value))
                {
                    refusal = $"{path}:{number}:{j + 1}: {Shown(fields[j])} is not a finite number";
                    return null;
                }
                values.Add(value);
            }
        }
        if (values.Count == 0)
        {
            refusal = header is null ? $"{path}: the file is empty" : $"{path}: has a header but no data rows";
            return null;
        }
        return ([.. values], columns, header);
    }

    /// <summary>Lines ended by LF, CR LF or CR; a last line without an end is a line, nothing after a final end is.</summary>
    private static IEnumerable<string> Lines(string text)
    {
        var line = new StringBuilder();
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] is '\n' or '\r')
            {
                if (text[i] == '\r' && i + 1 < text.Length && text[i + 1] == '\n') i++;
                yield return line.ToString();
                line.Clear();
            }
            else line.Append(text[i]);
        }
        if (line.Length > 0) yield return line.ToString();
    }

    /// <summary>Fields split at the separator (or runs of spaces, dropping empty ones); a field starting with a quote runs to the closing one.</summary>
    private static List<string> Fields(string line, char separator)
    {
        var fields = new List<string>();
        var i = 0;
        while (true)
        {
            if (separator == ' ')
            {
                while (i < line.Length && line[i] == ' ') i++;
                if (i == line.Length) return fields;
            }
            var field = new StringBuilder();
            if (i < line.Length && line[i] == '"')
            {
                for (i++; i < line.Length; i++)
                {
                    if (line[i] != '"') field.Append(line[i]);
                    else if (i + 1 < line.Length && line[i + 1] == '"') field.Append(line[++i]);
                    else
                    {
                        i++;
                        break;
                    }
                }
            }
            while (i < line.Length && line[i] != separator) field.Append(line[i++]);
            if (separator != ' ' || field.Length > 0) fields.Add(field.ToString());
            if (i == line.Length) return fields;
            i++;
        }
    }

    private static string Shown(string field)
    {
        var text = field.Replace("\r", "\\r").Replace("\n", "\\n").Replace("\t", "\\t").Replace("\0", "\\0");
        return text.Length <= 40 ? text : text[..37] + "...";
    }
}
