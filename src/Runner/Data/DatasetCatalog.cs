using System.Text.RegularExpressions;
using Momentum.Runner.Cli;

namespace Momentum.Runner.Data;

/// <summary>
/// A data set that <c>momentum</c> can download by name, as d2l's <c>DATA_HUB</c> records it: where the file is, its
/// SHA-1, and which of its rows the book trains on.
/// </summary>
/// <param name="Name">The name on the command line: <c>--data airfoil</c>, <c>momentum data fetch airfoil</c>.</param>
/// <param name="Url">Where d2l downloads the file from.</param>
/// <param name="Sha1">d2l's published SHA-1 of the file, lower-case hexadecimal.</param>
/// <param name="FileName">The file's name in the cache (d2l's: the address's last segment).</param>
/// <param name="Reference">Where the book defines the data set and how it reads it.</param>
/// <param name="RowsKept">The book trains on the first this many rows.</param>
/// <param name="Summary">What the data is, in one line.</param>
internal sealed record CatalogEntry(string Name, Uri Url, string Sha1, string FileName, string Reference, int RowsKept, string Summary)
{
    /// <summary>The rows the book keeps of a file with <paramref name="available"/> rows: the first <see cref="RowsKept"/>, or all of a smaller file.</summary>
    public int RowsOf(int available) => Math.Min(RowsKept, available);
}

/// <summary>
/// The data sets <c>momentum</c> knows by name. Each entry can be redirected by the environment, for a mirror or for the
/// tests' loopback server: <c>MOMENTUM_DATASET_&lt;NAME&gt;_URL</c> replaces the address and
/// <c>MOMENTUM_DATASET_&lt;NAME&gt;_SHA1</c> the expected hash (the tests serve files of their own).
/// </summary>
internal static partial class DatasetCatalog
{
    /// <summary>
    /// The NASA airfoil self-noise data, as d2l's <c>get_data_ch11</c> reads it (d2l §11.5, "Minibatch Stochastic Gradient
    /// Descent"): <c>DATA_HUB['airfoil'] = (DATA_URL + 'airfoil_self_noise.dat', '76e5be15…')</c> with
    /// <c>DATA_URL = 'http://d2l-data.s3-accelerate.amazonaws.com/'</c>, tab-separated, every column standardised, the
    /// first n = 1500 of its 1503 rows kept.
    /// </summary>
    public static CatalogEntry Airfoil { get; } = new(
        "airfoil",
        new Uri("http://d2l-data.s3-accelerate.amazonaws.com/airfoil_self_noise.dat"),
        "76e5be1548fd8222e5074cf0faae75edff8cf93f",
        "airfoil_self_noise.dat",
        "d2l §11.5 get_data_ch11: DATA_HUB['airfoil'], the first 1500 rows",
        1500,
        "NASA airfoil self-noise: 1503 rows of frequency, angle, chord, velocity, thickness and sound pressure (the target)");

    /// <summary>Every entry, in the order <c>momentum data list</c> shows them.</summary>
    public static IReadOnlyList<CatalogEntry> Entries { get; } = [Airfoil];

    /// <summary>The names, for messages: <c>airfoil</c>.</summary>
    public static string Names => string.Join(", ", Entries.Select(e => e.Name));

    /// <summary>
    /// The entry called <paramref name="name"/> (exactly; a file that happens to be called so is written <c>./airfoil</c>),
    /// with the environment's redirections applied; null for any other text.
    /// </summary>
    public static CatalogEntry? Find(string name) =>
        Entries.FirstOrDefault(e => e.Name == name) is { } entry ? Redirected(entry) : null;

    private static CatalogEntry Redirected(CatalogEntry entry)
    {
        var prefix = $"MOMENTUM_DATASET_{entry.Name.ToUpperInvariant()}_";
        if (Environment.GetEnvironmentVariable(prefix + "URL") is { Length: > 0 } url)
            entry = entry with
            {
                Url = Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"
                    ? uri
                    : throw new UsageException($"{prefix}URL {url}: must be an http or https address"),
            };
        if (Environment.GetEnvironmentVariable(prefix + "SHA1") is { Length: > 0 } sha1)
            entry = entry with
            {
                Sha1 = Sha1Pattern().IsMatch(sha1)
                    ? sha1.ToLowerInvariant()
                    : throw new UsageException($"{prefix}SHA1 {sha1}: must be 40 hexadecimal digits"),
            };
        return entry;
    }

    [GeneratedRegex("^[0-9a-fA-F]{40}$")]
    private static partial Regex Sha1Pattern();
}
