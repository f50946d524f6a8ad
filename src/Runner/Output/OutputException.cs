namespace Momentum.Runner.Output;

/// <summary>
/// A result that could not be written (a full disk, a folder without write permission, a closed standard output): the
/// message names the file and the system's reason, <c>out/trace/trace.csv: cannot write (No space left on device)</c>.
/// Exit code 4; it is not bad input, which is refused before anything is written (exit 2).
/// </summary>
internal sealed partial class OutputException(string file, Exception inner) : Exception($"{file}: cannot write ({Reason(inner)})", inner)
{
    // The system's reason without the path .NET appends to it ("No space left on device : '/x/.trace.csv.1.….tmp'"):
    // the message names the file itself, and not by its temporary name.
    private static string Reason(Exception e) => PathSuffix().Replace(e.Message.ReplaceLineEndings(" ").Trim(), "");

    [System.Text.RegularExpressions.GeneratedRegex(@"\s*:\s*'[^']*'\s*\.?$")]
    private static partial System.Text.RegularExpressions.Regex PathSuffix();

    /// <summary>The file (or stream) that could not be written.</summary>
    public string File { get; } = file;

    /// <summary>Runs <paramref name="write"/>, turning the file system's failures into an <see cref="OutputException"/> naming <paramref name="file"/>.</summary>
    public static T Guard<T>(string file, Func<T> write)
    {
        try
        {
            return write();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new OutputException(file, e);
        }
    }

    /// <inheritdoc cref="Guard{T}(string, Func{T})"/>
    public static void Guard(string file, Action write) =>
        Guard(file, () =>
        {
            write();
            return 0;
        });
}
