using System.Globalization;
using Momentum.Runner.Cli;
using SkiaSharp;

namespace Momentum.EndToEnd;

/// <summary>Runs <c>momentum</c> in-process, as the executable does, in a fresh temporary folder.</summary>
internal sealed class Cli : IDisposable
{
    public Cli() => Directory.CreateDirectory(Root);

    /// <summary>A folder for this test's outputs, removed afterwards.</summary>
    public string Root { get; } = Path.Combine(Path.GetTempPath(), "momentum-e2e-" + Guid.NewGuid().ToString("N"));

    public string PathOf(params string[] parts) => Path.Combine([Root, .. parts]);

    public sealed record Result(int ExitCode, string Out, string Error)
    {
        public string[] Lines => Out.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd('\r')).ToArray();
        public string LastLine => Lines[^1];
    }

    public Result Run(params string[] args) => RunWith(AppSetup.Default, args);

    /// <summary>Runs with another appsettings.json (or other setup), as the program beside a different settings file would.</summary>
    public Result RunWith(AppSetup setup, params string[] args)
    {
        var (stdout, stderr) = (new StringWriter(), new StringWriter());
        var code = App.RunAsync(args, stdout, stderr, new Momentum.Runner.Execution.Interruption(), setup).GetAwaiter().GetResult();
        return new Result(code, stdout.ToString(), stderr.ToString());
    }

    /// <summary>Runs on a disk with only <paramref name="bytes"/> bytes left for this run's files.</summary>
    public Result RunWithDiskSpace(long bytes, params string[] args)
    {
        Momentum.Runner.Output.Disk.SpaceLeft.Value = new Momentum.Runner.Output.Disk.Budget(bytes);
        try
        {
            return Run(args);
        }
        finally
        {
            Momentum.Runner.Output.Disk.SpaceLeft.Value = null;
        }
    }

    /// <summary>The files of <paramref name="folder"/> (recursively, relative, sorted), or none when it does not exist.</summary>
    public static string[] Files(string folder) =>
        Directory.Exists(folder)
            ? [.. Directory.GetFiles(folder, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(folder, f)).Order(StringComparer.Ordinal)]
            : [];

    /// <summary>Reads a CSV written by the tool: the header and the rows as strings.</summary>
    public static (string[] Header, string[][] Rows) ReadCsv(string path)
    {
        var lines = File.ReadAllLines(path);
        return (lines[0].Split(','), lines.Skip(1).Select(l => l.Split(',')).ToArray());
    }

    public static double Number(string text) => double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture);

    /// <summary>Asserts that <paramref name="path"/> is a PNG that decodes to a non-empty image.</summary>
    public static void AssertPng(string path)
    {
        var bytes = File.ReadAllBytes(path);
        Assert.True(bytes.Length > 1000, $"{path} is only {bytes.Length} bytes");
        Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A }, bytes[..8]);
        using var bitmap = SKBitmap.Decode(bytes);
        Assert.NotNull(bitmap);
        Assert.True(bitmap.Width >= 100 && bitmap.Height >= 100, $"{path} is {bitmap.Width}×{bitmap.Height}");
        // Not a blank canvas: more than a handful of distinct colours.
        var colours = new HashSet<uint>();
        for (var y = 0; y < bitmap.Height; y += 7)
            for (var x = 0; x < bitmap.Width; x += 7)
                colours.Add((uint)bitmap.GetPixel(x, y));
        Assert.True(colours.Count > 5, $"{path} has {colours.Count} colours");
    }

    public void Dispose()
    {
        try { Directory.Delete(Root, recursive: true); } catch (DirectoryNotFoundException) { }
    }
}
