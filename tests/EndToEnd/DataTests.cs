using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Momentum.Runner.Cli;
using Momentum.Runner.Data;

namespace Momentum.EndToEnd;

/// <summary>
/// <c>momentum data</c>, <c>--data airfoil</c> and the chapter's default data, against a loopback server that serves
/// the file (or breaks the download on purpose); the cache is a folder of the test's own. No test reaches beyond the
/// machine. The tests set environment variables, so they run one at a time (<see cref="EnvironmentCollection"/>).
/// </summary>
[Collection(nameof(EnvironmentCollection))]
public sealed class DataTests : IDisposable
{
    private readonly Cli cli = new();

    public void Dispose() => cli.Dispose();

    private string CacheHome => cli.PathOf("xdg");

    private string CacheFolder => Path.Combine(CacheHome, "momentum");

    private string CachedFile => Path.Combine(CacheFolder, "airfoil_self_noise.dat");

    /// <summary>A tab-separated table shaped like the airfoil data (6 columns, CR LF), with no constant column.</summary>
    private static byte[] Table(int rows)
    {
        var text = new StringBuilder();
        for (var i = 0; i < rows; i++)
            text.Append(CultureInfo.InvariantCulture, $"{200 + 10 * i}\t{i % 7}\t{0.1 + (i % 5) * 0.05}\t{31.7 + i % 3}\t{0.001 * (1 + i % 11)}\t{120 + (i * 37 % 17) + 0.01 * i}\r\n");
        return Encoding.ASCII.GetBytes(text.ToString());
    }

    private static string Sha1(byte[] bytes) => Convert.ToHexStringLower(SHA1.HashData(bytes));

    /// <summary>The environment of a test that downloads from <paramref name="url"/>, a file whose SHA-1 is <paramref name="sha1"/>.</summary>
    private EnvironmentScope Serving(string url, string? sha1, bool offline = false) =>
        new(("XDG_CACHE_HOME", CacheHome), ("MOMENTUM_DATASET_AIRFOIL_URL", url), ("MOMENTUM_DATASET_AIRFOIL_SHA1", sha1),
            ("MOMENTUM_OFFLINE", offline ? "1" : null), ("AIRFOIL_DATA", null));

    private string[] FilesInCache() =>
        Directory.Exists(CacheFolder) ? Directory.GetFiles(CacheFolder).Select(f => Path.GetFileName(f)).ToArray() : [];

    [Fact]
    public void Data_fetch_downloads_the_file_checks_its_sha1_and_list_shows_it_cached()
    {
        var body = Table(40);
        using var server = new LoopbackServer(LoopbackServer.Reply.Data(body));
        using var environment = Serving(server.Url, Sha1(body));

        var before = cli.Run("data", "list");
        Assert.Equal(0, before.ExitCode);
        Assert.Equal($"cache: {CacheFolder}", before.Lines[0]);
        Assert.StartsWith("airfoil: not cached; `momentum data fetch airfoil` downloads it from " + server.Url, before.Lines[1]);

        var fetch = cli.Run("data", "fetch", "airfoil");
        Assert.Equal(0, fetch.ExitCode);
        Assert.Equal($"airfoil: downloaded {server.Url} into {CachedFile} ({body.Length} bytes, SHA-1 ok)", fetch.LastLine);
        Assert.Equal(body, File.ReadAllBytes(CachedFile));
        Assert.Equal(["airfoil_self_noise.dat"], FilesInCache());

        Assert.Equal($"airfoil: {CachedFile} ({body.Length} bytes, SHA-1 ok)", cli.Run("data", "list").LastLine);
    }

    [Fact]
    public void Data_fetch_of_a_file_already_cached_with_the_right_sha1_does_not_download_it_again()
    {
        var body = Table(40);
        using var server = new LoopbackServer(LoopbackServer.Reply.Data(body));
        using var environment = Serving(server.Url, Sha1(body));
        Assert.Equal(0, cli.Run("data", "fetch", "airfoil").ExitCode);

        var again = cli.Run("data", "fetch", "airfoil");
        Assert.Equal(0, again.ExitCode);
        Assert.Equal($"airfoil: already cached: {CachedFile} ({body.Length} bytes, SHA-1 ok)", again.LastLine);
        Assert.Equal(1, server.Requests);
    }

    [Fact]
    public void Data_list_names_a_cached_file_whose_sha1_is_wrong_and_fetch_replaces_it()
    {
        var body = Table(40);
        using var server = new LoopbackServer(LoopbackServer.Reply.Data(body));
        using var environment = Serving(server.Url, Sha1(body));
        Directory.CreateDirectory(CacheFolder);
        File.WriteAllText(CachedFile, "1\t2\r\n");

        var list = cli.Run("data", "list");
        Assert.Equal(0, list.ExitCode);
        Assert.Equal($"airfoil: {CachedFile} (5 bytes, SHA-1 {Sha1("1\t2\r\n"u8.ToArray())} is wrong, expected {Sha1(body)}); `momentum data fetch airfoil` downloads it again", list.LastLine);

        Assert.Equal(0, cli.Run("data", "fetch", "airfoil").ExitCode);
        Assert.Equal(body, File.ReadAllBytes(CachedFile));
    }

    [Fact]
    public void Data_fetch_with_cache_stores_the_file_in_that_folder()
    {
        var body = Table(40);
        using var server = new LoopbackServer(LoopbackServer.Reply.Data(body));
        using var environment = Serving(server.Url, Sha1(body));
        var folder = cli.PathOf("elsewhere");

        Assert.Equal(0, cli.Run("data", "fetch", "airfoil", "--cache", folder).ExitCode);
        Assert.Equal(body, File.ReadAllBytes(Path.Combine(folder, "airfoil_self_noise.dat")));
        Assert.Empty(FilesInCache());
        Assert.Equal($"cache: {folder}", cli.Run("data", "list", "--cache", folder).Lines[0]);
    }

    public static TheoryData<string, string> BadDownloads => new()
    {
        { "wrong-sha1", "its SHA-1 is " },
        { "truncated", "the download ended after 1000 of 4000 bytes" },
        { "html-404", "HTTP 404 (Not Found), an HTML page" },
        { "html-500", "HTTP 500 (Internal Server Error), an HTML page" },
        { "html-page-with-200", "the server sent an HTML page, not the data" },
        { "html-page-as-octets", "the server sent an HTML page, not the data" },
        { "slow", "no complete answer within 1 s" },
        { "refused", "Connection refused" },
    };

    [Theory]
    [MemberData(nameof(BadDownloads))]
    public void A_bad_download_is_refused_with_exit_2_one_line_and_nothing_cached(string kind, string why)
    {
        var body = Table(40);
        var page = LoopbackServer.Reply.Page(200, "Please log in");
        LoopbackServer.Reply reply = kind switch
        {
            "wrong-sha1" => LoopbackServer.Reply.Data(Table(41)),
            "truncated" => LoopbackServer.Reply.Data(new byte[1000]) with { DeclaredLength = 4000 },
            "html-404" => LoopbackServer.Reply.Page(404, "Not Found"),
            "html-500" => LoopbackServer.Reply.Page(500, "Internal Server Error"),
            "html-page-with-200" => page,
            "html-page-as-octets" => page with { ContentType = "application/octet-stream" },
            "slow" => LoopbackServer.Reply.Data(body[..100]) with { DeclaredLength = body.Length, Stall = true },
            _ => LoopbackServer.Reply.Data(body),
        };
        using var server = new LoopbackServer(reply);
        var url = kind == "refused" ? LoopbackServer.RefusingUrl() : server.Url;
        using var environment = Serving(url, Sha1(body));

        // Only the stalling server is given a short time: the other refusals must not depend on how fast the machine is.
        var result = cli.Run(["data", "fetch", "airfoil", .. kind == "slow" ? new[] { "--timeout", "1" } : []]);

        Assert.Equal(2, result.ExitCode);
        var error = result.Error.TrimEnd();
        Assert.DoesNotContain('\n', error);
        Assert.StartsWith($"airfoil: {url}: ", error);
        Assert.Contains(why, error);
        Assert.EndsWith("; nothing was cached", error);
        Assert.Empty(FilesInCache());
    }

    [Fact]
    public async Task An_interrupted_download_exits_130_and_leaves_nothing_in_the_cache()
    {
        var body = Table(40);
        using var server = new LoopbackServer(LoopbackServer.Reply.Data(body[..100]) with { DeclaredLength = body.Length, Stall = true });
        using var environment = Serving(server.Url, Sha1(body));
        using var interrupt = new CancellationTokenSource();
        var (stdout, stderr) = (new StringWriter(), new StringWriter());

        var run = App.RunAsync(["data", "fetch", "airfoil"], stdout, stderr, interrupt.Token);
        // The download is under way once the server has the request (its reply then stalls until the end of the test).
        ChildProcess.WaitFor(() => server.Requests == 1, 60, "the request");
        await interrupt.CancelAsync();

        Assert.Equal(130, await run);
        Assert.StartsWith("interrupted", stderr.ToString().TrimEnd());
        Assert.Empty(FilesInCache());
    }

    [Fact]
    public void Data_refuses_an_unknown_data_set_an_unknown_command_and_a_bad_address()
    {
        using var environment = Serving(TestEnvironment.NowhereUrl, null);
        Assert.Equal("data fetch mnist: not a data set momentum knows (airfoil)", cli.Run("data", "fetch", "mnist").Error.TrimEnd());
        Assert.Equal("data fetch: name the data set to fetch (airfoil)", cli.Run("data", "fetch").Error.TrimEnd());
        Assert.Equal("data get: must be fetch or list", cli.Run("data", "get", "airfoil").Error.TrimEnd());
        Assert.Equal("--timeout 0: must be in (0, 86400] seconds", cli.Run("data", "fetch", "airfoil", "--timeout", "0").Error.TrimEnd());
        using var ftp = new EnvironmentScope(("MOMENTUM_DATASET_AIRFOIL_URL", "ftp://127.0.0.1/airfoil"));
        var result = cli.Run("data", "fetch", "airfoil");
        Assert.Equal(2, result.ExitCode);
        Assert.Equal("MOMENTUM_DATASET_AIRFOIL_URL ftp://127.0.0.1/airfoil: must be an http or https address", result.Error.TrimEnd());
    }

    [Fact]
    public void Train_with_data_airfoil_uses_the_cached_file_and_keeps_the_rows_the_book_keeps()
    {
        var body = Table(1510);
        using var server = new LoopbackServer(LoopbackServer.Reply.Data(body));
        using var environment = Serving(server.Url, Sha1(body), offline: true);
        Directory.CreateDirectory(CacheFolder);
        File.WriteAllBytes(CachedFile, body);

        var named = cli.Run("train", "--data", "airfoil", "--epochs", "1", "--out", cli.PathOf("named"));
        Assert.Equal(0, named.ExitCode);
        var byPath = cli.Run("train", "--data", CachedFile, "--rows", "1500", "--epochs", "1", "--out", cli.PathOf("path"));
        Assert.Equal(0, byPath.ExitCode);

        Assert.Equal(File.ReadAllBytes(cli.PathOf("path", "loss.csv")), File.ReadAllBytes(cli.PathOf("named", "loss.csv")));
        Assert.Equal(File.ReadAllBytes(cli.PathOf("path", "parameters.csv")), File.ReadAllBytes(cli.PathOf("named", "parameters.csv")));
        using var summary = JsonDocument.Parse(File.ReadAllText(cli.PathOf("named", "summary.json")));
        Assert.StartsWith("airfoil (airfoil_self_noise.dat): 1510 rows × 6 columns", summary.RootElement.GetProperty("data").GetString());
        Assert.EndsWith("first 1500 rows", summary.RootElement.GetProperty("data").GetString());
        Assert.Equal(0, server.Requests);
    }

    [Fact]
    public void Train_with_data_airfoil_downloads_the_file_when_it_is_not_cached()
    {
        var body = Table(60);
        using var server = new LoopbackServer(LoopbackServer.Reply.Data(body));
        using var environment = Serving(server.Url, Sha1(body));

        var result = cli.Run("train", "--data", "airfoil", "--epochs", "1", "--out", cli.PathOf("t"));

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(body, File.ReadAllBytes(CachedFile));
        Assert.True(File.Exists(cli.PathOf("t", "loss.csv")));
    }

    [Theory]
    [InlineData(false, "airfoil is not in the cache ({0}) and the download from {1} failed: Connection refused")]
    [InlineData(true, "airfoil is not in the cache ({0}) and downloads are off (MOMENTUM_OFFLINE=1)")]
    public void Train_with_data_airfoil_that_cannot_be_had_exits_2_saying_how_to_get_it_and_writes_nothing(bool offline, string why)
    {
        var url = LoopbackServer.RefusingUrl();
        using var environment = Serving(url, null, offline);

        var result = cli.Run("train", "--data", "airfoil", "--out", cli.PathOf("t"));

        Assert.Equal(2, result.ExitCode);
        var error = result.Error.TrimEnd();
        Assert.DoesNotContain('\n', error);
        Assert.StartsWith("--data airfoil: " + string.Format(CultureInfo.InvariantCulture, why, CacheFolder, url), error);
        Assert.EndsWith("; run `momentum data fetch airfoil` once online, or give --data FILE", error);
        Assert.False(Directory.Exists(cli.PathOf("t")));
    }

    [Fact]
    public void A_file_called_like_a_data_set_is_read_as_a_file_when_written_as_a_path()
    {
        using var environment = Serving(TestEnvironment.NowhereUrl, null, offline: true);
        File.WriteAllBytes(cli.PathOf("airfoil"), Table(30));
        var asPath = cli.Run("train", "--data", Path.Combine(cli.Root, "airfoil"), "--epochs", "1", "--out", cli.PathOf("t"));
        Assert.Equal(0, asPath.ExitCode);
        Assert.Equal(2, cli.Run("train", "--data", "airfoil", "--epochs", "1", "--out", cli.PathOf("u")).ExitCode);
    }

    [Fact]
    public void Chapter_without_data_falls_back_to_synthetic_data_with_one_line_saying_why_and_how_to_fix_it()
    {
        var url = LoopbackServer.RefusingUrl();
        using var environment = Serving(url, null);

        var result = cli.Run("--out", cli.PathOf("out"));

        Assert.Equal(0, result.ExitCode);
        var line = Assert.Single(result.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal(
            $"chapter: sections 6–9 and 18 train on synthetic data, not the book's, since airfoil is not in the cache ({CacheFolder}) " +
            $"and the download from {url} failed: Connection refused (127.0.0.1:{new Uri(url).Port}); " +
            "run `momentum data fetch airfoil` once online, or give --data FILE or AIRFOIL_DATA", line.TrimEnd('\r'));
        var report = File.ReadAllText(cli.PathOf("out", "report.md"));
        Assert.Contains("Minibatch runs (sections 6–9 and 18): data: synthetic 1500x5, since airfoil is not in the cache", report);
        Assert.Contains("momentum train --synthetic 1500x5 ", report);
    }

    [Fact]
    public void Chapter_without_data_downloads_the_airfoil_data_and_trains_on_the_rows_the_book_keeps()
    {
        var body = Table(1503);
        using var server = new LoopbackServer(LoopbackServer.Reply.Data(body));
        using var environment = Serving(server.Url, Sha1(body));

        var result = cli.Run("--out", cli.PathOf("out"));

        Assert.Equal(0, result.ExitCode);
        Assert.Equal($"chapter: downloaded {server.Url} into {CachedFile} (SHA-1 ok)", result.Error.TrimEnd());
        var report = File.ReadAllText(cli.PathOf("out", "report.md"));
        Assert.Contains($"Minibatch runs (sections 6–9 and 18): data: airfoil (d2l's airfoil_self_noise.dat, from the cache {CacheFolder}).", report);
        Assert.Contains("momentum train --data airfoil --rows 1500 ", report);
        Assert.Equal(1, server.Requests);
    }

    [AirfoilFact]
    public void The_real_airfoil_file_has_d2ls_sha1_and_train_by_name_prints_the_books_loss()
    {
        var body = File.ReadAllBytes(AirfoilFactAttribute.Path!);
        Assert.Equal(DatasetCatalog.Airfoil.Sha1, Sha1(body));
        using var server = new LoopbackServer(LoopbackServer.Reply.Data(body));
        using var environment = Serving(server.Url, null);
        Assert.Equal(0, cli.Run("data", "fetch", "airfoil").ExitCode);

        var result = cli.Run("train", "--data", "airfoil", "--lr", "0.02", "--momentum", "0.5", "--out", cli.PathOf("t"));

        Assert.Equal(0, result.ExitCode);
        Assert.StartsWith("loss: 0.245, ", result.LastLine);
    }
}
