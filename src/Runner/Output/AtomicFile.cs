using System.Globalization;
using System.Text.RegularExpressions;

namespace Momentum.Runner.Output;

/// <summary>
/// Writes a file so that, whatever moment the process is killed, the file is either absent, its previous complete
/// version, or the new complete version: the bytes go to a temporary name in the same folder
/// (<c>.NAME.&lt;pid&gt;.&lt;guid&gt;.tmp</c>) and the temporary file is renamed over the target (rename within a file
/// system is atomic on POSIX and NTFS). The data is handed to the operating system before the rename but not forced to
/// the disk (no fsync): that protects against a killed process, which is what checkpoints are for, without a disk flush
/// per checkpoint; a power cut may still lose the newest files.
/// </summary>
/// <remarks>
/// A file may be written in one go (<see cref="Write"/>) or begun, filled as a stream and renamed later
/// (<see cref="Begin"/>): long outputs go to disk row by row, and a verb's files are renamed into place together at its
/// end, so that a failure part way (a full disk) leaves the folder as it was rather than a half set.
/// A killed writer leaves its temporary file behind; <see cref="RemoveStale"/> deletes those of processes that are gone.
/// </remarks>
internal static partial class AtomicFile
{
    /// <summary>Writes <paramref name="path"/> atomically with <paramref name="write"/>.</summary>
    public static void Write(string path, Action<Stream> write)
    {
        using var pending = Begin(path);
        write(pending.Stream);
        pending.Commit();
    }

    /// <summary>As <see cref="Write"/>, for a writer that awaits (a download); a writer that throws leaves no file behind.</summary>
    public static async Task WriteAsync(string path, Func<Stream, Task> write)
    {
        using var pending = Begin(path);
        await write(pending.Stream);
        pending.Commit();
    }

    /// <summary>Starts writing <paramref name="path"/> under a temporary name; nothing is visible until <see cref="Pending.Commit"/>.</summary>
    public static Pending Begin(string path) => new(path);

    /// <summary>
    /// A file being written under its temporary name: <see cref="Close"/> finishes the bytes, <see cref="Commit"/> renames
    /// it into place, and disposing it before the commit deletes the temporary file.
    /// </summary>
    internal sealed class Pending : IDisposable
    {
        private Stream? stream;

        public Pending(string path)
        {
            Path = System.IO.Path.GetFullPath(path);
            Temporary = System.IO.Path.Combine(System.IO.Path.GetDirectoryName(Path)!, TemporaryName(System.IO.Path.GetFileName(Path)));
            stream = Disk.Create(Temporary);
        }

        /// <summary>The target.</summary>
        public string Path { get; }

        /// <summary>The temporary file the bytes go to.</summary>
        public string Temporary { get; }

        public bool Committed { get; private set; }

        public Stream Stream => stream ?? throw new InvalidOperationException($"{Path} is already closed.");

        /// <summary>Flushes and closes the temporary file; write errors (a full disk) surface here at the latest.</summary>
        public void Close()
        {
            if (stream is null) return;
            var s = stream;
            stream = null;
            try
            {
                s.Flush();
            }
            finally
            {
                s.Dispose();
            }
        }

        /// <summary>Closes the temporary file and renames it over the target.</summary>
        public void Commit()
        {
            Close();
            File.Move(Temporary, Path, overwrite: true);
            Committed = true;
        }

        public void Dispose()
        {
            if (Committed) return;
            try
            {
                stream?.Dispose();
            }
            catch (IOException)
            {
                // The temporary file is deleted below whatever its last flush did.
            }
            stream = null;
            try
            {
                File.Delete(Temporary);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Left for RemoveStale: this process will not be alive when the next run looks.
            }
        }
    }

    /// <summary><c>.NAME.&lt;pid&gt;.&lt;guid&gt;.tmp</c>: hidden, and naming the process that writes it.</summary>
    public static string TemporaryName(string file) =>
        $".{file}.{Environment.ProcessId.ToString(CultureInfo.InvariantCulture)}.{Guid.NewGuid():N}.tmp";

    /// <summary>
    /// Deletes the temporary files in <paramref name="folder"/> left by writers that are no longer running (a kill leaves
    /// them); those of a live process are kept, since it may still rename them.
    /// </summary>
    /// <returns>The files deleted.</returns>
    public static IReadOnlyList<string> RemoveStale(string folder)
    {
        var removed = new List<string>();
        if (!Directory.Exists(folder)) return removed;
        foreach (var file in Directory.EnumerateFiles(folder, ".*.tmp"))
        {
            var match = TemporaryPattern().Match(System.IO.Path.GetFileName(file));
            if (!match.Success || !int.TryParse(match.Groups[1].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var pid)) continue;
            if (pid == Environment.ProcessId || IsRunning(pid)) continue;
            try
            {
                File.Delete(file);
                removed.Add(file);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Another process removed it first, or it is not ours to remove.
            }
        }
        return removed;
    }

    private static bool IsRunning(int pid)
    {
        try
        {
            using var process = System.Diagnostics.Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false; // no such process
        }
        catch (InvalidOperationException)
        {
            return false;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return true; // a process we may not inspect is alive
        }
    }

    [GeneratedRegex(@"^\..+\.(\d+)\.[0-9a-f]{32}\.tmp$")]
    private static partial Regex TemporaryPattern();
}
