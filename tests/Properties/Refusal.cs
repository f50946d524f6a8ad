using System.Globalization;

namespace Momentum.Properties;

/// <summary>The one check behind every refusal table: the call throws the kind of exception expected, with exactly this text.</summary>
internal static class Refusal
{
    /// <summary>
    /// <paramref name="call"/> throws an exception <paramref name="accepted"/> takes (by default an <see cref="ArgumentException"/>)
    /// whose message is exactly <paramref name="message"/>; <paramref name="what"/> names the row in a failure. The call is
    /// made twice, the second time in a culture that writes 1.5 as "1,5", −1 as "~1" and ∞ as "∞": Core's texts are the same whatever
    /// the caller's culture (the library is used from applications that do not run invariant, as this repository's do).
    /// </summary>
    public static void Says(string what, Action call, string message, Func<Exception, bool>? accepted = null)
    {
        foreach (var culture in new[] { CultureInfo.CurrentCulture, Comma })
        {
            var saved = CultureInfo.CurrentCulture;
            CultureInfo.CurrentCulture = culture;
            Exception? e;
            try
            {
                e = Record.Exception(call);
            }
            finally
            {
                CultureInfo.CurrentCulture = saved;
            }
            Assert.True(e is not null && (accepted ?? (x => x is ArgumentException))(e), $"{what}: {e?.GetType().Name ?? "nothing thrown"}");
            Assert.True(message == e!.Message, $"{what} (culture {(ReferenceEquals(culture, Comma) ? "with a decimal comma" : culture.Name)}): {e.Message}");
        }
    }

    /// <summary>
    /// As <see cref="Says"/>, in the tests' own (invariant) culture only: for the refusals of a negative count by the
    /// runtime's <see cref="ArgumentOutOfRangeException.ThrowIfNegative{T}(T, string?)"/> family, whose text writes the
    /// value in the caller's culture ("'~1'" with the culture of <see cref="Says"/>). Core keeps those helpers rather than
    /// writing their text again.
    /// </summary>
    public static void SaysInvariant(string what, Action call, string message)
    {
        var e = Record.Exception(call);
        Assert.True(e is ArgumentOutOfRangeException, $"{what}: {e?.GetType().Name ?? "nothing thrown"}");
        Assert.True(message == e!.Message, $"{what}: {e.Message}");
    }

    /// <summary>The invariant culture with a decimal comma, a space between thousands, "~" for minus and "∞" for infinity (made by hand: the tests run invariant).</summary>
    private static readonly CultureInfo Comma = MakeComma();

    private static CultureInfo MakeComma()
    {
        var culture = (CultureInfo)CultureInfo.InvariantCulture.Clone();
        culture.NumberFormat.NumberDecimalSeparator = ",";
        culture.NumberFormat.NumberGroupSeparator = " ";
        culture.NumberFormat.NegativeSign = "~";
        culture.NumberFormat.PositiveInfinitySymbol = "∞";
        culture.NumberFormat.NegativeInfinitySymbol = "~∞";
        return culture;
    }
}
