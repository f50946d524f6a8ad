namespace Momentum.Runner.Cli;

/// <summary>
/// One option of a verb: its name on the command line (<c>--lr</c>), in appsettings.json and run configs (<c>lr</c>) and in
/// environment variables (<c>MOMENTUM_TRACE__LR</c>); its help text; and its default, written as a user would write it.
/// </summary>
/// <param name="Name">The option with its dashes, e.g. <c>--batch-size</c>.</param>
/// <param name="Description">Help text.</param>
/// <param name="Default">The default as text, parsed by the same rules as a user's value; null when there is none.</param>
/// <param name="IsFlag">A switch: <c>--timing</c> alone means true.</param>
/// <param name="IsList">Positional arguments (e.g. the folders of <c>merge</c>), named <paramref name="Name"/> in help.</param>
internal sealed record OptionSpec(string Name, string Description, string? Default, bool IsFlag = false, bool IsList = false)
{
    /// <summary>The configuration key: the name without dashes (<c>batch-size</c>).</summary>
    public string Key => Name.TrimStart('-');

    public static OptionSpec Flag(string name, string description) => new(name, description, "false", IsFlag: true);

    public static OptionSpec Arguments(string name, string description) => new(name, description, null, IsList: true);
}
