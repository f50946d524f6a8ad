using System.Globalization;

namespace Momentum.Runner.Cli;

/// <summary>
/// The documented bounds on what the program accepts, so that no accepted input can exhaust memory or fill a disk
/// unasked: an input whose output would pass a bound is refused before anything is written (exit 2), naming the bound.
/// README.md lists them.
/// </summary>
internal static class Limits
{
    /// <summary>Most numbers (cells) in one CSV output: 10⁸, about 2 GB of text.</summary>
    public const long ValuesPerFile = 100_000_000;

    /// <summary>Largest run config (<c>run --config</c>) or appsettings.json: 1 MiB.</summary>
    public const long ConfigBytes = 1 << 20;

    /// <summary>Largest sweep.json a sweep or merge reads back: 256 MiB (a grid of the largest size, twice).</summary>
    public const long ManifestBytes = 256L << 20;

    /// <summary>Largest checkpoint.json a resumed run reads: 1 GiB.</summary>
    public const long CheckpointBytes = 1L << 30;

    /// <summary>Most parameters (features + 1) of a run with checkpoints (each is written twice, with its velocity).</summary>
    public const int CheckpointParameters = 10_000_000;

    /// <summary>Most points in a sweep's grid (optimizers × learning rates × momenta × seeds).</summary>
    public const long SweepPoints = 1_000_000;

    /// <summary>Most series drawn in one figure; the title says how many more the CSV holds.</summary>
    public const int SeriesPerFigure = 64;

    /// <summary>About the most points drawn per series (<see cref="Output.Thinning"/> keeps the first, last and extremes).</summary>
    public const int PointsPerSeries = 3000;

    /// <summary>
    /// Refuses an output of <paramref name="rows"/> × <paramref name="columns"/> values past <see cref="ValuesPerFile"/>.
    /// </summary>
    /// <param name="file">The output, e.g. <c>quadratic.csv</c>.</param>
    /// <param name="rows">Its data rows.</param>
    /// <param name="columns">Its columns.</param>
    /// <param name="shape">How the size follows from the options, e.g. <c>(--steps + 1) × (2 + eigenvalues)</c>.</param>
    /// <param name="advice">What to change, e.g. <c>lower --steps or give fewer --eigenvalues</c>.</param>
    public static void RequireValues(string file, long rows, long columns, string shape, string advice)
    {
        var values = (decimal)rows * columns;
        if (values > ValuesPerFile)
            throw new UsageException(string.Create(CultureInfo.InvariantCulture,
                $"{file} would hold {values:N0} values, {shape}; the most one output file may hold is {ValuesPerFile:N0}: {advice}"));
    }

    /// <summary>A byte count as people read it: 1 MiB, 256 MiB, 1 GiB.</summary>
    public static string Bytes(long bytes) => bytes switch
    {
        >= 1L << 30 when bytes % (1L << 30) == 0 => $"{bytes >> 30} GiB",
        >= 1L << 20 when bytes % (1L << 20) == 0 => $"{bytes >> 20} MiB",
        >= 1L << 10 when bytes % (1L << 10) == 0 => $"{bytes >> 10} KiB",
        _ => $"{bytes} bytes",
    };
}
