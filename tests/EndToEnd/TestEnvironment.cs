using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;

namespace Momentum.EndToEnd;

/// <summary>
/// What every test of this assembly runs under, set before the first test: the data cache is a fresh temporary folder
/// (never the user's), nothing downloads on its own (<c>MOMENTUM_OFFLINE=1</c>), and the airfoil data's address is a
/// closed port on this machine, so that no test reaches beyond the machine even by mistake. Child processes inherit it.
/// The download tests change these inside <see cref="EnvironmentScope"/>, in <see cref="EnvironmentCollection"/>.
/// </summary>
internal static class TestEnvironment
{
    /// <summary>The cache folder's parent (<c>XDG_CACHE_HOME</c>) of this test run.</summary>
    public static string CacheHome { get; } = Path.Combine(Path.GetTempPath(), "momentum-e2e-cache-" + Guid.NewGuid().ToString("N"));

    /// <summary>An address on this machine where nothing listens (port 1): a download from it is refused at once.</summary>
    public const string NowhereUrl = "http://127.0.0.1:1/airfoil_self_noise.dat";

    [ModuleInitializer]
    [SuppressMessage("Usage", "CA2255", Justification = "The test assembly's environment must be set before any test runs, including tests that start child processes.")]
    internal static void Isolate()
    {
        Environment.SetEnvironmentVariable("XDG_CACHE_HOME", CacheHome);
        Environment.SetEnvironmentVariable("MOMENTUM_OFFLINE", "1");
        Environment.SetEnvironmentVariable("MOMENTUM_DATASET_AIRFOIL_URL", NowhereUrl);
        Environment.SetEnvironmentVariable("MOMENTUM_DATASET_AIRFOIL_SHA1", null);
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try { Directory.Delete(CacheHome, recursive: true); } catch (DirectoryNotFoundException) { }
        };
    }
}

/// <summary>Sets environment variables for one test and puts the previous values back when disposed.</summary>
internal sealed class EnvironmentScope : IDisposable
{
    private readonly List<(string Name, string? Value)> saved = [];

    public EnvironmentScope(params (string Name, string? Value)[] values)
    {
        foreach (var (name, value) in values)
        {
            saved.Add((name, Environment.GetEnvironmentVariable(name)));
            Environment.SetEnvironmentVariable(name, value);
        }
    }

    public void Dispose()
    {
        foreach (var (name, value) in Enumerable.Reverse(saved)) Environment.SetEnvironmentVariable(name, value);
    }
}
