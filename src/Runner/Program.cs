using Momentum.Runner.Cli;
using Momentum.Runner.Execution;

// `momentum [verb] [options]`: the whole program is App.RunAsync, which the end-to-end tests call directly.
// The first Ctrl+C (SIGINT) or SIGTERM asks the running verb to stop at its next boundary and write what it has (exit 130);
// a second one, or one while the verb is still reading its inputs (which may block, e.g. on a FIFO), ends the process at
// once (exit 130). See Interruption.
using var interruption = Interruption.ForProcess(Console.Error);
return await App.RunAsync(args, Console.Out, Console.Error, interruption, AppSetup.Default);
