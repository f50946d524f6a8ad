using Momentum.Runner.Execution;

namespace Momentum.EndToEnd;

/// <summary>
/// Progress that asks the run to stop once it has passed <paramref name="steps"/> steps, as Ctrl+C would at that moment:
/// the same moment in every run, on any machine.
/// </summary>
internal sealed class StopAfter(long steps, CancellationTokenSource stop) : IProgressSink, IProgressTask
{
    public IProgressTask Start(string description, double total) => this;

    public void Report(double done)
    {
        if (done >= steps) stop.Cancel();
    }
}
