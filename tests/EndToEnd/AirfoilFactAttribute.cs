namespace Momentum.EndToEnd;

/// <summary>A fact that needs the NASA airfoil data: it is skipped, saying why, unless AIRFOIL_DATA names the file.</summary>
public sealed class AirfoilFactAttribute : FactAttribute
{
    public AirfoilFactAttribute()
    {
        if (Path is null)
            Skip = "AIRFOIL_DATA is not set to an existing file: point it at airfoil_self_noise.dat (.ci/run uses ../shared/data/airfoil_self_noise.dat)";
    }

    /// <summary>The file, or null when AIRFOIL_DATA is unset or names nothing.</summary>
    public static string? Path =>
        Environment.GetEnvironmentVariable("AIRFOIL_DATA") is { Length: > 0 } path && File.Exists(path) ? System.IO.Path.GetFullPath(path) : null;
}

/// <summary>A theory that needs the NASA airfoil data, skipped like <see cref="AirfoilFactAttribute"/>.</summary>
public sealed class AirfoilTheoryAttribute : TheoryAttribute
{
    public AirfoilTheoryAttribute()
    {
        if (AirfoilFactAttribute.Path is null)
            Skip = "AIRFOIL_DATA is not set to an existing file: point it at airfoil_self_noise.dat (.ci/run uses ../shared/data/airfoil_self_noise.dat)";
    }
}
