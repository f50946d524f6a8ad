using ScottPlot;
using Momentum.Runner.Cli;
using Momentum.Runner.Verbs;

namespace Momentum.Runner.Output;

/// <summary>
/// sweep.png: per optimizer, a heatmap of the final loss (mean over seeds and over the grid's other axes, log scale) over
/// learning rate × momentum, each cell labelled with its loss; a cell where any of its runs diverged is gray and marked
/// ×, a cell not run (another shard) is blank.
/// </summary>
internal static class SweepFigure
{
    public static Multiplot Render(SweepVerb.Grid grid, IReadOnlyList<SweepVerb.Row> rows)
    {
        // One colour scale for every panel, so optimizers compare by colour.
        var finite = rows.Where(r => !r.Diverged && double.IsFinite(r.FinalLoss) && r.FinalLoss > 0).Select(r => Math.Log10(r.FinalLoss)).ToList();
        var range = finite.Count == 0 ? new ScottPlot.Range(0, 1) : new ScottPlot.Range(finite.Min(), Math.Max(finite.Max(), finite.Min() + 1e-3));
        var panels = grid.Optimizers.Select(o => Panel(grid, o, rows.Where(r => r.Point.Optimizer == o).ToList(), range)).ToList();
        var multiplot = new Multiplot(panels[0]) { Layout = new ScottPlot.MultiplotLayouts.Columns() };
        foreach (var panel in panels.Skip(1)) multiplot.AddPlot(panel);
        return multiplot;
    }

    private static Plot Panel(SweepVerb.Grid grid, string optimizer, List<SweepVerb.Row> rows, ScottPlot.Range range)
    {
        var (learningRates, momenta) = (grid.Axes[0].Values, grid.Axes[1].Values);
        var (nl, nm) = (learningRates.Length, momenta.Length);
        var intensities = new double[nm, nl];
        var others = grid.Columns.Skip(2).Select(k => grid.Axes[k].Option).ToList();
        var over = others.Count == 0 ? "" : $", mean over {string.Join(", ", others)}";
        var plot = Figures.New($"{optimizer}: final loss{over} (×: diverged)", "learning rate", "momentum");
        var cells = rows.ToLookup(r => (r.Point.Momentum, r.Point.LearningRate));
        for (var m = 0; m < nm; m++)
            for (var l = 0; l < nl; l++)
            {
                var cell = cells[(momenta[m], learningRates[l])].ToList();
                var diverged = cell.Any(r => r.Diverged);
                var row = nm - 1 - m; // row 0 is drawn at the top; momentum grows upwards
                if (cell.Count == 0 || diverged)
                {
                    intensities[row, l] = double.NaN;
                    if (diverged && nl * nm <= 400) Mark(plot, l, m, "×", Colors.Black, 20);
                    continue;
                }
                var mean = cell.Average(r => r.FinalLoss);
                intensities[row, l] = Math.Log10(mean);
                if (nl * nm <= 100) Mark(plot, l, m, Format.G(mean, 3), Colors.White, 10);
            }

        // A heatmap needs one finite cell to have a colour scale: an empty shard, or a panel where every point diverged,
        // says so instead.
        if (intensities.Cast<double>().Any(double.IsFinite))
        {
            var heatmap = plot.Add.Heatmap(intensities);
            heatmap.ManualRange = range;
            heatmap.Colormap = new ScottPlot.Colormaps.Viridis();
            heatmap.NaNCellColor = Colors.LightGray;
            heatmap.Extent = new CoordinateRect(-0.5, nl - 0.5, -0.5, nm - 0.5);
            plot.MoveToBottom(heatmap);
            plot.Add.ColorBar(heatmap).Label = "log10 loss";
        }
        else
            Figures.Note(plot, rows.Count == 0 ? "no points of this panel in this shard" : $"{Figures.NothingFinite}: every point run here diverged",
                (nl - 1) / 2.0, (nm - 1) / 2.0);
        // At most about 20 labels an axis: a long list of learning rates is labelled every k-th.
        var (everyL, everyM) = ((nl + 19) / 20, (nm + 19) / 20);
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(
            [.. Enumerable.Range(0, nl).Where(i => i % everyL == 0).Select(i => (double)i)], [.. learningRates.Where((_, i) => i % everyL == 0).Select(v => Format.G(v))]);
        plot.Axes.Left.TickGenerator = new ScottPlot.TickGenerators.NumericManual(
            [.. Enumerable.Range(0, nm).Where(i => i % everyM == 0).Select(i => (double)i)], [.. momenta.Where((_, i) => i % everyM == 0).Select(v => Format.G(v))]);
        plot.Axes.SetLimits(-0.5, nl - 0.5, -0.5, nm - 0.5);
        return plot;
    }

    private static void Mark(Plot plot, int x, int y, string text, Color color, float size)
    {
        var label = plot.Add.Text(text, x, y);
        label.LabelFontColor = color;
        label.LabelFontSize = size;
        label.LabelAlignment = Alignment.MiddleCenter;
    }
}
