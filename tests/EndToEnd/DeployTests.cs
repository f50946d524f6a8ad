using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Momentum.EndToEnd;

/// <summary>
/// The files in deploy/: the Slurm job-array script and the Kubernetes Indexed Job, each run as its scheduler would run
/// it, task by task, on this machine (with <c>momentum</c> from this build), and their shards merged and compared byte
/// for byte with the unsharded sweep; the Indexed Job also checked field by field, as Kubernetes reads it; and the
/// script on a real single-node Slurm cluster when <c>.ci/run</c> could install one.
/// </summary>
public sealed partial class DeployTests : IDisposable
{
    private readonly Cli cli = new();

    public void Dispose() => cli.Dispose();

    /// <summary>The repository's root: the folder above this build that holds Functional.sln.</summary>
    public static string Repository { get; } = FindRepository();

    private static string FindRepository()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
            if (File.Exists(Path.Combine(folder.FullName, "Functional.sln")))
                return folder.FullName;
        throw new InvalidOperationException($"no Functional.sln above {AppContext.BaseDirectory}");
    }

    private static string JobFile => Path.Combine(Repository, "deploy", "kubernetes", "sweep-indexed-job.yaml");

    private static string ArrayScript => Path.Combine(Repository, "deploy", "slurm", "sweep-array.sh");

    /// <summary>A folder with an executable <c>momentum</c> that runs this build's program, for a PATH.</summary>
    private string ProgramFolder()
    {
        var folder = cli.PathOf("bin");
        Directory.CreateDirectory(folder);
        var program = Path.Combine(folder, "momentum");
        File.WriteAllText(program, $"#!/bin/sh\nexec dotnet '{Path.Combine(AppContext.BaseDirectory, "momentum.dll")}' \"$@\"\n");
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(program, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return folder;
    }

    /// <summary>Runs <paramref name="file"/> with <paramref name="arguments"/> in <paramref name="folder"/> and the given environment; fails on a non-zero exit.</summary>
    private static void Run(string folder, IReadOnlyDictionary<string, string> environment, string file, params string[] arguments)
    {
        var start = new ProcessStartInfo(file) { WorkingDirectory = folder, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        foreach (var (name, value) in environment) start.Environment[name] = value;
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"{file} {string.Join(" ", arguments)} exited {process.ExitCode}: {error.Result}{output.Result}");
    }

    /// <summary>The merged shards and the unsharded sweep give the same sweep.csv, sweep.json and sweep.png, byte for byte.</summary>
    private void AssertMergeEqualsUnsharded(IReadOnlyList<string> shards, string unsharded)
    {
        var merged = cli.Run(["merge", .. shards, "--out", cli.PathOf("merged")]);
        Assert.True(merged.ExitCode == 0, merged.Error);
        foreach (var file in new[] { "sweep.csv", "sweep.json", "sweep.png" })
            Assert.Equal(File.ReadAllBytes(Path.Combine(unsharded, file)), File.ReadAllBytes(cli.PathOf("merged", file)));
    }

    [Fact]
    public void The_slurm_array_script_run_as_each_task_gives_shards_that_merge_into_the_unsharded_sweep()
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS()) return;
        string[] grid = ["--synthetic", "200x3", "--lr", "0.01,0.02,0.05", "--momentum", "0,0.9", "--seeds", "0,1", "--epochs", "1"];
        var program = Path.Combine(ProgramFolder(), "momentum");
        const int tasks = 3;
        for (var task = 1; task <= tasks; task++)
            Run(cli.Root, new Dictionary<string, string>
            {
                ["SLURM_ARRAY_TASK_ID"] = task.ToString(CultureInfo.InvariantCulture),
                ["SLURM_ARRAY_TASK_COUNT"] = tasks.ToString(CultureInfo.InvariantCulture),
                ["SLURM_CPUS_PER_TASK"] = "1",
                ["MOMENTUM"] = program,
                ["DATA"] = "",
                ["OUT"] = "sweep",
            }, "bash", [ArrayScript, .. grid]);

        Assert.Equal(0, cli.Run(["sweep", .. grid, "--out", cli.PathOf("unsharded")]).ExitCode);
        AssertMergeEqualsUnsharded([.. Enumerable.Range(1, tasks).Select(k => cli.PathOf("sweep", $"shard-{k}"))], cli.PathOf("unsharded"));
    }

    /// <summary>The Indexed Job as Kubernetes reads it: its one YAML document, parsed by PyYAML and handed over as JSON.</summary>
    private static JsonElement ReadJob()
    {
        var start = new ProcessStartInfo("python3") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in new[] { "-c", "import json, sys, yaml; json.dump(list(yaml.safe_load_all(open(sys.argv[1]))), sys.stdout)", JobFile })
            start.ArgumentList.Add(argument);
        using var process = Process.Start(start)!;
        var json = process.StandardOutput.ReadToEnd();
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"{JobFile} is not valid YAML: {error}");
        using var documents = JsonDocument.Parse(json);
        return Assert.Single(documents.RootElement.EnumerateArray()).Clone();
    }

    // The fields of batch/v1 Job, JobSpec, PodTemplateSpec, PodSpec and Container that a sweep could use: a misspelt
    // field is not one of them (Kubernetes would drop it, or refuse the Job).
    private static readonly string[] JobFields = ["apiVersion", "kind", "metadata", "spec"];
    private static readonly string[] JobSpecFields =
    [
        "activeDeadlineSeconds", "backoffLimit", "backoffLimitPerIndex", "completionMode", "completions", "manualSelector",
        "maxFailedIndexes", "parallelism", "podFailurePolicy", "podReplacementPolicy", "selector", "successPolicy", "suspend",
        "template", "ttlSecondsAfterFinished",
    ];
    private static readonly string[] PodSpecFields =
    [
        "activeDeadlineSeconds", "affinity", "automountServiceAccountToken", "containers", "dnsPolicy", "enableServiceLinks",
        "imagePullSecrets", "initContainers", "nodeName", "nodeSelector", "priorityClassName", "restartPolicy", "schedulerName",
        "securityContext", "serviceAccountName", "terminationGracePeriodSeconds", "tolerations", "topologySpreadConstraints", "volumes",
    ];
    private static readonly string[] ContainerFields =
    [
        "args", "command", "env", "envFrom", "image", "imagePullPolicy", "lifecycle", "livenessProbe", "name", "ports", "readinessProbe",
        "resources", "securityContext", "startupProbe", "stdin", "terminationMessagePath", "terminationMessagePolicy", "tty",
        "volumeDevices", "volumeMounts", "workingDir",
    ];

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")]
    private static partial Regex Dns1123Label();

    private static void AssertFields(JsonElement element, string[] allowed, string where)
    {
        Assert.Equal(JsonValueKind.Object, element.ValueKind);
        foreach (var property in element.EnumerateObject())
            Assert.True(allowed.Contains(property.Name), $"{where}.{property.Name} is not a field of {where}");
    }

    private static string[] Strings(JsonElement list) =>
        [.. list.EnumerateArray().Select(e => e.ValueKind == JsonValueKind.String ? e.GetString()! : throw new Xunit.Sdk.XunitException($"{e} is not a string"))];

    [PythonYamlFact]
    public void The_indexed_job_is_a_kubernetes_indexed_job_whose_shards_match_its_completions()
    {
        var job = ReadJob();
        AssertFields(job, JobFields, "Job");
        Assert.Equal("batch/v1", job.GetProperty("apiVersion").GetString());
        Assert.Equal("Job", job.GetProperty("kind").GetString());
        Assert.Matches(Dns1123Label(), job.GetProperty("metadata").GetProperty("name").GetString());

        var spec = job.GetProperty("spec");
        AssertFields(spec, JobSpecFields, "JobSpec");
        Assert.Equal("Indexed", spec.GetProperty("completionMode").GetString());
        var completions = spec.GetProperty("completions").GetInt32();
        Assert.InRange(completions, 1, 100_000);
        Assert.InRange(spec.GetProperty("parallelism").GetInt32(), 1, completions);
        Assert.True(spec.GetProperty("backoffLimit").GetInt32() >= 0);

        var pod = spec.GetProperty("template").GetProperty("spec");
        AssertFields(pod, PodSpecFields, "PodSpec");
        Assert.Contains(pod.GetProperty("restartPolicy").GetString(), new[] { "Never", "OnFailure" });
        var volumes = pod.GetProperty("volumes").EnumerateArray().Select(v => v.GetProperty("name").GetString()).ToList();
        var container = Assert.Single(pod.GetProperty("containers").EnumerateArray());
        AssertFields(container, ContainerFields, "Container");
        Assert.Matches(Dns1123Label(), container.GetProperty("name").GetString());
        Assert.False(string.IsNullOrWhiteSpace(container.GetProperty("image").GetString()));

        // Environment values must be strings (a bare 16 is refused); the shard count is the number of completions.
        var environment = container.GetProperty("env").EnumerateArray().ToDictionary(
            e => e.GetProperty("name").GetString()!,
            e => e.GetProperty("value").ValueKind == JsonValueKind.String ? e.GetProperty("value").GetString()! : throw new Xunit.Sdk.XunitException($"env {e} has a value that is not a string"));
        Assert.Equal(completions.ToString(CultureInfo.InvariantCulture), environment["SHARDS"]);

        var script = string.Join(" ", [.. Strings(container.GetProperty("command")), .. Strings(container.GetProperty("args"))]);
        Assert.Contains("--shard $((JOB_COMPLETION_INDEX + 1))/$SHARDS", script);
        Assert.Contains("--out shards/shard-$((JOB_COMPLETION_INDEX + 1))", script);
        var parallelism = Regex.Match(script, @"--parallelism (\d+)").Groups[1].Value;
        var resources = container.GetProperty("resources");
        Assert.Equal(parallelism, resources.GetProperty("requests").GetProperty("cpu").GetString());
        Assert.Equal(parallelism, resources.GetProperty("limits").GetProperty("cpu").GetString());
        foreach (var mount in container.GetProperty("volumeMounts").EnumerateArray())
            Assert.Contains(mount.GetProperty("name").GetString(), volumes);
    }

    [PythonYamlFact]
    public void The_indexed_jobs_command_run_for_every_index_gives_shards_that_merge_into_the_unsharded_sweep()
    {
        if (OperatingSystem.IsWindows()) return;
        var job = ReadJob();
        var container = job.GetProperty("spec").GetProperty("template").GetProperty("spec").GetProperty("containers")[0];
        var command = Strings(container.GetProperty("command")).Concat(Strings(container.GetProperty("args"))).ToArray();
        var mount = container.GetProperty("volumeMounts")[0].GetProperty("mountPath").GetString()!;
        var shards = int.Parse(container.GetProperty("env").EnumerateArray().Single(e => e.GetProperty("name").GetString() == "SHARDS")
            .GetProperty("value").GetString()!, CultureInfo.InvariantCulture);
        var path = ProgramFolder() + ":" + Environment.GetEnvironmentVariable("PATH");

        // The shared volume is a folder of this test's; the airfoil data in its cache is a table of the test's own.
        string Mounted(string volume, string value) => value.StartsWith(mount, StringComparison.Ordinal) ? volume + value[mount.Length..] : value;
        var data = new StringBuilder();
        for (var i = 0; i < 60; i++) data.Append(CultureInfo.InvariantCulture, $"{100 * i}\t{i % 5}\t{0.1 * (1 + i % 3)}\t{31 + i % 4}\t{0.001 * (1 + i % 7)}\t{120 + i % 9 + 0.1 * i}\r\n");
        var bytes = Encoding.ASCII.GetBytes(data.ToString());

        void RunIndexes(string volume, int count)
        {
            var environment = container.GetProperty("env").EnumerateArray()
                .ToDictionary(e => e.GetProperty("name").GetString()!, e => Mounted(volume, e.GetProperty("value").GetString()!));
            environment["SHARDS"] = count.ToString(CultureInfo.InvariantCulture);
            environment["PATH"] = path;
            environment["MOMENTUM_DATASET_AIRFOIL_SHA1"] = Convert.ToHexStringLower(SHA1.HashData(bytes));
            var cache = Path.Combine(environment["XDG_CACHE_HOME"], "momentum");
            Directory.CreateDirectory(cache);
            File.WriteAllBytes(Path.Combine(cache, "airfoil_self_noise.dat"), bytes);
            var workingDirectory = Mounted(volume, container.GetProperty("workingDir").GetString()!);
            for (var index = 0; index < count; index++)
            {
                environment["JOB_COMPLETION_INDEX"] = index.ToString(CultureInfo.InvariantCulture);
                Run(workingDirectory, environment, command[0], command[1..]);
            }
        }

        RunIndexes(cli.PathOf("volume"), shards);
        RunIndexes(cli.PathOf("alone"), 1);
        AssertMergeEqualsUnsharded([.. Enumerable.Range(1, shards).Select(k => cli.PathOf("volume", "shards", $"shard-{k}"))],
            cli.PathOf("alone", "shards", "shard-1"));
    }

    [SlurmFact]
    public void A_job_array_on_a_single_node_slurm_cluster_merges_into_the_unsharded_sweep_byte_for_byte()
    {
        var script = Path.Combine(Repository, "deploy", "slurm", "test-single-node.sh");
        var start = new ProcessStartInfo("bash") { WorkingDirectory = Repository, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(script);
        using var process = Process.Start(start)!;
        var error = process.StandardError.ReadToEndAsync();
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"{script} exited {process.ExitCode}:\n{output}{error.Result}");
        Assert.StartsWith("passed: ", output.Split('\n', StringSplitOptions.RemoveEmptyEntries)[^1]);
    }
}

/// <summary>A fact that reads YAML with python3's PyYAML (Debian's python3-yaml, which .ci/run installs where missing); skipped, saying why, without it.</summary>
public sealed class PythonYamlFactAttribute : FactAttribute
{
    public PythonYamlFactAttribute()
    {
        if (Problem() is { } problem) Skip = $"{problem}: install Debian's python3-yaml (.ci/run does where it is missing)";
    }

    private static string? Problem()
    {
        try
        {
            var start = new ProcessStartInfo("python3", ["-c", "import yaml"]) { RedirectStandardError = true, UseShellExecute = false };
            using var process = Process.Start(start)!;
            process.StandardError.ReadToEnd();
            process.WaitForExit();
            return process.ExitCode == 0 ? null : "python3 cannot import yaml";
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return "python3 is not on PATH";
        }
    }
}

/// <summary>
/// The real Slurm test (deploy/slurm/test-single-node.sh): it runs when <c>MOMENTUM_SLURM_TEST=1</c>, which .ci/run sets
/// once it has slurm-wlm and munge, and is skipped otherwise, with .ci/run's reason (<c>MOMENTUM_SLURM_SKIPPED</c>).
/// </summary>
public sealed class SlurmFactAttribute : FactAttribute
{
    public SlurmFactAttribute()
    {
        if (Environment.GetEnvironmentVariable("MOMENTUM_SLURM_TEST") != "1")
            Skip = "MOMENTUM_SLURM_TEST is not 1 (.ci/run sets it when it can install slurm-wlm and munge; run as root to try)"
                + (Environment.GetEnvironmentVariable("MOMENTUM_SLURM_SKIPPED") is { Length: > 0 } why ? $": {why}" : "");
    }
}
