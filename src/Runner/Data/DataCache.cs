using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using Momentum.Runner.Cli;
using Momentum.Runner.Output;

namespace Momentum.Runner.Data;

/// <summary>What a cache holds for one data set: its file, and the file's size and SHA-1 when it exists.</summary>
internal sealed record CachedFile(CatalogEntry Entry, string Path, long Bytes, string? Sha1)
{
    public bool Exists => Sha1 is not null;

    /// <summary>The file is there and its SHA-1 is the catalogue's.</summary>
    public bool IsValid => Sha1 == Entry.Sha1;
}

/// <summary>A file that could not be downloaded; the message says why in a few words (<c>HTTP 404 (Not Found)</c>).</summary>
internal sealed class DownloadException(string message) : Exception(message);

/// <summary>
/// The per-user folder of downloaded data sets (<c>$XDG_CACHE_HOME/momentum</c>, else <c>~/.cache/momentum</c>), as d2l's
/// <c>download</c> keeps its files: a file whose SHA-1 is the catalogue's is used as it is; otherwise it is downloaded
/// with <see cref="HttpClient"/>, hashed as it arrives, and renamed into place only when it is complete and its SHA-1 is
/// right, so the cache never holds a partial, wrong or error-page file, and concurrent downloads (the tasks of a job
/// array) each rename a complete copy.
/// </summary>
internal sealed class DataCache(string folder)
{
    /// <summary>How long a download that nobody asked for explicitly (<c>chapter</c>, <c>--data airfoil</c>) may take.</summary>
    public static TimeSpan AutomaticTimeout { get; } = TimeSpan.FromSeconds(10);

    /// <summary>Set to 1 or true, nothing downloads on its own: <c>chapter</c> and <c>--data NAME</c> use the cache only.</summary>
    public const string OfflineVariable = "MOMENTUM_OFFLINE";

    /// <summary>The folder, as a full path.</summary>
    public string Folder { get; } = System.IO.Path.GetFullPath(folder);

    /// <summary>The user's cache: <c>$XDG_CACHE_HOME/momentum</c> (when it is an absolute path, as the XDG rules ask), else <c>~/.cache/momentum</c>.</summary>
    public static DataCache Default()
    {
        if (Environment.GetEnvironmentVariable("XDG_CACHE_HOME") is { Length: > 0 } xdg && System.IO.Path.IsPathFullyQualified(xdg))
            return new DataCache(System.IO.Path.Combine(xdg, "momentum"));
        var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        return home.Length > 0
            ? new DataCache(System.IO.Path.Combine(home, ".cache", "momentum"))
            : throw new UsageException("no cache folder for the data sets: neither XDG_CACHE_HOME nor HOME is set");
    }

    /// <summary>
    /// The file that <c>--data <paramref name="value"/></c> names when the value is a catalogue name (the cached copy,
    /// downloaded when missing, as <see cref="ProvideAsync"/> does); null when it is not a name but a path.
    /// </summary>
    /// <exception cref="UsageException">The data set is not cached and cannot be downloaded: the message says why and how to get it.</exception>
    public static (CatalogEntry Entry, string Path)? ForData(string value, CancellationToken cancellation)
    {
        if (DatasetCatalog.Find(value) is not { } entry) return null;
        try
        {
            return (entry, Default().ProvideAsync(entry, cancellation).GetAwaiter().GetResult().Path);
        }
        catch (DownloadException e)
        {
            throw new UsageException($"--data {value}: {e.Message}; run `{FetchCommand(entry)}` once online, or give --data FILE");
        }
    }

    /// <summary>Whether <see cref="OfflineVariable"/> turns automatic downloads off.</summary>
    public static bool DownloadsOff =>
        Environment.GetEnvironmentVariable(OfflineVariable)?.Trim().ToLowerInvariant() is "1" or "true";

    /// <summary>The command that puts <paramref name="entry"/> into the cache, for messages.</summary>
    public static string FetchCommand(CatalogEntry entry) => $"momentum data fetch {entry.Name}";

    public string PathOf(CatalogEntry entry) => System.IO.Path.Combine(Folder, entry.FileName);

    /// <summary>What the cache holds for <paramref name="entry"/>, hashing the file when it exists.</summary>
    public CachedFile Inspect(CatalogEntry entry)
    {
        var path = PathOf(entry);
        if (!File.Exists(path)) return new CachedFile(entry, path, 0, null);
        try
        {
            using var stream = File.OpenRead(path);
            var hash = Convert.ToHexStringLower(SHA1.HashData(stream));
            return new CachedFile(entry, path, stream.Length, hash);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UsageException($"{path}: cannot be read ({e.Message})");
        }
    }

    /// <summary>
    /// The file of <paramref name="entry"/> for a run that did not ask for a download: the cached copy when its SHA-1 is
    /// right, else a download within <see cref="AutomaticTimeout"/> unless <see cref="DownloadsOff"/>.
    /// </summary>
    /// <returns>The file, and whether it was downloaded now.</returns>
    /// <exception cref="DownloadException">The file is not cached and could not be downloaded; the message says why, as
    /// a clause (<c>airfoil is not in the cache (…) and …</c>).</exception>
    public async Task<(string Path, bool Downloaded)> ProvideAsync(CatalogEntry entry, CancellationToken cancellation)
    {
        var cached = Inspect(entry);
        if (cached.IsValid) return (cached.Path, false);
        var state = cached.Exists ? $"the cached {cached.Path} has the wrong SHA-1" : $"{entry.Name} is not in the cache ({Folder})";
        if (DownloadsOff) throw new DownloadException($"{state} and downloads are off ({OfflineVariable}={Environment.GetEnvironmentVariable(OfflineVariable)})");
        try
        {
            await FetchAsync(entry, AutomaticTimeout, cancellation);
            return (cached.Path, true);
        }
        catch (DownloadException e)
        {
            throw new DownloadException($"{state} and the download from {entry.Url} failed: {e.Message}");
        }
    }

    /// <summary>
    /// Downloads <paramref name="entry"/> into the cache, replacing what is there. Refused (nothing
    /// is cached): an HTTP error status, an HTML page where the data should be, a body shorter than its Content-Length, a
    /// wrong SHA-1, no answer within <paramref name="timeout"/>, a failed connection.
    /// </summary>
    /// <exception cref="DownloadException">The download was refused; the message says why.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellation"/> was cancelled (the run was interrupted).</exception>
    public async Task FetchAsync(CatalogEntry entry, TimeSpan timeout, CancellationToken cancellation)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        deadline.CancelAfter(timeout);
        using var handler = new SocketsHttpHandler { ConnectTimeout = timeout };
        using var client = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
        client.DefaultRequestHeaders.UserAgent.ParseAdd("momentum");
        try
        {
            using var response = await client.GetAsync(entry.Url, HttpCompletionOption.ResponseHeadersRead, deadline.Token);
            var html = response.Content.Headers.ContentType?.MediaType is "text/html" or "application/xhtml+xml";
            if (!response.IsSuccessStatusCode)
                throw new DownloadException($"HTTP {(int)response.StatusCode}{(response.ReasonPhrase is { Length: > 0 } reason ? $" ({reason})" : "")}{(html ? ", an HTML page" : "")}");
            if (html) throw new DownloadException(HtmlPage);
            var expected = response.Content.Headers.ContentLength;
            long received = 0;
            try
            {
                Directory.CreateDirectory(Folder);
                await AtomicFile.WriteAsync(PathOf(entry), async file =>
                {
                    using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA1);
                    await using var body = await response.Content.ReadAsStreamAsync(deadline.Token);
                    var buffer = new byte[1 << 16];
                    while (await ReadAsync(body, buffer, received, expected, deadline.Token) is var read and > 0)
                    {
                        if (received == 0 && LooksLikeHtml(buffer.AsSpan(0, read)))
                            throw new DownloadException(HtmlPage);
                        hash.AppendData(buffer, 0, read);
                        await file.WriteAsync(buffer.AsMemory(0, read), deadline.Token);
                        received += read;
                    }
                    if (expected is { } length && received != length)
                        throw new DownloadException(Truncated(received, expected));
                    var sha1 = Convert.ToHexStringLower(hash.GetHashAndReset());
                    if (sha1 != entry.Sha1)
                        throw new DownloadException($"its SHA-1 is {sha1}, not {entry.Sha1}: not the file the catalogue names");
                });
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new DownloadException($"cannot write into {Folder} ({OneLine(e.Message)})");
            }
        }
        catch (OperationCanceledException) when (!cancellation.IsCancellationRequested)
        {
            throw new DownloadException($"no complete answer within {timeout.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s");
        }
        catch (HttpRequestException e)
        {
            throw new DownloadException(e.StatusCode is HttpStatusCode status ? $"HTTP {(int)status}" : OneLine(e.Message));
        }
    }

    private const string HtmlPage = "the server sent an HTML page, not the data (a proxy's or a login page?)";

    // A connection that breaks before the body's end is a truncated download, not a failure of the cache's disk.
    private static async Task<int> ReadAsync(Stream body, byte[] buffer, long received, long? expected, CancellationToken cancellation)
    {
        try
        {
            return await body.ReadAsync(buffer, cancellation);
        }
        catch (IOException)
        {
            cancellation.ThrowIfCancellationRequested();
            throw new DownloadException(Truncated(received, expected));
        }
    }

    private static string Truncated(long received, long? expected) =>
        expected is { } length
            ? $"the download ended after {received} of {length} bytes"
            : $"the connection broke after {received} bytes";

    // An error page served with a success status and a wrong Content-Type still starts like a page.
    private static bool LooksLikeHtml(ReadOnlySpan<byte> head)
    {
        var text = System.Text.Encoding.ASCII.GetString(head[..Math.Min(head.Length, 256)]).TrimStart();
        return text.StartsWith("<!doctype html", StringComparison.OrdinalIgnoreCase) || text.StartsWith("<html", StringComparison.OrdinalIgnoreCase);
    }

    private static string OneLine(string message) => message.ReplaceLineEndings(" ").Trim();
}
