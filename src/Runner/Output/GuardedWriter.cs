using System.Text;

namespace Momentum.Runner.Output;

/// <summary>
/// Standard output or error as the verbs write to it: a write that fails (<c>&gt; /dev/full</c>, a closed pipe) is
/// remembered rather than thrown, and later writes are dropped, so the verb finishes its files; the program then reports
/// the failure (exit 4 for standard output; nothing can be reported when standard error itself is gone).
/// </summary>
internal sealed class GuardedWriter(TextWriter inner, string name) : TextWriter
{
    private readonly Lock gate = new();

    /// <summary>"standard output" or "standard error", for the message.</summary>
    public string Name { get; } = name;

    /// <summary>The first failure, or null.</summary>
    public Exception? Failure { get; private set; }

    public override Encoding Encoding => inner.Encoding;

    public override IFormatProvider FormatProvider => inner.FormatProvider;

    public override string NewLine
    {
        get => inner.NewLine;
#pragma warning disable CS8765 // the base property allows null
        set => inner.NewLine = value;
#pragma warning restore CS8765
    }

    public override void Write(char value) => Guard(() => inner.Write(value));

    public override void Write(char[] buffer, int index, int count) => Guard(() => inner.Write(buffer, index, count));

    public override void Write(ReadOnlySpan<char> buffer)
    {
        var copy = buffer.ToString();
        Guard(() => inner.Write(copy));
    }

    public override void Write(string? value) => Guard(() => inner.Write(value));

    public override void WriteLine(string? value) => Guard(() => inner.WriteLine(value));

    public override void WriteLine() => Guard(inner.WriteLine);

    public override void Flush() => Guard(inner.Flush);

    private void Guard(Action write)
    {
        lock (gate)
        {
            if (Failure is not null) return;
            try
            {
                write();
            }
            catch (Exception e) when (e is IOException or ObjectDisposedException or UnauthorizedAccessException)
            {
                Failure = e;
            }
        }
    }
}
