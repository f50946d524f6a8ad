using System.Globalization;
using ScottPlot;

namespace Momentum.Runner.Output;

/// <summary>
/// The chapter's figures as PNG through ScottPlot 5, drawn the way d2l draws them (matplotlib's default blue and orange,
/// contours in blue with the path in orange dots), titled and labelled. Rendering is headless (SkiaSharp).
/// </summary>
internal static class Figures
{
    public const int Width = 720;
    public const int Height = 480;

    /// <summary>matplotlib's "tab10" palette, which d2l's figures use.</summary>
    public static readonly Color[] Palette =
        [.. new[] { "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf" }.Select(Color.FromHex)];

    public static Plot New(string title, string xLabel, string yLabel)
    {
        var plot = new Plot();
        plot.Title(title);
        plot.XLabel(xLabel);
        plot.YLabel(yLabel);
        plot.Axes.Title.Label.FontSize = 16;
        return plot;
    }

    /// <summary>What a figure says on itself when it has nothing to draw.</summary>
    public const string NothingFinite = "no finite values to draw";

    /// <summary>Renders <paramref name="plot"/> to PNG and writes it (staged, like every result).</summary>
    public static string Save(OutputFolder folder, string file, Plot plot, int width = Width, int height = Height) =>
        folder.WriteBytes(file, Render(() => plot.GetImageBytes(width, height, ImageFormat.Png), plot.Axes.Title.Label.Text, width, height));

    /// <summary>Renders several panels side by side to PNG and writes it (staged, like every result).</summary>
    public static string Save(OutputFolder folder, string file, Multiplot plots, int width, int height) =>
        folder.WriteBytes(file, Render(() => plots.Render(width, height).GetImageBytes(ImageFormat.Png), "", width, height));

    /// <summary>
    /// Writes <paramref name="text"/> across the middle of <paramref name="plot"/> at (<paramref name="x"/>, <paramref name="y"/>):
    /// a figure with nothing to draw says so on itself.
    /// </summary>
    public static void Note(Plot plot, string text, double x = 0.5, double y = 0.5)
    {
        var label = plot.Add.Text(text, x, y);
        label.LabelFontColor = Colors.DimGray;
        label.LabelFontSize = 18;
        label.LabelAlignment = Alignment.MiddleCenter;
    }

    // ScottPlot refuses ranges it cannot draw (infinite spans, values near ±1.8e308); the figure then says so rather
    // than the program failing after its data files were written.
    private static byte[] Render(Func<byte[]> render, string title, int width, int height)
    {
        try
        {
            return render();
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or OverflowException or IndexOutOfRangeException)
        {
            var fallback = New(title, "", "");
            fallback.Axes.SetLimits(0, 1, 0, 1);
            Note(fallback, $"this figure cannot be drawn: {(e is ArgumentException a ? Cli.Format.Reason(a) : e.Message.Split('\n')[0])}");
            return fallback.GetImageBytes(width, height, ImageFormat.Png);
        }
    }

    /// <summary>
    /// d2l's <c>show_trace_2d</c>: contours of f over the box around the path, and the path x₀ … x_T as orange dots.
    /// </summary>
    public static Plot Trace2d(string title, IReadOnlyList<(double X1, double X2)> path, Func<double, double, double> f)
    {
        var plot = New(title, "x1", "x2");
        var finite = path.Where(p => double.IsFinite(p.X1) && double.IsFinite(p.X2)).ToList();
        if (finite.Count == 0)
        {
            plot.Axes.SetLimits(0, 1, 0, 1);
            Note(plot, NothingFinite);
            return plot;
        }
        // The book's box is [−5.5, 1] × [−3, 1]; it grows to hold paths that leave it (e.g. divergence).
        var (left, right) = (Math.Min(-5.5, finite.Min(p => p.X1) - 0.5), Math.Max(1.0, finite.Max(p => p.X1) + 0.5));
        var (bottom, top) = (Math.Min(-3.0, finite.Min(p => p.X2) - 0.5), Math.Max(1.0, finite.Max(p => p.X2) + 0.5));
        // d2l's show_trace_2d evaluates f on a 0.1 grid over its box (66 × 41 points); the same density here.
        var (columns, rows) = ((int)Math.Clamp(Math.Ceiling((right - left) / 0.1) + 1, 20, 200), (int)Math.Clamp(Math.Ceiling((top - bottom) / 0.1) + 1, 20, 200));
        var points = new Coordinates3d[rows, columns];
        var drawable = double.IsFinite(right - left) && double.IsFinite(top - bottom);
        for (var i = 0; i < rows && drawable; i++)
            for (var j = 0; j < columns; j++)
            {
                var (x, y) = (left + (right - left) * j / (columns - 1), bottom + (top - bottom) * i / (rows - 1));
                points[i, j] = new Coordinates3d(x, y, f(x, y));
                drawable &= double.IsFinite(points[i, j].Z);
            }
        if (drawable)
        {
            var contours = plot.Add.ContourLines(points, 10);
            contours.LineColor = Palette[0];
            contours.Colormap = null;
            contours.LabelStyle.IsVisible = false;
        }
        else
            Note(plot, "(no contours: f overflows on this range)", left + (right - left) / 2, top - (top - bottom) / 20);

        var line = plot.Add.Scatter(finite.Select(p => p.X1).ToArray(), finite.Select(p => p.X2).ToArray(), Palette[1]);
        line.MarkerSize = 6;
        line.LineWidth = 1.5f;
        plot.Axes.SetLimits(left, right, bottom, top);
        return plot;
    }

    /// <summary>One line per series, with a legend; points that are not finite are left out, and a figure left with none says so.</summary>
    public static Plot Lines(string title, string xLabel, string yLabel, IEnumerable<(string Label, double[] X, double[] Y)> series, bool markers = false)
    {
        var plot = New(title, xLabel, yLabel);
        var k = 0;
        var drawn = 0;
        foreach (var (label, x, y) in series)
        {
            var keep = Enumerable.Range(0, Math.Min(x.Length, y.Length)).Where(i => double.IsFinite(x[i]) && double.IsFinite(y[i])).ToArray();
            var (xs, ys) = keep.Length == x.Length && keep.Length == y.Length ? (x, y) : (keep.Select(i => x[i]).ToArray(), keep.Select(i => y[i]).ToArray());
            var line = plot.Add.Scatter(xs, ys, Palette[k++ % Palette.Length]);
            line.LegendText = label;
            line.MarkerSize = markers ? 5 : 0;
            line.LineWidth = 2;
            drawn += xs.Length;
        }
        if (drawn == 0)
        {
            plot.Axes.SetLimits(0, 1, 0, 1);
            Note(plot, NothingFinite);
        }
        plot.ShowLegend(Alignment.UpperRight);
        return plot;
    }

    /// <summary>A title that says when the figure draws only the first <see cref="Cli.Limits.SeriesPerFigure"/> of <paramref name="total"/> series.</summary>
    public static string Titled(string title, int total, string what) =>
        total > Cli.Limits.SeriesPerFigure ? $"{title} (first {Cli.Limits.SeriesPerFigure} of {total} {what})" : title;

    /// <summary>
    /// Lines on a logarithmic y axis: ScottPlot 5 draws log10(y) with ticks labelled as powers of ten and log-spaced
    /// minor ticks. Values ≤ 0 are left out (they have no logarithm).
    /// </summary>
    public static Plot LogLines(string title, string xLabel, string yLabel, IEnumerable<(string Label, double[] X, double[] Y)> series)
    {
        var logSeries = series.Select(s =>
        {
            var keep = Enumerable.Range(0, s.Y.Length).Where(i => s.Y[i] > 0 && double.IsFinite(s.Y[i])).ToArray();
            return (s.Label, keep.Select(i => s.X[i]).ToArray(), keep.Select(i => Math.Log10(s.Y[i])).ToArray());
        }).ToList();
        var plot = Lines(title, xLabel, yLabel, logSeries);
        var ticks = new ScottPlot.TickGenerators.NumericAutomatic
        {
            MinorTickGenerator = new ScottPlot.TickGenerators.LogMinorTickGenerator(),
            IntegerTicksOnly = true,
            LabelFormatter = y => "1e" + y.ToString("0", CultureInfo.InvariantCulture),
        };
        plot.Axes.Left.TickGenerator = ticks;
        plot.Grid.MajorLineColor = Colors.Black.WithOpacity(0.15);
        plot.Grid.MinorLineColor = Colors.Black.WithOpacity(0.05);
        return plot;
    }
}
