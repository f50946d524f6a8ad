using ScottPlot;
using Momentum.Runner.Cli;
using Momentum.Runner.Verbs;

namespace Momentum.Runner.Output;

/// <summary>
/// sweep.png: per optimizer, a heatmap of the final loss (mean over seeds, log scale) over learning rate × momentum, each
/// cell labelled with its loss; a cell where any seed diverged is gray and marked ×, a cell not run (another shard) is blank.
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
        var (nl, nm) = (grid.LearningRates.Length, grid.Momenta.Length);
        var intensities = new double[nm, nl];
        var plot = Figures.New($"{optimizer}: final loss (×: diverged)", "learning rate", "momentum");
        for (var m = 0; m < nm; m++)
            for (var l = 0; l < nl; l++)
            {
                var cell = rows.Where(r => r.Point.Momentum == grid.Momenta[m] && r.Point.LearningRate == grid.LearningRates[l]).ToList();
                var diverged = cell.Any(r => r.Diverged);
                var row = nm - 1 - m; // row 0 is drawn at the top; momentum grows upwards
                if (cell.Count == 0 || diverged)
                {
                    intensities[row, l] = double.NaN;
                    if (diverged) Mark(plot, l, m, "×", Colors.Black, 20);
                    continue;
                }
                var mean = cell.Average(r => r.FinalLoss);
                intensities[row, l] = Math.Log10(mean);
                if (nl * nm <= 100) Mark(plot, l, m, Format.G(mean, 3), Colors.White, 10);
            }

        var heatmap = plot.Add.Heatmap(intensities);
        heatmap.Colormap = new ScottPlot.Colormaps.Viridis();
        heatmap.NaNCellColor = Colors.LightGray;
        heatmap.Extent = new CoordinateRect(-0.5, nl - 0.5, -0.5, nm - 0.5);
        heatmap.ManualRange = range;
        plot.MoveToBottom(heatmap);
        plot.Add.ColorBar(heatmap).Label = "log10 loss";
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(
            [.. Enumerable.Range(0, nl).Select(i => (double)i)], [.. grid.LearningRates.Select(v => Format.G(v))]);
        plot.Axes.Left.TickGenerator = new ScottPlot.TickGenerators.NumericManual(
            [.. Enumerable.Range(0, nm).Select(i => (double)i)], [.. grid.Momenta.Select(v => Format.G(v))]);
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
