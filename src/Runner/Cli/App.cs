using System.CommandLine;
using System.CommandLine.Help;
using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;
using Momentum.Runner.Execution;
using Momentum.Runner.Output;
using Momentum.Runner.Verbs;
using Spectre.Console;

namespace Momentum.Runner.Cli;

/// <summary>What the program runs with besides its arguments: the settings file, and (for tests) where progress goes.</summary>
/// <param name="SettingsFile">appsettings.json, by default beside the program.</param>
/// <param name="Progress">Receives progress instead of standard error; null: a bar on a terminal, log lines otherwise.</param>
internal sealed record AppSetup(string SettingsFile, IProgressSink? Progress = null)
{
    public static AppSetup Default => new(Cli.SettingsFile.Default);
}

/// <summary>
/// The <c>momentum</c> program: System.CommandLine parses the verb and its options; a host
/// (<see cref="Host.CreateApplicationBuilder(HostApplicationBuilderSettings)"/>) layers appsettings.json, environment variables
/// (<c>MOMENTUM_</c>) and the command line into one configuration; the verb reads and checks all of its options before it
/// writes anything, writes its results under temporary names, and renames them into place when it has finished.
/// Exit codes: 0 success, 2 invalid argument or input (nothing written), 3 numerical divergence, 4 a result could not be
/// written (the file is named; the folder is left as it was, or resumable), 70 an internal error (a bug), 130 interrupted.
/// </summary>
internal static partial class App
{
    public const int Success = 0;
    public const int Usage = 2;
    public const int Diverged = 3;
    public const int CannotWrite = 4;
    public const int Internal = 70;
    public const int Interrupted = 130;

    /// <summary>The verbs, the chapter first (it runs when no verb is given).</summary>
    public static IReadOnlyList<Verb> CreateVerbs()
    {
        IReadOnlyList<Verb> all = [];
        Verb[] experiments =
        [
            new TraceVerb(), new QuadraticVerb(), new AnalyzeVerb(), new TunedVerb(), new RegionVerb(), new NoiseVerb(), new WeightsVerb(), new ScalarVerb(),
            new TrainVerb(), new PlateauVerb(), new SweepVerb(), new MergeVerb(), new BenchVerb(), new DataVerb(),
        ];
        all = [new ChapterVerb(experiments), .. experiments, new RunVerb(() => all)];
        return all;
    }

    public static Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr, CancellationToken cancellation = default) =>
        RunAsync(args, stdout, stderr, new Interruption(cancellation), AppSetup.Default);

    /// <summary>Runs the program; every failure becomes an exit code and one line on standard error.</summary>
    public static async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr, Interruption interruption, AppSetup setup)
    {
        var output = new GuardedWriter(stdout, "standard output");
        var error = new GuardedWriter(stderr, "standard error");
        int code;
        try
        {
            code = await DispatchAsync(args, output, error, interruption, setup);
        }
        catch (OperationCanceledException) when (interruption.IsRequested)
        {
            error.WriteLine("interrupted: nothing was written");
            code = Interrupted;
        }
        catch (Exception e)
        {
            error.WriteLine(InternalError(e));
            code = Internal;
        }
        output.Flush();
        if (output.Failure is { } failure)
        {
            error.WriteLine($"{output.Name}: cannot write ({OneLine(failure.Message)})");
            if (code == Success) code = CannotWrite;
        }
        error.Flush();
        return code;
    }

    private static async Task<int> DispatchAsync(string[] args, TextWriter stdout, TextWriter stderr, Interruption interruption, AppSetup setup)
    {
        var verbs = CreateVerbs();
        if (MisplacedOption(args, verbs) is { } misplaced)
        {
            stderr.WriteLine(OneLine(misplaced));
            return Usage;
        }
        var (root, commands) = BuildCommandLine(verbs);
        var parse = root.Parse(args);

        if (parse.Action is HelpAction || parse.Action?.GetType().Name == "VersionOptionAction")
            return await parse.InvokeAsync(new InvocationConfiguration { Output = stdout, Error = stderr }, interruption.Token);
        if (parse.Errors.Count > 0)
        {
            stderr.WriteLine(Describe(parse.Errors[0].Message, parse.CommandResult.Command is RootCommand ? null : parse.CommandResult.Command.Name));
            return Usage;
        }

        var command = parse.CommandResult.Command;
        var (verb, symbols) = commands[command];
        var explicitValues = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        foreach (var (spec, symbol) in symbols)
            switch (symbol)
            {
                case Argument<string[]> argument:
                    var items = parse.GetValue(argument) ?? [];
                    for (var i = 0; i < items.Length; i++) explicitValues[$"{verb.Name}:{spec.Key}:{i}"] = items[i];
                    break;
                case Option<bool> flag when parse.GetResult(flag) is { Implicit: false }:
                    explicitValues[$"{verb.Name}:{spec.Key}"] = parse.GetValue(flag) ? "true" : "false";
                    break;
                case Option<string> option when parse.GetResult(option) is { Implicit: false }:
                    explicitValues[$"{verb.Name}:{spec.Key}"] = parse.GetValue(option);
                    break;
            }

        IHost host;
        ILogger logger;
        try
        {
            byte[]? settings;
            using (interruption.ReadingInputs()) settings = SettingsFile.Load(setup.SettingsFile, verbs);
            host = BuildHost(verbs, settings, explicitValues);
            logger = host.Services.GetRequiredService<ILoggerFactory>().CreateLogger("momentum");
        }
        catch (UsageException e)
        {
            stderr.WriteLine(OneLine(e.Message));
            return Usage;
        }
        catch (Exception e) when (e is InvalidOperationException or FormatException or InvalidDataException or ArgumentException)
        {
            // The configuration's own checks (e.g. a Logging level that is not one): the environment or settings are at fault.
            stderr.WriteLine($"configuration (appsettings.json or MOMENTUM_ environment variables): {OneLine(e.Message)}");
            return Usage;
        }
        using (host)
        {
            var configuration = host.Services.GetRequiredService<IConfiguration>();
            var section = configuration.GetSection(verb.Name);
            var given = explicitValues.Keys.Select(k => k.Split(':')[1]).ToHashSet(StringComparer.OrdinalIgnoreCase);
            if (setup.Progress is { } sink)
                return await ExecuteAsync(verb, section, stdout, stderr, logger, sink, interruption, given);
            if (!verb.ShowsProgress)
                return await ExecuteAsync(verb, section, stdout, stderr, logger, SilentProgress.Instance, interruption, given);
            if (ReferenceEquals(stderr, Console.Error) && !Console.IsErrorRedirected)
            {
                var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error), Interactive = InteractionSupport.Yes });
                return await SpectreProgress.RunAsync(console, progress => ExecuteAsync(verb, section, stdout, stderr, logger, progress, interruption, given));
            }
            return await ExecuteAsync(verb, section, stdout, stderr, logger, new LogProgress(stderr, TimeSpan.FromSeconds(5)), interruption, given);
        }
    }

    /// <summary>
    /// Reads the verb's settings from <paramref name="section"/>, then runs it and commits its files; shared with
    /// <c>chapter</c> and <c>run</c>. Every failure is an exit code and one line on <paramref name="stderr"/>; a verb
    /// that fails or is interrupted part way leaves its folder as it was, but for what it wrote at once (checkpoints, a
    /// sweep's manifest and rows), which is what resuming needs.
    /// </summary>
    /// <param name="given">The option keys given on this invocation, as opposed to appsettings.json or the environment.</param>
    public static async Task<int> ExecuteAsync(Verb verb, IConfiguration section, TextWriter stdout, TextWriter stderr, ILogger logger,
        IProgressSink progress, Interruption interruption, IReadOnlySet<string>? given = null)
    {
        object settings;
        OutputFolder output;
        try
        {
            using (interruption.ReadingInputs())
            {
                var reader = new SettingsReader(section, WithOut(verb), given) { Cancellation = interruption.Token };
                settings = verb.Bind(reader);
                output = OutputFolder.Check(verb.OutputOf(settings) ?? reader.Text("--out"));
            }
        }
        catch (UsageException e)
        {
            stderr.WriteLine(OneLine(e.Message));
            return Usage;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            stderr.WriteLine($"cannot read an input ({OneLine(e.Message)})");
            return Usage;
        }
        catch (OperationCanceledException) when (interruption.IsRequested)
        {
            stderr.WriteLine("interrupted before anything was written");
            return Interrupted;
        }

        try
        {
            var context = new VerbContext(output, stdout, stderr, logger, progress, interruption);
            interruption.BeginWriting();
            var code = await verb.ExecuteAsync(settings, context);
            output.Commit();
            foreach (var file in output.Written) logger.LogInformation("wrote {File}", file);
            return code;
        }
        catch (UsageException e)
        {
            output.Discard();
            stderr.WriteLine(OneLine(e.Message));
            return Usage;
        }
        catch (OperationCanceledException) when (interruption.IsRequested)
        {
            output.Discard();
            stderr.WriteLine($"interrupted: {verb.Name} stopped before it finished; its results were not written to {output.Path}");
            return Interrupted;
        }
        catch (OutputException e)
        {
            output.Discard();
            stderr.WriteLine(OneLine(e.Message) + Resumable(verb, output));
            return CannotWrite;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            output.Discard();
            stderr.WriteLine($"{output.Path}: cannot write ({OneLine(e.Message)}){Resumable(verb, output)}");
            return CannotWrite;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            output.Discard();
            stderr.WriteLine(InternalError(e));
            return Internal;
        }
    }

    // What a verb that failed to write leaves: its results are not in place, but a checkpoint or a sweep's manifest it
    // wrote while it ran may be.
    private static string Resumable(Verb verb, OutputFolder output) =>
        verb.ResumesFrom is { } file && output.Written.Contains(output.PathOf(file))
            ? $"; {output.Path} holds what is needed to continue: momentum {verb.Name} --resume {output.Path}"
            : $"; the results in {output.Path} were not written";

    private static string InternalError(Exception e) =>
        $"internal error: {e.GetType().Name}: {OneLine(e.Message)} (this is a bug; please report it with the command line)";

    // Every message is one line: a line break that came from a file or a value (a name in a config, a damaged field)
    // is shown escaped.
    private static string OneLine(string message) => message.Trim().Replace("\r", "\\r").Replace("\n", "\\n");

    private static IHost BuildHost(IReadOnlyList<Verb> verbs, byte[]? settings, IDictionary<string, string?> commandLine)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
        {
            DisableDefaults = true,
            ApplicationName = "momentum",
            ContentRootPath = AppContext.BaseDirectory,
        });
        if (settings is not null) builder.Configuration.AddJsonStream(new MemoryStream(settings));
        builder.Configuration
            .AddEnvironmentVariables("MOMENTUM_")
            .AddInMemoryCollection(commandLine);
        builder.Logging.AddConfiguration(builder.Configuration.GetSection("Logging"));
        builder.Logging.AddSimpleConsole(o => o.SingleLine = true);
        builder.Services.Configure<ConsoleLoggerOptions>(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
        foreach (var verb in verbs) builder.Services.AddSingleton(verb.GetType(), verb);
        return builder.Build();
    }

    /// <summary>The verb's options and <c>--out</c>.</summary>
    public static IEnumerable<OptionSpec> WithOut(Verb verb) =>
        verb.Options.Append(new OptionSpec("--out", "Output folder (created when first written).", verb.DefaultOut));

    /// <summary>
    /// What System.CommandLine would take the wrong way: an option followed by another option instead of its value
    /// (<c>--lr --out o2</c> would make "--out" the learning rate), an empty <c>--lr=</c>, and an unknown option before a
    /// verb's positional arguments (<c>merge --shard 1/2 a</c> would make "--shard" a folder).
    /// </summary>
    private static string? MisplacedOption(string[] args, IReadOnlyList<Verb> verbs)
    {
        var verb = args.Length > 0 ? verbs.FirstOrDefault(v => v.Name == args[0]) : null;
        var specs = WithOut(verb ?? verbs[0]).ToList();
        var valued = specs.Where(s => !s.IsFlag && !s.IsList).Select(s => s.Name).ToHashSet(StringComparer.Ordinal);
        var named = specs.Where(s => !s.IsList).Select(s => s.Name).Concat(["--help", "-h", "-?", "--version"]).ToHashSet(StringComparer.Ordinal);
        var positional = specs.Any(s => s.IsList);
        var name = verb is null ? "momentum" : $"momentum {verb.Name}";
        bool IsOption(string token) => named.Contains(token.Split('=', 2)[0]);
        for (var i = verb is null ? 0 : 1; i < args.Length; i++)
        {
            var token = args[i];
            if (token == "--") break;
            var equals = token.IndexOf('=', StringComparison.Ordinal);
            if (equals > 0 && valued.Contains(token[..equals]))
            {
                if (equals == token.Length - 1) return $"{token[..equals]}: needs a value";
                continue;
            }
            if (valued.Contains(token))
            {
                if (i + 1 >= args.Length || IsOption(args[i + 1])) return $"{token}: needs a value";
                i++;
                continue;
            }
            if (positional && token.Length > 1 && token[0] == '-' && !IsOption(token)
                && !double.TryParse(token, NumberStyles.Float, CultureInfo.InvariantCulture, out _))
                return $"{token.Split('=', 2)[0]}: not an option of '{name}'; see '{name} --help'";
        }
        return null;
    }

    private static (RootCommand Root, Dictionary<Command, (Verb Verb, List<(OptionSpec Spec, Symbol Symbol)> Symbols)> Commands) BuildCommandLine(IReadOnlyList<Verb> verbs)
    {
        var chapter = verbs[0];
        var root = new RootCommand(
            "momentum: gradient descent, momentum and Nesterov as in Dive into Deep Learning §11.6, reproducible from the command line.\n" +
            "With no verb it runs `chapter`: every figure of the chapter into out/.");
        var commands = new Dictionary<Command, (Verb, List<(OptionSpec, Symbol)>)>();
        commands[root] = (chapter, AddOptions(root, chapter));
        root.SetAction(_ => Success); // no verb runs the chapter; RunAsync dispatches, the action only marks the root as runnable
        foreach (var verb in verbs)
        {
            var description = verb.Example is null ? verb.Description : $"{verb.Description}\nExample: {verb.Example}";
            var command = new Command(verb.Name, description);
            commands[command] = (verb, AddOptions(command, verb));
            root.Subcommands.Add(command);
        }
        return (root, commands);
    }

    private static List<(OptionSpec, Symbol)> AddOptions(Command command, Verb verb)
    {
        var list = new List<(OptionSpec, Symbol)>();
        foreach (var spec in WithOut(verb))
        {
            if (spec.IsList)
            {
                var argument = new Argument<string[]>(spec.Key) { Description = spec.Description, Arity = ArgumentArity.ZeroOrMore };
                command.Arguments.Add(argument);
                list.Add((spec, argument));
                continue;
            }
            Option option = spec.IsFlag
                ? new Option<bool>(spec.Name) { Description = spec.Description }
                : new Option<string>(spec.Name)
                {
                    Description = spec.Description,
                    DefaultValueFactory = spec.Default is null ? null : _ => spec.Default,
                    HelpName = "value",
                };
            command.Options.Add(option);
            list.Add((spec, option));
        }
        return list;
    }

    // System.CommandLine's messages, turned into the tool's one-line form.
    private static string Describe(string message, string? command)
    {
        var help = command is null ? "momentum --help" : $"momentum {command} --help";
        if (UnrecognizedPattern().Match(message) is { Success: true } unknown)
            return $"{OneLine(unknown.Groups[1].Value)}: not an option or verb of 'momentum{(command is null ? "" : " " + command)}'; see '{help}'";
        if (MissingPattern().Match(message) is { Success: true } missing)
            return $"{missing.Groups[1].Value}: needs a value";
        return $"{OneLine(message).TrimEnd('.')}; see '{help}'";
    }

    [GeneratedRegex(@"^Unrecognized command or argument '(.*)'", RegexOptions.Singleline)]
    private static partial Regex UnrecognizedPattern();

    [GeneratedRegex(@"^Required argument missing for option: '(.*)'")]
    private static partial Regex MissingPattern();
}
