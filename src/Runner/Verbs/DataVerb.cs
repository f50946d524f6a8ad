using System.Globalization;
using Momentum.Runner.Cli;
using Momentum.Runner.Data;

namespace Momentum.Runner.Verbs;

/// <summary>
/// The data sets <c>momentum</c> knows by name (<see cref="DatasetCatalog"/>) and the per-user cache that holds them:
/// <c>momentum data fetch airfoil</c> downloads d2l's file, checks its SHA-1 and stores it; <c>momentum data list</c>
/// shows what is cached, where, and whether each file's SHA-1 is right.
/// </summary>
internal sealed class DataVerb : Verb<DataVerb.Settings>
{
    /// <param name="Fetch">fetch (true) or list.</param>
    /// <param name="Entries">The data sets to fetch, or every one to list.</param>
    /// <param name="Cache">The cache folder.</param>
    /// <param name="Timeout">How long one download may take.</param>
    public sealed record Settings(bool Fetch, IReadOnlyList<CatalogEntry> Entries, DataCache Cache, TimeSpan Timeout);

    public override string Name => "data";
    public override string Description =>
        "The data sets known by name (airfoil: d2l's airfoil_self_noise.dat): `data fetch NAME` downloads one into the cache and checks its SHA-1; `data list` shows what is cached, where, and whether each hash is right.";
    public override string Example => "momentum data fetch airfoil";
    public override IReadOnlyList<OptionSpec> Options { get; } =
    [
        OptionSpec.Arguments("command", "fetch NAME… (download into the cache, checking the SHA-1) or list."),
        new("--cache", "The cache folder (default: $XDG_CACHE_HOME/momentum, else ~/.cache/momentum).", null),
        new("--timeout", "Seconds a download may take, connection included.", "60"),
    ];

    protected override Settings Read(SettingsReader r)
    {
        var words = r.List("command");
        if (words.Count == 0)
            throw new UsageException("data: say what to do: momentum data fetch NAME, or momentum data list");
        var timeout = TimeSpan.FromSeconds(r.Double("--timeout", v => v is > 0 and <= 86_400 ? null : "must be in (0, 86400] seconds"));
        var cache = r.OptionalText("--cache") is { } folder ? new DataCache(folder) : DataCache.Default();
        switch (words[0])
        {
            case "list":
                if (words.Count > 1) throw new UsageException($"data list: takes no names, found {string.Join(" ", words.Skip(1))}");
                return new(false, DatasetCatalog.Entries.Select(e => DatasetCatalog.Find(e.Name)!).ToList(), cache, timeout);
            case "fetch":
                if (words.Count == 1) throw new UsageException($"data fetch: name the data set to fetch ({DatasetCatalog.Names})");
                var entries = words.Skip(1).Distinct().Select(name => DatasetCatalog.Find(name)
                    ?? throw new UsageException($"data fetch {name}: not a data set momentum knows ({DatasetCatalog.Names})")).ToList();
                return new(true, entries, cache, timeout);
            default:
                throw new UsageException($"data {words[0]}: must be fetch or list");
        }
    }

    protected override async Task<int> RunAsync(Settings settings, VerbContext context)
    {
        var cache = settings.Cache;
        if (!settings.Fetch)
        {
            context.Print($"cache: {cache.Folder}");
            foreach (var entry in settings.Entries) context.Print($"{entry.Name}: {State(cache.Inspect(entry))}");
            return App.Success;
        }

        foreach (var entry in settings.Entries)
        {
            var cached = cache.Inspect(entry);
            if (cached.IsValid)
            {
                context.Print($"{entry.Name}: already cached: {State(cached)}");
                continue;
            }
            try
            {
                await cache.FetchAsync(entry, settings.Timeout, context.Cancellation);
            }
            catch (DownloadException e)
            {
                throw new UsageException($"{entry.Name}: {entry.Url}: {e.Message}; nothing was cached");
            }
            context.Print($"{entry.Name}: downloaded {entry.Url} into {State(cache.Inspect(entry))}");
        }
        return App.Success;
    }

    /// <summary><c>PATH (59984 bytes, SHA-1 ok)</c>, or what is wrong and how to mend it.</summary>
    private static string State(CachedFile file)
    {
        var fetch = DataCache.FetchCommand(file.Entry);
        var bytes = file.Bytes.ToString(CultureInfo.InvariantCulture);
        return file switch
        {
            { Exists: false } => $"not cached; `{fetch}` downloads it from {file.Entry.Url} ({file.Entry.Reference})",
            { IsValid: true } => $"{file.Path} ({bytes} bytes, SHA-1 ok)",
            _ => $"{file.Path} ({bytes} bytes, SHA-1 {file.Sha1} is wrong, expected {file.Entry.Sha1}); `{fetch}` downloads it again",
        };
    }
}
