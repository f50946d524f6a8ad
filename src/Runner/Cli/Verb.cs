using Microsoft.Extensions.Logging;
using Momentum.Runner.Execution;

namespace Momentum.Runner.Cli;

/// <summary>A verb of the <c>momentum</c> command: its options, how it reads them, and what it does.</summary>
internal abstract class Verb
{
    public abstract string Name { get; }
    public abstract string Description { get; }

    /// <summary>The verb's own options; <c>--out</c> is added to every verb.</summary>
    public abstract IReadOnlyList<OptionSpec> Options { get; }

    /// <summary>One line of example for the help text.</summary>
    public virtual string? Example => null;

    /// <summary>Whether the verb shows progress (a bar on a terminal, log lines otherwise).</summary>
    public virtual bool ShowsProgress => false;

    /// <summary>The default output folder.</summary>
    public virtual string DefaultOut => Path.Combine("out", Name);

    /// <summary>
    /// The file from which <c>--resume DIR</c> continues a stopped run of this verb (written while it runs), or null for a
    /// verb that does not resume.
    /// </summary>
    public virtual string? ResumesFrom => null;

    /// <summary>The output folder the settings call for, when it is not <c>--out</c>'s (a resumed run writes into its own).</summary>
    public virtual string? OutputOf(object settings) => null;

    /// <summary>Reads and checks every option; throws <see cref="UsageException"/> before anything is written.</summary>
    public abstract object Bind(SettingsReader reader);

    /// <summary>Runs with checked settings, writing into <see cref="VerbContext.Output"/> and printing through the context.</summary>
    public abstract Task<int> ExecuteAsync(object settings, VerbContext context);
}

/// <summary>A verb whose settings are the record <typeparamref name="TSettings"/>.</summary>
internal abstract class Verb<TSettings> : Verb
    where TSettings : notnull
{
    public sealed override object Bind(SettingsReader reader) => Read(reader);

    public sealed override Task<int> ExecuteAsync(object settings, VerbContext context) => RunAsync((TSettings)settings, context);

    protected abstract TSettings Read(SettingsReader reader);

    protected abstract Task<int> RunAsync(TSettings settings, VerbContext context);
}

/// <summary>What a running verb may touch: its output folder, standard output and error, a logger, progress and interruption.</summary>
internal sealed class VerbContext(Output.OutputFolder output, TextWriter stdout, TextWriter stderr, ILogger logger, IProgressSink progress, Interruption interruption)
{
    public Output.OutputFolder Output { get; } = output;
    public TextWriter Out { get; } = stdout;
    public TextWriter Error { get; } = stderr;
    public ILogger Logger { get; } = logger;
    public IProgressSink Progress { get; } = progress;

    /// <summary>Signals, for verbs that run other verbs.</summary>
    public Interruption Interruption { get; } = interruption;

    /// <summary>Set by the first Ctrl+C or SIGTERM: stop at the next boundary.</summary>
    public CancellationToken Cancellation => Interruption.Token;

    /// <summary>Prints one line of results to standard output.</summary>
    public void Print(string line) => Out.WriteLine(line);
}
