namespace Momentum.Runner.Output;

/// <summary>
/// A verb's output folder, created on the first write so that a run refused at its arguments leaves nothing behind.
/// Every file is written atomically (<see cref="AtomicFile"/>).
/// </summary>
internal sealed class OutputFolder(string path)
{
    private readonly List<string> written = [];

    /// <summary>The folder, as given.</summary>
    public string Path { get; } = path;

    /// <summary>Files written so far, in order.</summary>
    public IReadOnlyList<string> Written => written;

    /// <summary>The full name of <paramref name="file"/> in this folder.</summary>
    public string PathOf(string file) => System.IO.Path.Combine(Path, file);

    /// <summary>Writes <paramref name="file"/> atomically with <paramref name="write"/>, creating the folder first.</summary>
    public string Write(string file, Action<Stream> write)
    {
        Directory.CreateDirectory(Path);
        var path = PathOf(file);
        AtomicFile.Write(path, write);
        written.Add(path);
        return path;
    }

    /// <summary>Writes text atomically (UTF-8, no byte-order mark).</summary>
    public string WriteText(string file, string text) =>
        Write(file, stream =>
        {
            using var writer = new StreamWriter(stream, new System.Text.UTF8Encoding(false), leaveOpen: true);
            writer.Write(text);
        });

    /// <summary>Writes bytes atomically.</summary>
    public string WriteBytes(string file, byte[] bytes) => Write(file, stream => stream.Write(bytes));
}
