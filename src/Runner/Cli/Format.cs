using System.Globalization;
using Momentum.Optimizers;

namespace Momentum.Runner.Cli;

/// <summary>Numbers as people read them in printed lines (CSV files keep every digit).</summary>
internal static class Format
{
    /// <summary>
    /// What an argument exception says, without the " (Parameter 'name')" that .NET appends for its parameter name: the
    /// reason Core gives, to be put in the shell's own words.
    /// </summary>
    public static string Reason(ArgumentException e)
    {
        var suffix = e.ParamName is null ? null : $" (Parameter '{e.ParamName}')";
        var message = e.Message.Split('\n')[0];
        return suffix is not null && message.EndsWith(suffix, StringComparison.Ordinal) ? message[..^suffix.Length] : message;
    }

    /// <summary>Up to <paramref name="digits"/> significant digits, exponents as 1e-6 rather than 1E-06.</summary>
    public static string G(double value, int digits = 4) => Exponent(value.ToString("G" + digits, CultureInfo.InvariantCulture));

    // 1E-06 → 1e-6.
    private static string Exponent(string text)
    {
        var e = text.IndexOf('E');
        if (e < 0) return text;
        var exponent = int.Parse(text.AsSpan(e + 1), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
        return text[..e] + "e" + exponent.ToString(CultureInfo.InvariantCulture);
    }

    public static string F(double value, int decimals) => value.ToString("F" + decimals, CultureInfo.InvariantCulture);

    /// <summary>At least one decimal: 2 → "2.0", 2.4 → "2.4", 0.123456 → "0.1235".</summary>
    public static string Decimal(double value) =>
        Math.Abs(value - Math.Round(value)) < 1e-12 && Math.Abs(value) < 1e15 ? F(value, 1) : G(value);

    /// <summary>
    /// The shortest text that reads back to the same double, 0.6 → "0.6", 0.99999999999 → "0.99999999999": for a value
    /// the user gave, printed as given, and for an option in a command line the program suggests.
    /// </summary>
    public static string Exact(double value) => Exponent(TransformationJson.ExactText(value));

    /// <summary>A list for folder names and labels: 0.6 → "0.6".</summary>
    public static string List(IEnumerable<double> values) => string.Join(",", values.Select(Exact));
}
