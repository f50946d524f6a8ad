using System.Diagnostics;
using Spectre.Console;

namespace Momentum.Runner.Execution;

/// <summary>A unit of work whose progress is shown: minibatch steps of a training run, points of a sweep, experiments of a run.</summary>
internal interface IProgressTask
{
    /// <summary>Sets how much of <c>total</c> is done.</summary>
    void Report(double done);
}

/// <summary>Where progress goes: a Spectre.Console bar on a terminal, a log line every few seconds otherwise, or nowhere.</summary>
internal interface IProgressSink
{
    IProgressTask Start(string description, double total);
}

/// <summary>No progress shown (tests, and parts of a run that report through their parent).</summary>
internal sealed class SilentProgress : IProgressSink, IProgressTask
{
    public static SilentProgress Instance { get; } = new();
    public IProgressTask Start(string description, double total) => this;
    public void Report(double done) { }
}

/// <summary>
/// For output that is not a terminal (CI logs, pipes): one plain line on standard error every few seconds per task,
/// "train: 1200/3000 (40%), 2.1 s elapsed, about 3.2 s left".
/// </summary>
internal sealed class LogProgress(TextWriter error, TimeSpan every) : IProgressSink
{
    public IProgressTask Start(string description, double total) => new Task(error, every, description, total);

    private sealed class Task(TextWriter error, TimeSpan interval, string description, double total) : IProgressTask
    {
        private readonly Stopwatch clock = Stopwatch.StartNew();
        private TimeSpan next = TimeSpan.Zero;

        private readonly Lock gate = new();

        public void Report(double done)
        {
            lock (gate)
                ReportLocked(done);
        }

        private void ReportLocked(double done)
        {
            if (next == TimeSpan.Zero) next = interval;
            if (clock.Elapsed < next || total <= 0) return;
            next = clock.Elapsed + interval;
            var fraction = Math.Clamp(done / total, 0, 1);
            // Nothing done yet (a long set-up before the first step): no estimate of the time left.
            var left = fraction > 0 ? FormattableString.Invariant($", about {clock.Elapsed.TotalSeconds * (1 - fraction) / fraction:0.0} s left") : "";
            error.WriteLine(FormattableString.Invariant(
                    $"{description}: {done:0}/{total:0} ({100 * fraction:0}%), {clock.Elapsed.TotalSeconds:0.0} s elapsed{left}"));
        }
    }
}

/// <summary>A Spectre.Console progress display on standard error, with a bar, percentage and remaining time per task.</summary>
internal sealed class SpectreProgress(ProgressContext context) : IProgressSink
{
    public IProgressTask Start(string description, double total) => new Task(context.AddTask(Markup.Escape(description), maxValue: Math.Max(total, 1)));

    /// <summary>Runs <paramref name="work"/> inside a live progress display drawn on <paramref name="console"/>.</summary>
    public static Task<T> RunAsync<T>(IAnsiConsole console, Func<IProgressSink, Task<T>> work) =>
        new Progress(console, TimeProvider.System)
            {
                AutoClear = false,
                HideCompleted = false,
            }
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn())
            .StartAsync(context => work(new SpectreProgress(context)));

    // Spectre keeps a speed sample per update; report at most every 50 ms, and always the end.
    // Parallel sweep workers report at once: one at a time, never backwards.
    private sealed class Task(ProgressTask task) : IProgressTask
    {
        private readonly Stopwatch clock = new();
        private readonly Lock gate = new();
        private double best;

        public void Report(double done)
        {
            lock (gate)
            {
                best = Math.Max(best, done);
                if (best < task.MaxValue && clock.IsRunning && clock.ElapsedMilliseconds < 50) return;
                clock.Restart();
                task.Value = Math.Min(best, task.MaxValue);
            }
        }
    }
}
