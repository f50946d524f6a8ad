using System.CommandLine;
using System.CommandLine.Help;
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

/// <summary>
/// The <c>momentum</c> program: System.CommandLine parses the verb and its options; a host
/// (<see cref="Host.CreateApplicationBuilder(HostApplicationBuilderSettings)"/>) layers appsettings.json, environment variables
/// (<c>MOMENTUM_</c>) and the command line into one configuration; the verb reads and checks all of its options before it
/// writes anything. Exit codes: 0 success, 2 invalid argument or input, 3 numerical divergence, 130 interrupted.
/// </summary>
internal static partial class App
{
    public const int Success = 0;
    public const int Usage = 2;
    public const int Diverged = 3;
    public const int Interrupted = 130;

    /// <summary>The verbs, the chapter first (it runs when no verb is given).</summary>
    public static IReadOnlyList<Verb> CreateVerbs()
    {
        IReadOnlyList<Verb> all = [];
        Verb[] experiments =
        [
            new TraceVerb(), new QuadraticVerb(), new AnalyzeVerb(), new RegionVerb(), new WeightsVerb(), new ScalarVerb(),
            new TrainVerb(), new SweepVerb(), new MergeVerb(), new BenchVerb(), new DataVerb(),
        ];
        all = [new ChapterVerb(experiments), .. experiments, new RunVerb(() => all)];
        return all;
    }

    public static async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr, CancellationToken cancellation = default)
    {
        var verbs = CreateVerbs();
        var (root, commands) = BuildCommandLine(verbs);
        var parse = root.Parse(args);

        if (parse.Action is HelpAction || parse.Action?.GetType().Name == "VersionOptionAction")
            return await parse.InvokeAsync(new InvocationConfiguration { Output = stdout, Error = stderr }, cancellation);
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

        using var host = BuildHost(verbs, explicitValues);
        var configuration = host.Services.GetRequiredService<IConfiguration>();
        var logger = host.Services.GetRequiredService<ILoggerFactory>().CreateLogger("momentum");
        var section = configuration.GetSection(verb.Name);
        var given = explicitValues.Keys.Select(k => k.Split(':')[1]).ToHashSet(StringComparer.OrdinalIgnoreCase);
        if (!verb.ShowsProgress)
            return await ExecuteAsync(verb, section, stdout, stderr, logger, SilentProgress.Instance, cancellation, given);
        if (ReferenceEquals(stderr, Console.Error) && !Console.IsErrorRedirected)
        {
            var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error), Interactive = InteractionSupport.Yes });
            return await SpectreProgress.RunAsync(console, sink => ExecuteAsync(verb, section, stdout, stderr, logger, sink, cancellation, given));
        }
        return await ExecuteAsync(verb, section, stdout, stderr, logger, new LogProgress(stderr, TimeSpan.FromSeconds(5)), cancellation, given);
    }

    /// <summary>Reads the verb's settings from <paramref name="section"/>, then runs it; shared with <c>chapter</c> and <c>run</c>.</summary>
    /// <param name="given">The option keys given on this invocation, as opposed to appsettings.json or the environment.</param>
    public static async Task<int> ExecuteAsync(Verb verb, IConfiguration section, TextWriter stdout, TextWriter stderr, ILogger logger,
        IProgressSink progress, CancellationToken cancellation, IReadOnlySet<string>? given = null)
    {
        object settings;
        OutputFolder output = new("");
        try
        {
            var reader = new SettingsReader(section, WithOut(verb), given) { Cancellation = cancellation };
            settings = verb.Bind(reader);
            output = new OutputFolder(verb.OutputOf(settings) ?? reader.Text("--out"));
        }
        catch (UsageException e)
        {
            stderr.WriteLine(e.Message);
            return Usage;
        }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
        {
            stderr.WriteLine("interrupted");
            return Interrupted;
        }

        try
        {
            var context = new VerbContext(output, stdout, stderr, logger, progress, cancellation);
            var code = await verb.ExecuteAsync(settings, context);
            foreach (var file in output.Written) logger.LogInformation("wrote {File}", file);
            return code;
        }
        catch (UsageException e)
        {
            stderr.WriteLine(e.Message);
            return Usage;
        }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
        {
            stderr.WriteLine("interrupted");
            return Interrupted;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            stderr.WriteLine($"--out {output.Path}: cannot write ({e.Message})");
            return Usage;
        }
    }

    private static IHost BuildHost(IReadOnlyList<Verb> verbs, IDictionary<string, string?> commandLine)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
        {
            DisableDefaults = true,
            ApplicationName = "momentum",
            ContentRootPath = AppContext.BaseDirectory,
        });
        builder.Configuration
            .AddJsonFile(Path.Combine(AppContext.BaseDirectory, "appsettings.json"), optional: true, reloadOnChange: false)
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
            return $"{unknown.Groups[1].Value}: not an option or verb of 'momentum{(command is null ? "" : " " + command)}'; see '{help}'";
        if (MissingPattern().Match(message) is { Success: true } missing)
            return $"{missing.Groups[1].Value}: needs a value";
        return $"{message.TrimEnd('.')}; see '{help}'";
    }

    [GeneratedRegex(@"^Unrecognized command or argument '(.*)'")]
    private static partial Regex UnrecognizedPattern();

    [GeneratedRegex(@"^Required argument missing for option: '(.*)'")]
    private static partial Regex MissingPattern();
}
