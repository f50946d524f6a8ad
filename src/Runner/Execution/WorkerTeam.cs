using System.Numerics;
using System.Runtime.ExceptionServices;
using System.Runtime.InteropServices;
using Momentum.Training;

namespace Momentum.Runner.Execution;

/// <summary>
/// The threads the shell lends Core (<see cref="IWorkerTeam"/>): Core cuts work into parts fixed by its shape (the parts of
/// a large minibatch's gradient, the row parts of the regression moments, the chunks of a parallel step) and the team's
/// workers run them; the results are the same bits with any number of workers, so a team changes how fast and nothing
/// else.
/// </summary>
/// <remarks>
/// A step of a large minibatch takes microseconds, so the helpers are dedicated threads that spin between jobs (a
/// hand-off and back takes a fraction of a microsecond, <c>GradientBenchmarks.TeamHandOff</c>) and sleep after 2000
/// spins without one, as while the shell writes a checkpoint. Spinning wants a core per thread: give a team no more
/// threads than cores, and leave the runtime one if it can spare it. Create one team for a run, dispose it at the end.
/// A team runs one job at a time.
/// </remarks>
internal sealed class WorkerTeam : IWorkerTeam, IDisposable
{
    private const int SpinsBeforeSleep = 2000;

    private readonly Thread[] helpers;
    private readonly Padded[] done;
    private readonly object gate = new();
    private Padded generation;
    private int sleepers;
    private volatile bool stopping;
    private Action<int>? work;
    private Exception? failure;

    /// <summary>Starts <paramref name="threads"/> − 1 helper threads (the caller is the first of the team).</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="threads"/> is less than 1.</exception>
    public WorkerTeam(int threads)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(threads, 1);
        Threads = threads;
        done = new Padded[threads];
        helpers = new Thread[threads - 1];
        for (var t = 1; t < threads; t++)
        {
            var index = t;
            helpers[t - 1] = new Thread(() => Serve(index)) { IsBackground = true, Name = $"gradient helper {index}" };
            helpers[t - 1].Start();
        }
    }

    /// <summary>Threads in the team, the caller's included.</summary>
    public int Threads { get; }

    /// <inheritdoc />
    public int Workers => Threads;

    /// <summary>
    /// Runs <paramref name="part"/>(t) on every thread t of the team (t = 0 on the caller) and returns when all have
    /// finished. A failure of the caller's part is rethrown as it is; a helper's, wrapped in an
    /// <see cref="AggregateException"/> (with the caller's, when both failed).
    /// </summary>
    public void Run(Action<int> part)
    {
        ObjectDisposedException.ThrowIf(stopping, this);
        if (helpers.Length == 0)
        {
            part(0);
            return;
        }
        work = part;
        var ticket = Publish();
        Exception? own = null;
        try
        {
            part(0);
        }
        catch (Exception e)
        {
            own = e;
        }
        // Wait for every helper even when the caller's part failed: no helper may still be writing when Run returns.
        for (var t = 1; t < Threads; t++)
        {
            var spinner = new SpinWait();
            while (Volatile.Read(ref done[t].Value) != ticket) spinner.SpinOnce(sleep1Threshold: -1);
        }
        work = null;
        var helper = Interlocked.Exchange(ref failure, null);
        if (own is not null && helper is not null)
            throw new AggregateException("The calling thread's part and a gradient helper thread failed.", own, helper);
        if (own is not null) ExceptionDispatchInfo.Throw(own);
        if (helper is not null)
            throw new AggregateException("A gradient helper thread failed.", helper);
    }

    /// <summary>Stops and joins the helper threads.</summary>
    public void Dispose()
    {
        if (stopping) return;
        stopping = true;
        Publish();
        foreach (var helper in helpers) helper.Join();
    }

    // A new generation for the helpers; the full fence of Interlocked orders it before the read of sleepers, as a
    // sleeping helper's increment of sleepers is ordered before its last read of the generation (no lost wake-up).
    private long Publish()
    {
        var ticket = Interlocked.Increment(ref generation.Value);
        if (Volatile.Read(ref sleepers) > 0)
            lock (gate) Monitor.PulseAll(gate);
        return ticket;
    }

    private void Serve(int index)
    {
        long seen = 0;
        while (true)
        {
            var spinner = new SpinWait();
            long ticket;
            while ((ticket = Volatile.Read(ref generation.Value)) == seen)
            {
                if (spinner.Count < SpinsBeforeSleep)
                {
                    spinner.SpinOnce(sleep1Threshold: -1);
                    continue;
                }
                lock (gate)
                {
                    Interlocked.Increment(ref sleepers);
                    while ((ticket = Volatile.Read(ref generation.Value)) == seen) Monitor.Wait(gate);
                    Interlocked.Decrement(ref sleepers);
                }
                break;
            }
            seen = ticket;
            if (stopping) return;
            try
            {
                work!(index);
            }
            catch (Exception e)
            {
                Interlocked.CompareExchange(ref failure, e, null);
            }
            Volatile.Write(ref done[index].Value, ticket);
        }
    }

    // A counter alone on its cache lines, so the caller's and the helpers' counters do not slow each other down.
    [StructLayout(LayoutKind.Explicit, Size = 128)]
    private struct Padded
    {
        [FieldOffset(64)]
        public long Value;
    }
}
