using Momentum.Runner.Cli;

namespace Momentum.Runner.Output;

/// <summary>
/// The points a figure draws from a series too long to draw whole, chosen the same way every time: the series, whose
/// length is known in advance, is cut into buckets of equal count, and each bucket keeps its first point and, for each
/// coordinate, the points where that coordinate is smallest and largest (the "min-max" decimation of plotting
/// libraries), so the figure's range, spikes and turns are the data's; the last point is always kept. A series of up to
/// about <see cref="Limits.PointsPerSeries"/> points keeps every point; a longer one keeps about that many. The CSV
/// beside the figure holds every point.
/// </summary>
internal sealed class Thinning
{
    private readonly int dimensions;
    private readonly long perBucket;
    private readonly List<(double X, double[] Values)> kept = [];
    private readonly double[] last;
    private readonly List<(long Index, double X, double[] Values)> candidates = [];
    private long count;
    private long lastIndex = -1;
    private long lastKeptIndex = -1;
    private double lastX;
    private bool finished;

    /// <param name="length">How many points will be added.</param>
    /// <param name="dimensions">Coordinates per point whose extremes are kept.</param>
    public Thinning(long length, int dimensions)
    {
        this.dimensions = dimensions;
        var buckets = Math.Max(1, Limits.PointsPerSeries / (1 + 2 * dimensions));
        perBucket = length <= Limits.PointsPerSeries ? 1 : (length + buckets - 1) / buckets;
        last = new double[dimensions];
    }

    /// <summary>Adds the next point: its place on the x axis and its coordinates.</summary>
    public void Add(double x, ReadOnlySpan<double> values)
    {
        if (count % perBucket == 0) Flush();
        if (perBucket == 1)
        {
            kept.Add((x, values.ToArray()));
            lastKeptIndex = count;
        }
        else if (candidates.Count == 0)
        {
            var copy = values.ToArray();
            candidates.Add((count, x, copy)); // the bucket's first point
            for (var d = 0; d < dimensions; d++)
            {
                candidates.Add((count, x, copy)); // smallest of coordinate d
                candidates.Add((count, x, copy)); // largest of coordinate d
            }
        }
        else
        {
            double[]? copy = null;
            for (var d = 0; d < dimensions; d++)
            {
                if (values[d] < candidates[1 + 2 * d].Values[d])
                    candidates[1 + 2 * d] = (count, x, copy ??= values.ToArray());
                if (values[d] > candidates[2 + 2 * d].Values[d])
                    candidates[2 + 2 * d] = (count, x, copy ??= values.ToArray());
            }
        }
        values.CopyTo(last);
        (lastIndex, lastX) = (count, x);
        count++;
    }

    /// <summary>Adds a point of one coordinate.</summary>
    public void Add(double x, double value) => Add(x, [value]);

    /// <summary>The points kept, in the order they were added.</summary>
    public IReadOnlyList<(double X, double[] Values)> Points
    {
        get
        {
            if (!finished)
            {
                Flush();
                if (lastIndex > lastKeptIndex) kept.Add((lastX, [.. last])); // the last point, unless its bucket kept it
                finished = true;
            }
            return kept;
        }
    }

    /// <summary>The x values and one coordinate of the points kept.</summary>
    public (double[] X, double[] Y) Series(int dimension = 0) =>
        ([.. Points.Select(p => p.X)], [.. Points.Select(p => p.Values[dimension])]);

    private void Flush()
    {
        if (candidates.Count == 0) return;
        foreach (var candidate in candidates.DistinctBy(c => c.Index).OrderBy(c => c.Index))
        {
            kept.Add((candidate.X, candidate.Values));
            lastKeptIndex = candidate.Index;
        }
        candidates.Clear();
    }
}
