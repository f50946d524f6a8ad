namespace Momentum.Runner.Cli;

/// <summary>
/// The small files the program reads whole (run configs, appsettings.json, checkpoints, sweep manifests), refused as data
/// files are: a folder, a missing file, a file holding NUL bytes, and one larger than its bound (<see cref="Limits"/>) are
/// usage errors naming the file. Reading stops at the bound, so <c>/dev/zero</c> or a huge sparse file costs nothing.
/// </summary>
internal static class InputFile
{
    /// <summary>Reads <paramref name="path"/>, at most <paramref name="maxBytes"/> bytes of it.</summary>
    /// <param name="path">The file.</param>
    /// <param name="maxBytes">The bound.</param>
    /// <param name="what">What the file is, for the message: "a run config".</param>
    public static byte[] Read(string path, long maxBytes, string what)
    {
        if (Directory.Exists(path)) throw new UsageException($"{path}: is a folder, not {what}");
        if (!File.Exists(path)) throw new UsageException($"{path}: no such file");
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1 << 16);
            using var bytes = new MemoryStream();
            var buffer = new byte[1 << 16];
            int read;
            while ((read = stream.Read(buffer, 0, buffer.Length)) > 0)
            {
                if (buffer.AsSpan(0, read).Contains((byte)0)) throw new UsageException($"{path}: is not a text file (it holds NUL bytes)");
                if (bytes.Length + read > maxBytes)
                    throw new UsageException($"{path}: is larger than {Limits.Bytes(maxBytes)}, the most {what} may be");
                bytes.Write(buffer, 0, read);
            }
            return bytes.ToArray();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UsageException($"{path}: cannot be read ({e.Message})");
        }
    }
}
