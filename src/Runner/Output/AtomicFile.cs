namespace Momentum.Runner.Output;

/// <summary>
/// Writes a file so that, whatever moment the process is killed, the file is either absent, its previous complete
/// version, or the new complete version: the bytes go to a temporary name in the same folder and the temporary file is
/// renamed over the target (rename within a file system is atomic on POSIX and NTFS). The data is handed to the
/// operating system before the rename but not forced to the disk (no fsync): that protects against a killed process,
/// which is what checkpoints are for, without a disk flush per checkpoint; a power cut may still lose the newest files.
/// </summary>
internal static class AtomicFile
{
    public static void Write(string path, Action<Stream> write)
    {
        var temporary = TemporaryName(path);
        try
        {
            using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            {
                write(stream);
                stream.Flush();
            }
            File.Move(temporary, path, overwrite: true);
        }
        catch
        {
            File.Delete(temporary);
            throw;
        }
    }

    /// <summary>As <see cref="Write"/>, for a writer that awaits (a download); a writer that throws leaves no file behind.</summary>
    public static async Task WriteAsync(string path, Func<Stream, Task> write)
    {
        var temporary = TemporaryName(path);
        try
        {
            await using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true))
            {
                await write(stream);
                await stream.FlushAsync();
            }
            File.Move(temporary, path, overwrite: true);
        }
        catch
        {
            File.Delete(temporary);
            throw;
        }
    }

    // In the target's folder (a rename across file systems is not atomic), hidden, unique to this process and call.
    private static string TemporaryName(string path)
    {
        var folder = Path.GetDirectoryName(Path.GetFullPath(path))!;
        return Path.Combine(folder, $".{Path.GetFileName(path)}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
    }
}
