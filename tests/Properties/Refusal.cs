namespace Momentum.Properties;

/// <summary>The one check behind every refusal table: the call throws the kind of exception expected, with exactly this text.</summary>
internal static class Refusal
{
    /// <summary>
    /// <paramref name="call"/> throws an exception <paramref name="accepted"/> takes (by default an <see cref="ArgumentException"/>)
    /// whose message is exactly <paramref name="message"/>; <paramref name="what"/> names the row in a failure.
    /// </summary>
    public static void Says(string what, Action call, string message, Func<Exception, bool>? accepted = null)
    {
        var e = Record.Exception(call);
        Assert.True(e is not null && (accepted ?? (x => x is ArgumentException))(e), $"{what}: {e?.GetType().Name ?? "nothing thrown"}");
        Assert.True(message == e!.Message, $"{what}: {e.Message}");
    }
}
