namespace Momentum.Runner.Cli;

/// <summary>
/// What <c>train --resume</c> and <c>sweep --resume</c> check of the options a run saved (in checkpoint.json or
/// sweep.json) before they read them again: only options the verb keeps, and the data file, named by its full path,
/// still there and unchanged. The messages say which: moved or deleted, or changed.
/// </summary>
internal static class Resumption
{
    /// <summary>Refuses a saved option that is not one of <paramref name="kept"/>.</summary>
    /// <param name="file">The file that saved the options.</param>
    /// <param name="saved">The saved options' keys.</param>
    /// <param name="kept">The keys the verb saves.</param>
    /// <param name="what">"a run", "a sweep".</param>
    public static void RequireKept(string file, IEnumerable<string> saved, IEnumerable<string> kept, string what)
    {
        var keys = kept.ToHashSet(StringComparer.Ordinal);
        foreach (var key in saved)
            if (!keys.Contains(key))
                throw new UsageException($"{file}: \"options\".{key} is not an option {what} keeps");
    }

    /// <summary>The saved data file (or data set's name), refused when a file is no longer there; null for synthetic data.</summary>
    /// <param name="folder">The folder being resumed.</param>
    /// <param name="options">The saved options.</param>
    /// <param name="what">"run", "sweep".</param>
    public static string? DataFile(string folder, IReadOnlyDictionary<string, string> options, string what)
    {
        var file = options.GetValueOrDefault("data");
        if (file is not null && Data.DatasetCatalog.Find(file) is null && !File.Exists(file))
            throw new UsageException($"--resume {folder}: the {what}'s data {file} is no longer there (moved or deleted since the {what} started)");
        return file;
    }

    /// <summary>Refuses data whose fingerprint is not the saved one.</summary>
    public static void RequireSameData(string folder, string? file, string description, string fingerprint, string saved, string what)
    {
        if (fingerprint == saved) return;
        throw new UsageException(file is not null
            ? $"--resume {folder}: the data {file} has changed since the {what} started (its contents differ)"
            : $"--resume {folder}: the data ({description}) is not what the {what} started with");
    }

    /// <summary>Reads the saved options again; a refusal says it came from resuming <paramref name="folder"/>.</summary>
    public static T Read<T>(string folder, Func<T> read)
    {
        try
        {
            return read();
        }
        catch (UsageException e)
        {
            throw new UsageException($"--resume {folder}: {e.Message}");
        }
    }
}
