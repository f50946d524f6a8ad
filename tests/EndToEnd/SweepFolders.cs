using System.Text.Json.Nodes;

namespace Momentum.EndToEnd;

/// <summary>Sweep folders as a sweep stopped part way leaves them, made from a finished one.</summary>
internal static class SweepFolders
{
    /// <summary>Turns the folder's sweep.json into the manifest of a sweep still running (as a kill leaves it).</summary>
    public static void MarkRunning(string folder)
    {
        var path = Path.Combine(folder, "sweep.json");
        var manifest = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        manifest["status"] = "running";
        manifest["complete"] = false;
        manifest.Remove("rows_sha256");
        manifest["finished"] = File.ReadAllLines(Path.Combine(folder, "sweep.csv")).Length - 1;
        File.WriteAllText(path, manifest.ToJsonString());
    }
}
