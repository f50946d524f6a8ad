using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Momentum.EndToEnd;

/// <summary>
/// Debian's <c>chromium</c> in headless mode, driven over the Chrome DevTools Protocol (a WebSocket, JSON messages) with
/// nothing but the runtime's <see cref="ClientWebSocket"/>: open a page, evaluate JavaScript in it, press keys, take a
/// screenshot. Script errors of the page (uncaught exceptions, <c>console.error</c>, the browser's error log) and every
/// request it makes are recorded. Every wait is for a condition, with a deadline that only guards against a hang.
/// </summary>
internal sealed partial class HeadlessChromium : IAsyncDisposable
{
    /// <summary>How long any one wait may take before the test fails: a guard against a hang, never a timing.</summary>
    public static readonly TimeSpan Deadline = TimeSpan.FromMinutes(3);

    private readonly Process process;
    private readonly string profile;
    private readonly ClientWebSocket socket = new();
    private readonly ConcurrentDictionary<int, TaskCompletionSource<JsonElement>> pending = new();
    private readonly ConcurrentQueue<string> errors = new();
    private readonly ConcurrentQueue<string> requests = new();
    private readonly CancellationTokenSource closing = new();
    private TaskCompletionSource loaded = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Task? receiving;
    private string? session;
    private int lastId;

    private HeadlessChromium(Process process, string profile)
    {
        this.process = process;
        this.profile = profile;
    }

    /// <summary>The browser on PATH (<c>chromium</c>, as Debian names it, or <c>chromium-browser</c>), or null.</summary>
    public static string? Executable =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .SelectMany(folder => new[] { "chromium", "chromium-browser" }.Select(name => Path.Combine(folder, name)))
            .FirstOrDefault(File.Exists);

    /// <summary>Script errors of the page so far: uncaught exceptions, console errors and the browser's error log entries.</summary>
    public IReadOnlyList<string> Errors => [.. errors];

    /// <summary>The URL of every request the page made.</summary>
    public IReadOnlyList<string> Requests => [.. requests];

    /// <summary>Starts the browser (as root it needs <c>--no-sandbox</c>) with a fresh profile and opens a blank page of <paramref name="width"/> × <paramref name="height"/> CSS pixels.</summary>
    public static async Task<HeadlessChromium> StartAsync(string executable, int width, int height)
    {
        var profile = Path.Combine(Path.GetTempPath(), "momentum-chromium-" + Guid.NewGuid().ToString("N"));
        var start = new ProcessStartInfo(executable) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var arg in new[] { "--headless", "--no-sandbox", "--disable-gpu", "--remote-debugging-port=0", $"--user-data-dir={profile}",
                     "--no-first-run", "--no-default-browser-check", "--disable-extensions", "--disable-background-networking", "--mute-audio", "about:blank" })
            start.ArgumentList.Add(arg);
        var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {executable}");
        var browser = new HeadlessChromium(process, profile);
        try
        {
            // The browser says where it listens on standard error; everything else it prints there is kept for a failure.
            var said = new StringBuilder();
            process.OutputDataReceived += (_, _) => { };
            process.BeginOutputReadLine();
            using var guard = new CancellationTokenSource(Deadline);
            string? endpoint = null;
            while (endpoint is null)
            {
                var line = await process.StandardError.ReadLineAsync(guard.Token)
                    ?? throw new InvalidOperationException($"{executable} ended before it listened (exit {(process.WaitForExit(10_000) ? process.ExitCode : -1)}):\n{said}");
                said.AppendLine(line);
                if (Listening().Match(line) is { Success: true } match) endpoint = match.Groups[1].Value;
            }
            _ = Task.Run(async () =>
            {
                while (await process.StandardError.ReadLineAsync() is not null) { }
            });
            await browser.socket.ConnectAsync(new Uri(endpoint), guard.Token);
            browser.receiving = Task.Run(browser.ReceiveAsync);

            var target = await browser.SendAsync("Target.createTarget", new { url = "about:blank" }, toPage: false);
            var attached = await browser.SendAsync("Target.attachToTarget", new { targetId = target.GetProperty("targetId").GetString(), flatten = true }, toPage: false);
            browser.session = attached.GetProperty("sessionId").GetString();
            foreach (var domain in new[] { "Page.enable", "Runtime.enable", "Log.enable", "Network.enable" }) await browser.SendAsync(domain);
            await browser.SendAsync("Emulation.setDeviceMetricsOverride", new { width, height, deviceScaleFactor = 1, mobile = false });
            // Keys go to the focused element even though no window of a headless browser has the system's focus.
            await browser.SendAsync("Emulation.setFocusEmulationEnabled", new { enabled = true });
            return browser;
        }
        catch
        {
            await browser.DisposeAsync();
            throw;
        }
    }

    /// <summary>Opens <paramref name="url"/> and waits for its load event.</summary>
    public async Task NavigateAsync(string url)
    {
        loaded = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var result = await SendAsync("Page.navigate", new { url });
        if (result.TryGetProperty("errorText", out var error)) throw new InvalidOperationException($"{url}: {error.GetString()}");
        await loaded.Task.WaitAsync(Deadline);
    }

    /// <summary>The value of <paramref name="expression"/> in the page (a promise is awaited), as JSON.</summary>
    public async Task<JsonElement> EvaluateAsync(string expression)
    {
        var result = await SendAsync("Runtime.evaluate", new { expression, returnByValue = true, awaitPromise = true });
        if (result.TryGetProperty("exceptionDetails", out var exception))
            throw new InvalidOperationException($"{expression}: {exception}");
        return result.GetProperty("result").TryGetProperty("value", out var value) ? value.Clone() : default;
    }

    /// <summary>
    /// Waits until <paramref name="condition"/> is true in the page, looking again after each answer; a script error of
    /// the page ends the wait at once.
    /// </summary>
    public async Task WaitForAsync(string condition, string what)
    {
        using var guard = new CancellationTokenSource(Deadline);
        while ((await EvaluateAsync($"Boolean({condition})")).ValueKind != JsonValueKind.True)
        {
            if (!errors.IsEmpty) throw new InvalidOperationException($"{what}: the page has script errors: {string.Join("; ", Errors)}");
            if (guard.IsCancellationRequested) throw new TimeoutException($"{what}: still not true after {Deadline} ({condition})");
            await Task.Delay(50);
        }
    }

    /// <summary>Focuses the element <paramref name="id"/> and presses and releases <paramref name="key"/> there, as a person at the keyboard does.</summary>
    public async Task PressAsync(string id, string key, int keyCode)
    {
        await EvaluateAsync($"document.getElementById({JsonSerializer.Serialize(id)}).focus()");
        foreach (var type in new[] { "rawKeyDown", "keyUp" })
            await SendAsync("Input.dispatchKeyEvent", new { type, key, code = key, windowsVirtualKeyCode = keyCode, nativeVirtualKeyCode = keyCode });
    }

    /// <summary>A PNG of the whole page.</summary>
    public async Task<byte[]> ScreenshotAsync()
    {
        var metrics = await SendAsync("Page.getLayoutMetrics");
        var size = metrics.GetProperty("cssContentSize");
        var clip = new { x = 0, y = 0, width = size.GetProperty("width").GetDouble(), height = size.GetProperty("height").GetDouble(), scale = 1 };
        var shot = await SendAsync("Page.captureScreenshot", new { format = "png", captureBeyondViewport = true, clip });
        return Convert.FromBase64String(shot.GetProperty("data").GetString()!);
    }

    private Task<JsonElement> SendAsync(string method, object? parameters = null) => SendAsync(method, parameters, toPage: true);

    private async Task<JsonElement> SendAsync(string method, object? parameters, bool toPage)
    {
        var id = Interlocked.Increment(ref lastId);
        var answer = new TaskCompletionSource<JsonElement>(TaskCreationOptions.RunContinuationsAsynchronously);
        pending[id] = answer;
        var message = new JsonObject { ["id"] = id, ["method"] = method };
        if (parameters is not null) message["params"] = JsonSerializer.SerializeToNode(parameters);
        if (toPage) message["sessionId"] = session;
        await socket.SendAsync(Encoding.UTF8.GetBytes(message.ToJsonString()), WebSocketMessageType.Text, endOfMessage: true, closing.Token);
        return await answer.Task.WaitAsync(Deadline);
    }

    // Answers complete their command; events are recorded.
    private async Task ReceiveAsync()
    {
        var buffer = new byte[1 << 16];
        using var message = new MemoryStream();
        try
        {
            while (socket.State == WebSocketState.Open)
            {
                message.SetLength(0);
                WebSocketReceiveResult part;
                do
                {
                    part = await socket.ReceiveAsync(buffer, closing.Token);
                    message.Write(buffer, 0, part.Count);
                } while (!part.EndOfMessage && part.MessageType != WebSocketMessageType.Close);
                if (part.MessageType == WebSocketMessageType.Close) break;
                using var document = JsonDocument.Parse(message.ToArray());
                var root = document.RootElement;
                if (root.TryGetProperty("id", out var id))
                {
                    if (!pending.TryRemove(id.GetInt32(), out var answer)) continue;
                    if (root.TryGetProperty("error", out var error)) answer.SetException(new InvalidOperationException($"DevTools: {error}"));
                    else answer.SetResult(root.GetProperty("result").Clone());
                }
                else Record(root.GetProperty("method").GetString()!, root.TryGetProperty("params", out var p) ? p : default);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or WebSocketException)
        {
        }
        foreach (var answer in pending.Values) answer.TrySetException(new InvalidOperationException("the DevTools connection closed"));
    }

    private void Record(string method, JsonElement parameters)
    {
        switch (method)
        {
            case "Page.loadEventFired":
                loaded.TrySetResult();
                break;
            case "Runtime.exceptionThrown":
                var details = parameters.GetProperty("exceptionDetails");
                errors.Enqueue("uncaught: " + (details.TryGetProperty("exception", out var exception) && exception.TryGetProperty("description", out var description)
                    ? description.GetString() : details.GetProperty("text").GetString()));
                break;
            case "Runtime.consoleAPICalled" when parameters.GetProperty("type").GetString() is "error" or "assert":
                errors.Enqueue("console: " + string.Join(" ", parameters.GetProperty("args").EnumerateArray()
                    .Select(a => a.TryGetProperty("value", out var v) ? v.ToString() : a.TryGetProperty("description", out var d) ? d.GetString() : "?")));
                break;
            case "Log.entryAdded" when parameters.GetProperty("entry").GetProperty("level").GetString() == "error":
                var entry = parameters.GetProperty("entry");
                errors.Enqueue($"log: {entry.GetProperty("text").GetString()} {(entry.TryGetProperty("url", out var url) ? url.GetString() : "")}".TrimEnd());
                break;
            case "Network.requestWillBeSent":
                requests.Enqueue(parameters.GetProperty("request").GetProperty("url").GetString()!);
                break;
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (socket.State == WebSocketState.Open) await SendAsync("Browser.close", null, toPage: false).WaitAsync(TimeSpan.FromSeconds(30));
        }
        catch (Exception e) when (e is InvalidOperationException or WebSocketException or TimeoutException or OperationCanceledException)
        {
            // Closing answers by closing the connection; the process is ended below either way.
        }
        await closing.CancelAsync();
        if (receiving is not null) await receiving;
        socket.Dispose();
        if (!process.WaitForExit(30_000)) process.Kill(entireProcessTree: true);
        process.WaitForExit();
        process.Dispose();
        closing.Dispose();
        try { Directory.Delete(profile, recursive: true); } catch (DirectoryNotFoundException) { } catch (IOException) { }
    }

    [GeneratedRegex(@"^DevTools listening on (ws://\S+)")]
    private static partial Regex Listening();
}
