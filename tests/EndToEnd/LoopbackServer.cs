using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Momentum.EndToEnd;

/// <summary>
/// A small HTTP/1.1 server on 127.0.0.1 for the download tests: every request gets the reply the test chose, including
/// the broken ones a real network gives (a body shorter than its Content-Length, an HTML error page, a server that
/// stops answering). Raw sockets, so that a reply can break HTTP's promises on purpose.
/// </summary>
internal sealed class LoopbackServer : IDisposable
{
    /// <summary>One reply.</summary>
    /// <param name="Status">The status code.</param>
    /// <param name="ContentType">The Content-Type header.</param>
    /// <param name="Body">The bytes sent after the headers.</param>
    /// <param name="DeclaredLength">The Content-Length header, when it should differ from the body's length.</param>
    /// <param name="Stall">After the headers and body, keep the connection open without sending more.</param>
    public sealed record Reply(int Status, string ContentType, byte[] Body, long? DeclaredLength = null, bool Stall = false)
    {
        public static Reply Data(byte[] body) => new(200, "application/octet-stream", body);

        public static Reply Page(int status, string text) =>
            new(status, "text/html; charset=utf-8", Encoding.UTF8.GetBytes($"<!DOCTYPE html>\n<html><body><h1>{text}</h1></body></html>\n"));
    }

    private readonly TcpListener listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource stop = new();
    private readonly Func<Reply> reply;
    private readonly Task loop;
    private int requests;

    public LoopbackServer(Func<Reply> reply)
    {
        this.reply = reply;
        listener.Start();
        loop = Task.Run(ServeAsync);
    }

    public LoopbackServer(Reply reply) : this(() => reply) { }

    /// <summary>The file's address on this server.</summary>
    public string Url => $"http://127.0.0.1:{((IPEndPoint)listener.LocalEndpoint).Port}/airfoil_self_noise.dat";

    /// <summary>Requests whose headers have been read so far.</summary>
    public int Requests => Volatile.Read(ref requests);

    /// <summary>An address on this machine where nothing listens any more (a port just released).</summary>
    public static string RefusingUrl()
    {
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        return $"http://127.0.0.1:{port}/airfoil_self_noise.dat";
    }

    private async Task ServeAsync()
    {
        var connections = new List<Task>();
        while (!stop.IsCancellationRequested)
        {
            try
            {
                var client = await listener.AcceptTcpClientAsync(stop.Token);
                connections.Add(Task.Run(() => AnswerAsync(client)));
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                break;
            }
        }
        await Task.WhenAll(connections);
    }

    private async Task AnswerAsync(TcpClient client)
    {
        using (client)
        {
            try
            {
                var stream = client.GetStream();
                var request = new List<byte>();
                var buffer = new byte[4096];
                while (!EndsHeaders(request))
                {
                    var read = await stream.ReadAsync(buffer, stop.Token);
                    if (read == 0 || request.Count > 65536) return;
                    request.AddRange(buffer.AsSpan(0, read));
                }
                Interlocked.Increment(ref requests);
                var r = reply();
                var head = $"HTTP/1.1 {r.Status} {Reason(r.Status)}\r\nContent-Type: {r.ContentType}\r\n" +
                           $"Content-Length: {r.DeclaredLength ?? r.Body.Length}\r\nConnection: close\r\n\r\n";
                await stream.WriteAsync(Encoding.ASCII.GetBytes(head), stop.Token);
                await stream.WriteAsync(r.Body, stop.Token);
                await stream.FlushAsync(stop.Token);
                if (r.Stall) await Task.Delay(Timeout.Infinite, stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or IOException or SocketException)
            {
                // The test is over, or the client hung up (as a client that gives up does).
            }
        }
    }

    private static bool EndsHeaders(List<byte> request) =>
        request.Count >= 4 && request[^4] == '\r' && request[^3] == '\n' && request[^2] == '\r' && request[^1] == '\n';

    private static string Reason(int status) => status switch
    {
        200 => "OK",
        404 => "Not Found",
        500 => "Internal Server Error",
        _ => "Status",
    };

    public void Dispose()
    {
        stop.Cancel();
        listener.Stop();
        loop.Wait(TimeSpan.FromSeconds(10));
        stop.Dispose();
    }
}
