namespace Momentum.Runner.Output;

/// <summary>
/// A result that could not be written (a full disk, a folder without write permission, a closed standard output): the
/// message names the file and the system's reason, <c>out/trace/trace.csv: cannot write (No space left on device)</c>.
/// Exit code 4; it is not bad input, which is refused before anything is written (exit 2).
/// </summary>
internal sealed class OutputException(string file, Exception inner) : Exception($"{file}: cannot write ({inner.Message})", inner)
{
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
