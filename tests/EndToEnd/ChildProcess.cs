using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;

namespace Momentum.EndToEnd;

/// <summary>
/// The real <c>momentum</c> executable (momentum.dll beside the tests) in a child process, for signals and kills. Its
/// standard output and error are read as they come, so a test can wait for a line. Tests choose the moment to act by the
/// child's progress (a file or a line appearing), then freeze it (SIGSTOP) and check that the moment is still before its
/// end, so that nothing depends on how fast the machine is.
/// </summary>
internal sealed partial class ChildProcess : IDisposable
{
    public static bool Supported => OperatingSystem.IsLinux();

    private readonly Process process;
    private readonly StringBuilder output = new();
    private readonly StringBuilder error = new();
    private readonly Lock gate = new();
    private readonly TaskCompletionSource outputClosed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource errorClosed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private ChildProcess(Process process)
    {
        this.process = process;
    }

    /// <summary>The program: <c>dotnet</c> and this path.</summary>
    public static string Program => Path.Combine(AppContext.BaseDirectory, "momentum.dll");

    public static ChildProcess Start(string workingDirectory, params string[] args) => Start(workingDirectory, "dotnet", [Program, .. args], []);

    /// <summary>Starts the program with environment variables set (e.g. a cap on its heap).</summary>
    public static ChildProcess StartWith(string workingDirectory, (string Name, string Value)[] environment, params string[] args) =>
        Start(workingDirectory, "dotnet", [Program, .. args], environment);

    /// <summary>
    /// Runs <paramref name="script"/> with <c>sh -c</c> (for redirections such as <c>&gt; /dev/full</c>), where
    /// <c>$PROGRAM</c> is the program's dll.
    /// </summary>
    public static ChildProcess Shell(string workingDirectory, string script, params (string Name, string Value)[] environment) =>
        Start(workingDirectory, "sh", ["-c", script], [("PROGRAM", Program), .. environment]);

    private static ChildProcess Start(string workingDirectory, string file, string[] args, (string Name, string Value)[] environment)
    {
        // A test run started in the background by a non-interactive shell (`bash .ci/run &`) ignores SIGINT, and an
        // ignored signal stays ignored across exec: the program would never see the Ctrl+C the tests send. GNU env
        // restores the default disposition before it execs the program (same process id), which then handles it.
        if (InheritsIgnoredSignals.Value) (file, args) = ("env", ["--default-signal=INT,TERM", file, .. args]);
        var start = new ProcessStartInfo(file)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in args) start.ArgumentList.Add(arg);
        foreach (var (name, value) in environment) start.Environment[name] = value;
        var process = new Process { StartInfo = start };
        var child = new ChildProcess(process);
        process.OutputDataReceived += (_, e) => child.Receive(child.output, child.outputClosed, e.Data);
        process.ErrorDataReceived += (_, e) => child.Receive(child.error, child.errorClosed, e.Data);
        if (!process.Start()) throw new InvalidOperationException("could not start dotnet");
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return child;
    }

    private void Receive(StringBuilder text, TaskCompletionSource closed, string? line)
    {
        if (line is null)
        {
            closed.TrySetResult();
            return;
        }
        lock (gate) text.Append(line).Append('\n');
    }

    public int Id => process.Id;

    public bool HasExited => process.HasExited;

    /// <summary>Standard output so far (all of it once the process has exited and <see cref="WaitForExit"/> returned).</summary>
    public string Out
    {
        get
        {
            lock (gate) return output.ToString();
        }
    }

    /// <summary>Standard error so far.</summary>
    public string Error
    {
        get
        {
            lock (gate) return error.ToString();
        }
    }

    /// <summary>Waits for the process to end and its output to be read; fails after <paramref name="seconds"/>.</summary>
    public int WaitForExit(double seconds)
    {
        if (!process.WaitForExit(TimeSpan.FromSeconds(seconds)))
            throw new TimeoutException($"the process did not end within {seconds} s; its error output: {Error}");
        Task.WaitAll([outputClosed.Task, errorClosed.Task], TimeSpan.FromSeconds(seconds));
        return process.ExitCode;
    }

    public const int SIGINT = 2;
    public const int SIGKILL = 9;
    public const int SIGTERM = 15;
    private const int SIGCONT = 18;
    private const int SIGSTOP = 19;

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);

    /// <summary>Sends <paramref name="signal"/> (SIGINT, SIGTERM, SIGKILL) as a terminal, a job scheduler or <c>kill</c> does.</summary>
    public void Signal(int signal)
    {
        if (Kill(process.Id, signal) != 0 && !process.HasExited)
            throw new InvalidOperationException($"kill({process.Id}, {signal}) failed with errno {Marshal.GetLastPInvokeError()}");
    }

    /// <summary>
    /// Waits until <paramref name="progress"/> holds (or the process ends), then stops the process (SIGSTOP) and reports
    /// whether, frozen there, it has still not reached its end (<paramref name="unfinished"/>). Signals sent while it is
    /// stopped are delivered on <see cref="Resume"/>.
    /// </summary>
    public bool FreezeWhen(Func<bool> progress, Func<bool> unfinished, double seconds, string what)
    {
        WaitFor(() => progress() || process.HasExited, seconds, what);
        if (process.HasExited) return false;
        Signal(SIGSTOP);
        WaitFor(() => process.HasExited || State(process.Id) is 'T' or 'Z' or null, 30, "the process to stop");
        return !process.HasExited && State(process.Id) == 'T' && unfinished();
    }

    /// <summary>Lets a stopped process run again (SIGCONT).</summary>
    public void Resume() => Signal(SIGCONT);

    // Whether this process ignores SIGINT or SIGTERM (/proc/self/status's SigIgn), as its children would.
    private static readonly Lazy<bool> InheritsIgnoredSignals = new(() =>
        HasSignal("/proc/self/status", ["SigIgn:"], SIGINT) || HasSignal("/proc/self/status", ["SigIgn:"], SIGTERM));

    // Whether any of the signal masks named by fields (hexadecimal, bit k − 1 for signal k) of a /proc status file has signal.
    private static bool HasSignal(string status, string[] fields, int signal) =>
        File.ReadLines(status)
            .Where(line => fields.Any(field => line.StartsWith(field, StringComparison.Ordinal)))
            .Any(line => (ulong.Parse(line[(line.IndexOf(':') + 1)..].Trim(), NumberStyles.HexNumber, CultureInfo.InvariantCulture) & 1UL << (signal - 1)) != 0);

    /// <summary>
    /// Whether <paramref name="signal"/> was sent to the process and not yet delivered (its bit in /proc/PID/status's
    /// ShdPnd or SigPnd): a second signal of the same kind sent now would be merged into the first.
    /// </summary>
    public bool IsPending(int signal)
    {
        try
        {
            return HasSignal($"/proc/{process.Id.ToString(CultureInfo.InvariantCulture)}/status", ["ShdPnd:", "SigPnd:"], signal);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;   // the process is gone
        }
    }

    /// <summary>Whether the process's main thread is blocked opening a FIFO that has no other end yet.</summary>
    public bool IsWaitingForFifo() =>
        File.Exists($"/proc/{process.Id}/task/{process.Id}/wchan")
        && File.ReadAllText($"/proc/{process.Id}/task/{process.Id}/wchan").Trim() == "wait_for_partner";

    // The state letter of /proc/PID/stat (R running, S sleeping, T stopped, Z zombie), or null once the process is gone.
    private static char? State(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/stat");
            return stat[stat.LastIndexOf(')') + 2];
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>Waits until <paramref name="condition"/> holds, or fails after <paramref name="seconds"/>.</summary>
    public static void WaitFor(Func<bool> condition, double seconds, string what)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            if (clock.Elapsed.TotalSeconds > seconds) throw new TimeoutException($"waited {seconds} s for {what}");
            Thread.Sleep(10);
        }
    }

    /// <summary>The temporary files in <paramref name="folder"/> (<c>.NAME.pid.guid.tmp</c>).</summary>
    public static string[] Temporary(string folder) =>
        Directory.Exists(folder) ? Directory.GetFiles(folder, ".*.tmp") : [];

    /// <summary>Whether <paramref name="folder"/> holds a temporary file of <paramref name="file"/> of at least <paramref name="bytes"/>.</summary>
    public static bool Writing(string folder, string file, long bytes) =>
        Temporary(folder).Any(t => Path.GetFileName(t).StartsWith($".{file}.", StringComparison.Ordinal) && Length(t) >= bytes);

    private static long Length(string path)
    {
        try
        {
            return new FileInfo(path).Length;
        }
        catch (IOException)
        {
            return 0;
        }
    }

    public void Dispose()
    {
        try
        {
            if (!process.HasExited)
            {
                Signal(SIGKILL);
                process.WaitForExit(10_000);
            }
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
        process.Dispose();
    }
}
