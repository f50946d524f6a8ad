using System.Net;
using System.Text;
using System.Text.Json;
using Giraffe.ViewEngine;
using XmlNode = Giraffe.ViewEngine.HtmlElements.XmlNode;
using Microsoft.FSharp.Collections;
using Microsoft.FSharp.Core;
using Momentum.Runner.Cli;
using Plotly.NET;

namespace Momentum.Runner.Output;

/// <summary>
/// <c>report.html</c>, the chapter's interactive report beside <c>report.md</c>: one self-contained file (plotly.js is
/// inside it, through Plotly.NET's <see cref="PlotlyJSReference.Full"/>, so it works offline) with the 2D trace under
/// sliders for η and β, the rate map with hover values, the training loss and the figures of the other sections
/// (<see cref="ReportFigures"/>). Every number on the page is computed here by Core or read from the sections' files;
/// the page's script only picks which precomputed run to show.
/// </summary>
/// <remarks>
/// The file starts with a UTF-8 byte order mark: plotly.js comes first in the head, so a <c>&lt;meta charset&gt;</c>
/// after it is past the 1024 bytes a browser looks at, and the mark is what makes η and plotly.js's "−" read as UTF-8.
/// Element ids are fixed (no random ids), so the same chapter writes the same file.
/// </remarks>
internal static class ReportHtml
{
    public const string FileName = "report.html";

    /// <summary>The ids of the page that its script and its test use.</summary>
    public const string TraceChart = "trace-chart", RateChart = "rate-chart", LearningRateSlider = "eta", MomentumSlider = "beta",
        TraceStatus = "trace-status", TraceGridData = "trace-grid";

    /// <summary>The book's momentum run (section 3, η = 0.6, β = 0.5): where the sliders start.</summary>
    public const double FirstLearningRate = 0.6, FirstMomentum = 0.5;

    /// <summary>Writes report.html into <paramref name="output"/> (staged, like every result) for the chapter's sections.</summary>
    public static string Write(OutputFolder output, IReadOnlyList<Experiment> experiments, string dataNote)
    {
        var html = Page(output.Path, experiments, dataNote);
        return output.Write(FileName, stream =>
        {
            stream.Write(Encoding.UTF8.Preamble);
            stream.Write(Encoding.UTF8.GetBytes(html));
        });
    }

    /// <summary>The whole document.</summary>
    internal static string Page(string outFolder, IReadOnlyList<Experiment> experiments, string dataNote)
    {
        var grid = ReportFigures.Traces();
        var (i0, j0) = grid.IndexOf(FirstLearningRate, FirstMomentum) ?? throw new InvalidOperationException("The book's η = 0.6, β = 0.5 is not on the grid.");
        var first = grid.At(i0, j0);
        var sections = experiments.Select((e, k) => (Number: k + 1, Experiment: e, Folder: Path.Combine(outFolder, e.Folder))).ToList();
        var training = sections.Where(s => s.Experiment.Verb == "train").ToList();
        var body = new StringBuilder();

        body.Append("<h1>Momentum — Dive into Deep Learning §11.6, reproduced</h1>\n")
            .Append("<p>Written by <code>momentum chapter</code> beside <a href=\"report.md\">report.md</a> (the same sections with their commands, ")
            .Append("printed lines and PNG figures). Every number here was computed by the toolkit; the page only shows them, and works offline.</p>\n")
            .Append($"<p>Minibatch runs ({Numbers(training)}): {Encode(dataNote)}.</p>\n");

        body.Append("<section id=\"trace\">\n<h2>Gradient descent and momentum on an ill-conditioned problem (§11.6.1)</h2>\n")
            .Append($"<p>Move η and β: each position is a run computed beforehand, {grid.Steps} steps of heavy ball (β = 0 is gradient descent) ")
            .Append($"from (−5, −2), for η = {Format.G(grid.LearningRates[0])} … {Format.G(grid.LearningRates[^1])} and ")
            .Append($"β = {Format.G(grid.Momenta[0])} … {Format.G(grid.Momenta[^1])} in steps of 0.05. The book's runs ")
            .Append($"({Numbers(sections.Where(s => s.Experiment.Verb == "trace"))}) are ")
            .Append("η = 0.4 and 0.6 with β = 0, and η = 0.6 with β = 0.5 and 0.25.</p>\n")
            .Append("<div class=\"controls\">\n")
            .Append(Slider(LearningRateSlider, "η (learning rate)", grid.LearningRates.Length, i0, Format.G(first.LearningRate)))
            .Append(Slider(MomentumSlider, "β (momentum)", grid.Momenta.Length, j0, Format.G(first.Momentum)))
            .Append("</div>\n")
            .Append(Chart(TraceChart, ReportFigures.TraceChart(first)))
            .Append($"<p id=\"{TraceStatus}\" class=\"status\">{Encode(first.Status)}</p>\n</section>\n");

        body.Append("<section id=\"rate\">\n<h2>Where momentum converges (§11.6.3.2)</h2>\n")
            .Append("<p>The rate per step ρ(R) of heavy ball at every ηλ and β, in the chapter's closed form (the values of the region ")
            .Append("section's region.csv); hover for the value and the ")
            .Append("regime. The white points are the trace's two eigen-directions, λ = 0.2 and λ = 4, at their ηλ: they move with the sliders ")
            .Append("above, and the trace converges while both are left of the red border.</p>\n")
            .Append(Chart(RateChart, ReportFigures.RateMap(first)))
            .Append("</section>\n");

        if (ReportFigures.LossCurves(training) is { } loss)
            body.Append("<section id=\"loss\">\n<h2>Minibatch training (§11.6.2)</h2>\n")
                .Append($"<p>{Encode(dataNote)}.</p>\n")
                .Append(Commands(training, outFolder))
                .Append(Chart("loss-chart", loss))
                .Append("</section>\n");
        foreach (var (number, experiment, folder) in sections)
        {
            if (ReportFigures.Section(experiment, folder) is not { } figure) continue;
            body.Append($"<section id=\"section-{number}\">\n<h2>{number}. {Encode(experiment.Title)}</h2>\n")
                .Append(Commands([(number, experiment, folder)], outFolder))
                .Append(Chart($"section-{number}-chart", figure))
                .Append("</section>\n");
        }

        body.Append($"<script type=\"application/json\" id=\"{TraceGridData}\">").Append(GridJson(grid)).Append("</script>\n")
            .Append("<script>").Append(SliderScript).Append("</script>\n");

        var style = HtmlElements.rawText("<style>" + Style + "</style>");
        var document = HTML.Doc([HtmlElements.rawText(body.ToString())], "Momentum — d2l §11.6, reproduced",
            "The Momentum chapter of Dive into Deep Learning reproduced by momentum chapter: interactive figures", "utf-8",
            HtmlElements.rawText(""), PlotlyJSReference.Full, FSharpOption<FSharpList<XmlNode>>.Some(ListModule.OfSeq([style])),
            FSharpOption<FSharpList<XmlNode>>.None);
        return RenderView.AsString.htmlDocument(document);
    }

    private static string Slider(string id, string label, int count, int value, string shown) =>
        $"<label for=\"{id}\">{Encode(label)}</label> <input type=\"range\" id=\"{id}\" min=\"0\" max=\"{count - 1}\" step=\"1\" value=\"{value}\">" +
        $" <output id=\"{id}-value\" for=\"{id}\">{shown}</output>\n";

    /// <summary>"sections 6–9", "section 3" or "sections 1, 2 and 5".</summary>
    private static string Numbers(IEnumerable<(int Number, Experiment Experiment, string Folder)> sections)
    {
        var numbers = sections.Select(s => s.Number).ToList();
        if (numbers.Count == 1) return $"section {numbers[0]}";
        if (numbers.Count > 1 && numbers[^1] - numbers[0] == numbers.Count - 1) return $"sections {numbers[0]}–{numbers[^1]}";
        return numbers.Count == 0 ? "no section" : $"sections {string.Join(", ", numbers[..^1])} and {numbers[^1]}";
    }

    private static string Commands(IEnumerable<(int Number, Experiment Experiment, string Folder)> sections, string outFolder) =>
        "<pre>" + string.Join("\n", sections.Select(s => Encode($"{s.Number}. {s.Experiment.CommandLine(outFolder)}"))) + "</pre>\n";

    /// <summary>A chart's element and the script that draws it from its figure JSON (<c>&lt;/</c> escaped, so no string can end the script).</summary>
    private static string Chart(string id, string figure) =>
        $"<div id=\"{id}\" class=\"chart\"></div>\n<script>Plotly.newPlot('{id}', {figure.Replace("</", "<\\/", StringComparison.Ordinal)});</script>\n";

    private static string Encode(string text) => WebUtility.HtmlEncode(text);

    /// <summary>
    /// The runs of the grid for the sliders: <c>learningRates</c>, <c>momenta</c> and <c>runs</c>, run (i, j) at
    /// i·|momenta| + j with its path <c>x1</c>, <c>x2</c>, its <c>etaLambda</c> and its <c>status</c> line. Numbers are
    /// written as the shortest text that reads back to the same double; the encoder escapes &lt;, &gt; and &amp;, so the
    /// JSON is safe inside a script element.
    /// </summary>
    internal static string GridJson(ReportFigures.TraceGrid grid)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            Numbers(json, "learningRates", grid.LearningRates);
            Numbers(json, "momenta", grid.Momenta);
            json.WriteStartArray("runs");
            foreach (var run in grid.Runs)
            {
                json.WriteStartObject();
                Numbers(json, "x1", run.X1);
                Numbers(json, "x2", run.X2);
                Numbers(json, "etaLambda", run.EtaLambda);
                json.WriteString("status", run.Status);
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static void Numbers(Utf8JsonWriter json, string name, IEnumerable<double> values)
    {
        json.WriteStartArray(name);
        foreach (var v in values) json.WriteNumberValue(v);
        json.WriteEndArray();
    }

    // Picks the precomputed run of the sliders' (η, β) and shows it: its path on the trace chart, its two directions on the
    // rate map, the values and the status line.
    private static readonly string SliderScript = $$"""
        (function () {
          var grid = JSON.parse(document.getElementById('{{TraceGridData}}').textContent);
          var eta = document.getElementById('{{LearningRateSlider}}'), beta = document.getElementById('{{MomentumSlider}}');
          function show() {
            var i = Number(eta.value), j = Number(beta.value);
            var run = grid.runs[i * grid.momenta.length + j];
            document.getElementById('{{LearningRateSlider}}-value').textContent = String(grid.learningRates[i]);
            document.getElementById('{{MomentumSlider}}-value').textContent = String(grid.momenta[j]);
            document.getElementById('{{TraceStatus}}').textContent = run.status;
            Plotly.restyle('{{TraceChart}}', { x: [run.x1], y: [run.x2] }, [{{ReportFigures.PathTrace}}]);
            Plotly.restyle('{{RateChart}}', { x: [run.etaLambda], y: [run.etaLambda.map(function () { return grid.momenta[j]; })] }, [{{ReportFigures.DirectionsTrace}}]);
          }
          eta.addEventListener('input', show);
          beta.addEventListener('input', show);
        })();
        """;

    private const string Style = """
        body { font-family: "DejaVu Sans", "Helvetica Neue", Arial, sans-serif; max-width: 1080px; margin: 1.5em auto; padding: 0 1em; color: #222; }
        h1 { font-size: 1.6em; } h2 { font-size: 1.25em; margin-top: 2em; }
        .chart { width: 100%; height: 480px; }
        .controls { display: grid; grid-template-columns: max-content 1fr 4em; gap: 0.4em 0.8em; align-items: center; max-width: 640px; }
        .controls input { width: 100%; }
        .status { font-family: "DejaVu Sans Mono", monospace; font-size: 0.9em; }
        pre { background: #f6f8fa; padding: 0.6em; overflow-x: auto; font-size: 0.85em; }
        """;
}
