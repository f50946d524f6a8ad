using System.Runtime.InteropServices;
using Momentum.Runner.Cli;

// `momentum [verb] [options]`: the whole program is App.RunAsync, which the end-to-end tests call directly.
// Ctrl+C (SIGINT) and SIGTERM ask the running verb to stop at the next step boundary and write what it has (exit 130);
// a second Ctrl+C ends the process at once.
using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    if (stop.IsCancellationRequested) return;
    e.Cancel = true;
    stop.Cancel();
};
using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
{
    context.Cancel = true;
    stop.Cancel();
});
return await App.RunAsync(args, Console.Out, Console.Error, stop.Token);
