using System.Text.Encodings.Web;
using System.Text.Json;
using Momentum.Optimizers;

namespace Momentum.Runner.Output;

/// <summary>JSON files (summaries, manifests, checkpoints), indented, written atomically through <see cref="OutputFolder"/>.</summary>
internal static class Json
{
    public static readonly JsonWriterOptions WriterOptions = new()
    {
        Indented = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, // keeps "η" and "≥" readable; files are not embedded in HTML
    };

    /// <summary>Writes <paramref name="file"/>, staged for the verb's commit (<see cref="OutputFolder.Write"/>).</summary>
    public static string Write(OutputFolder folder, string file, Action<Utf8JsonWriter> write) => folder.Write(file, stream => To(stream, write));

    /// <summary>Writes <paramref name="file"/> at once (<see cref="OutputFolder.WriteNow"/>): checkpoints and manifests of running verbs.</summary>
    public static string WriteNow(OutputFolder folder, string file, Action<Utf8JsonWriter> write) => folder.WriteNow(file, stream => To(stream, write));

    private static void To(Stream stream, Action<Utf8JsonWriter> write)
    {
        using var writer = new Utf8JsonWriter(stream, WriterOptions);
        write(writer);
        writer.Flush();
        stream.WriteByte((byte)'\n');
    }

    /// <summary>A number, or null when it is not finite (JSON has no NaN or infinity).</summary>
    public static void Number(this Utf8JsonWriter writer, string name, double value)
    {
        if (double.IsFinite(value))
        {
            writer.WritePropertyName(name);
            writer.WriteRawValue(TransformationJson.ExactText(value), skipInputValidation: true);
        }
        else writer.WriteNull(name);
    }
}
