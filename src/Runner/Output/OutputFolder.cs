namespace Momentum.Runner.Output;

/// <summary>
/// A verb's output folder, created on the first write so that a run refused at its arguments leaves nothing behind.
/// Every file is written atomically (<see cref="AtomicFile"/>). A verb's results are staged: each is written in full under
/// its temporary name as the verb goes, and <see cref="Commit"/> renames them all into place, in the order they were
/// written, once the verb has finished; a verb that fails part way (a full disk, an interruption) leaves the folder as
/// it found it (<see cref="Discard"/>). Files that must be on disk while the verb runs (checkpoints, a sweep's manifest
/// and finished rows) are written at once (<see cref="WriteNow"/>, <see cref="Append"/>). File-system failures are
/// <see cref="OutputException"/>s naming the file.
/// </summary>
internal sealed class OutputFolder(string path)
{
    private readonly List<string> written = [];
    private readonly List<AtomicFile.Pending> staged = [];
    private readonly Lock gate = new();
    private bool created;

    /// <summary>The folder, as given.</summary>
    public string Path { get; } = path;

    /// <summary>Files written (and, for staged ones, committed) so far, in order.</summary>
    public IReadOnlyList<string> Written
    {
        get
        {
            lock (gate) return [.. written];
        }
    }

    /// <summary>The full name of <paramref name="file"/> in this folder.</summary>
    public string PathOf(string file) => System.IO.Path.Combine(Path, file);

    /// <summary>
    /// Refuses, before anything is written, an output folder that cannot be one: an existing file, a symbolic link to
    /// nothing, or a path through a file. Other problems (permissions, a full disk) show when writing (exit 4).
    /// </summary>
    /// <param name="path">The folder.</param>
    /// <param name="option">The option that named it, for the message.</param>
    public static OutputFolder Check(string path, string option = "--out")
    {
        if (new FileInfo(path).LinkTarget is { } link)
        {
            // Where the chain of links ends: a folder, a file, or nothing.
            var target = File.ResolveLinkTarget(path, returnFinalTarget: true)?.FullName;
            if (target is not null && Directory.Exists(target)) return new OutputFolder(path);
            if (target is not null && File.Exists(target))
                throw new Cli.UsageException($"{option} {path}: is a symbolic link to the file {link}, not to a folder");
            throw new Cli.UsageException($"{option} {path}: is a symbolic link to {link}, which does not exist");
        }
        if (File.Exists(path)) throw new Cli.UsageException($"{option} {path}: is a file, not a folder");
        for (var parent = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path)); parent is not null; parent = System.IO.Path.GetDirectoryName(parent))
        {
            if (Directory.Exists(parent)) break;
            if (File.Exists(parent)) throw new Cli.UsageException($"{option} {path}: {parent} is a file, not a folder");
        }
        return new OutputFolder(path);
    }

    /// <summary>Writes <paramref name="file"/> in full now under its temporary name; it is renamed into place by <see cref="Commit"/>.</summary>
    public string Write(string file, Action<Stream> write)
    {
        var entry = Begin(file);
        try
        {
            OutputException.Guard(PathOf(file), () => write(entry.Stream));
            entry.Finish();
        }
        catch
        {
            entry.Dispose();
            throw;
        }
        return PathOf(file);
    }

    /// <summary>Writes text (UTF-8, no byte-order mark), staged like <see cref="Write"/>.</summary>
    public string WriteText(string file, string text) =>
        Write(file, stream =>
        {
            using var writer = new StreamWriter(stream, new System.Text.UTF8Encoding(false), leaveOpen: true);
            writer.Write(text);
        });

    /// <summary>Writes bytes, staged like <see cref="Write"/>.</summary>
    public string WriteBytes(string file, byte[] bytes) => Write(file, stream => stream.Write(bytes));

    /// <summary>
    /// Starts a staged file to be filled as a stream (long outputs row by row); <see cref="Entry.Finish"/> stages it, and
    /// disposing it unfinished deletes it.
    /// </summary>
    public Entry Begin(string file)
    {
        Prepare();
        var full = PathOf(file);
        return new Entry(this, full, OutputException.Guard(full, () => AtomicFile.Begin(full)));
    }

    /// <summary>Writes <paramref name="file"/> atomically now, not at the commit: what must survive a kill while the verb runs.</summary>
    public string WriteNow(string file, Action<Stream> write)
    {
        Prepare();
        var full = PathOf(file);
        OutputException.Guard(full, () => AtomicFile.Write(full, write));
        Record(full);
        return full;
    }

    /// <summary>Appends to <paramref name="file"/> now (it must exist); not atomic, so the reader must detect a torn end.</summary>
    public void Append(string file, Action<Stream> write)
    {
        Prepare();
        var full = PathOf(file);
        OutputException.Guard(full, () =>
        {
            using var stream = Disk.Append(full);
            write(stream);
            stream.Flush();
        });
    }

    /// <summary>Renames every staged file into place, in the order they were written.</summary>
    public void Commit()
    {
        List<AtomicFile.Pending> files;
        lock (gate)
        {
            files = [.. staged];
            staged.Clear();
        }
        try
        {
            foreach (var file in files)
            {
                OutputException.Guard(file.Path, file.Commit);
                Record(file.Path);
            }
        }
        finally
        {
            foreach (var file in files) file.Dispose();
        }
    }

    /// <summary>Deletes the staged files: the folder keeps what it held before the verb (and what it wrote at once).</summary>
    public void Discard()
    {
        List<AtomicFile.Pending> files;
        lock (gate)
        {
            files = [.. staged];
            staged.Clear();
        }
        foreach (var file in files) file.Dispose();
    }

    // The folder is made on the first write, and the temporary files of killed writers are cleared then.
    private void Prepare()
    {
        lock (gate)
        {
            if (created) return;
            OutputException.Guard(Path, () => Directory.CreateDirectory(Path));
            AtomicFile.RemoveStale(Path);
            created = true;
        }
    }

    private void Record(string file)
    {
        lock (gate)
        {
            written.Remove(file);
            written.Add(file);
        }
    }

    private void Stage(AtomicFile.Pending file)
    {
        lock (gate)
        {
            // A file staged again replaces its earlier version.
            var earlier = staged.FindIndex(p => p.Path == file.Path);
            if (earlier >= 0)
            {
                staged[earlier].Dispose();
                staged.RemoveAt(earlier);
            }
            staged.Add(file);
        }
    }

    /// <summary>A staged file being filled.</summary>
    internal sealed class Entry(OutputFolder folder, string path, AtomicFile.Pending file) : IDisposable
    {
        private bool finished;

        /// <summary>The file's full name in the folder.</summary>
        public string Path { get; } = path;

        public Stream Stream => file.Stream;

        /// <summary>Closes the file and stages it for the commit.</summary>
        public void Finish()
        {
            OutputException.Guard(Path, file.Close);
            folder.Stage(file);
            finished = true;
        }

        public void Dispose()
        {
            if (!finished) file.Dispose();
        }
    }
}
