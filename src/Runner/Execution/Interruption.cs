using System.Runtime.InteropServices;

namespace Momentum.Runner.Execution;

/// <summary>
/// What Ctrl+C (SIGINT) and SIGTERM do. The first signal asks the running verb to stop at its next boundary (a step, a
/// row, a point): it writes what it has, its summary or manifest says "interrupted", and the exit code is 130. A second
/// signal ends the process at once, exit code 130, and so does the first one while the program is still reading its
/// inputs, before its verb has begun to write (<see cref="ReadingInputs"/>): nothing has been written, and a read may block
/// for ever (a FIFO with no writer). Inputs read later, by the experiments of <c>chapter</c> and <c>run</c>, are read
/// while earlier experiments' files exist: a read blocked there needs the second signal.
/// Either way every file is absent or complete (<see cref="Output.AtomicFile"/>); the temporary files of a process ended at
/// once are removed by the next run into the folder.
/// </summary>
internal sealed class Interruption : IDisposable
{
    private readonly CancellationTokenSource source;
    private readonly Action<string>? end;
    private readonly List<PosixSignalRegistration> registrations = [];
    private int signals;
    private int readers;
    private int writing;

    /// <summary>An interruption driven by <paramref name="cancellation"/> alone (tests, and runs inside another verb).</summary>
    public Interruption(CancellationToken cancellation = default)
    {
        source = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
    }

    /// <param name="end">Ends the process at once, given the signal's name; null: never (the token is still cancelled).</param>
    /// <param name="cancellation">Also stops the run when cancelled.</param>
    public Interruption(Action<string>? end, CancellationToken cancellation = default)
        : this(cancellation)
    {
        this.end = end;
    }

    /// <summary>
    /// The process's own: SIGINT and SIGTERM are caught (their default, immediate termination, is replaced by the rules
    /// above); ending at once writes <paramref name="stderr"/> one line and exits with 130.
    /// </summary>
    public static Interruption ForProcess(TextWriter stderr)
    {
        var interruption = new Interruption(signal =>
        {
            try
            {
                stderr.WriteLine($"{signal}: stopped at once");
                stderr.Flush();
            }
            catch (IOException)
            {
                // Standard error is gone; the exit code still says what happened.
            }
            Environment.Exit(Cli.App.Interrupted);
        });
        foreach (var (signal, name) in new[] { (PosixSignal.SIGINT, "SIGINT"), (PosixSignal.SIGTERM, "SIGTERM") })
            interruption.registrations.Add(PosixSignalRegistration.Create(signal, context =>
            {
                context.Cancel = true;
                interruption.Signal(name);
            }));
        return interruption;
    }

    /// <summary>Set once the run has been asked to stop.</summary>
    public CancellationToken Token => source.Token;

    public bool IsRequested => source.IsCancellationRequested;

    /// <summary>A signal arrived: the first asks the run to stop at its next boundary; a second, or one while inputs are read, ends the process at once.</summary>
    public void Signal(string name)
    {
        var count = Interlocked.Increment(ref signals);
        if (end is not null && (count > 1 || Volatile.Read(ref readers) > 0))
        {
            end(name);
            return;
        }
        try
        {
            source.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // The run is over.
        }
    }

    /// <summary>
    /// Marks the time until the returned object is disposed as reading inputs: a verb reads and checks every option and
    /// input before it writes anything, so a signal then ends the process at once.
    /// </summary>
    public IDisposable ReadingInputs()
    {
        // Asked to stop before this read began: stop rather than read.
        source.Token.ThrowIfCancellationRequested();
        if (Volatile.Read(ref writing) != 0) return new Reading(null);
        Interlocked.Increment(ref readers);
        if (source.IsCancellationRequested)
        {
            Interlocked.Decrement(ref readers);
            source.Token.ThrowIfCancellationRequested();
        }
        return new Reading(this);
    }

    /// <summary>Marks the start of the verb's run: from now on the first signal stops it at a boundary.</summary>
    public void BeginWriting() => Volatile.Write(ref writing, 1);

    private sealed class Reading(Interruption? owner) : IDisposable
    {
        private int disposed;

        public void Dispose()
        {
            if (owner is not null && Interlocked.Exchange(ref disposed, 1) == 0) Interlocked.Decrement(ref owner.readers);
        }
    }

    public void Dispose()
    {
        foreach (var registration in registrations) registration.Dispose();
        source.Dispose();
    }
}
