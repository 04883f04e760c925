using System.Net;
using System.Net.Sockets;

namespace AgentRetrieval.Tests;

/// <summary>A local HTTP server on a free port that hands each request to a handler (for the fake hub, registry and collector).</summary>
public sealed class LocalHttpServer : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly Func<HttpListenerContext, Task> _handle;
    private readonly Task _loop;

    public LocalHttpServer(Func<HttpListenerContext, Task> handle)
    {
        _handle = handle;
        BaseUri = new Uri($"http://127.0.0.1:{FreePort()}/");
        _listener.Prefixes.Add(BaseUri.ToString());
        _listener.Start();
        _loop = Task.Run(LoopAsync);
    }

    public Uri BaseUri { get; }

    /// <summary>A TCP port nothing listens on now.</summary>
    public static int FreePort()
    {
        var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        int port = ((IPEndPoint)l.LocalEndpoint).Port;
        l.Stop();
        return port;
    }

    /// <summary>
    /// Answers with <paramref name="data"/> as a file server does: from the offset of a <c>Range: bytes=N-</c> header
    /// (206), or whole; cut off halfway (the connection aborted) when <paramref name="breakHalfway"/>.
    /// </summary>
    /// <returns>The Range header when there was one.</returns>
    public static async Task<string?> ServeAsync(HttpListenerContext ctx, byte[] data, bool breakHalfway, Func<long, Task>? beforeBreak = null)
    {
        long from = 0;
        string? range = ctx.Request.Headers["Range"];
        if (range is not null && range.StartsWith("bytes=", StringComparison.Ordinal))
        {
            from = long.Parse(range[6..].TrimEnd('-'), System.Globalization.CultureInfo.InvariantCulture);
            ctx.Response.StatusCode = 206;
            ctx.Response.Headers["Content-Range"] = $"bytes {from}-{data.Length - 1}/{data.Length}";
        }
        else
        {
            range = null;
        }

        ctx.Response.ContentLength64 = data.Length - from;
        if (breakHalfway)
        {
            int half = (int)((data.Length - from) / 2);
            await ctx.Response.OutputStream.WriteAsync(data.AsMemory((int)from, half));
            await ctx.Response.OutputStream.FlushAsync();
            // Let the client read the first half before the connection is reset: a reset that arrives with the data
            // still unread discards it, and the client would (rightly) start again from byte 0. A test that must see a
            // resume waits until the client holds the bytes (on a busy machine 300 ms was not always enough).
            if (beforeBreak is not null)
            {
                await beforeBreak(from + half);
            }
            else
            {
                await Task.Delay(300);
            }

            ctx.Response.Abort();
            return range;
        }

        await ctx.Response.OutputStream.WriteAsync(data.AsMemory((int)from));
        ctx.Response.Close();
        return range;
    }

    /// <summary>Stops listening and waits for the request in flight.</summary>
    public void Dispose()
    {
        if (_listener.IsListening)
        {
            _listener.Stop();
        }

        _listener.Close();
        try
        {
            _loop.Wait(TimeSpan.FromSeconds(5));
        }
        catch (AggregateException)
        {
        }
    }

    private async Task LoopAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext ctx;
            try
            {
                ctx = await _listener.GetContextAsync();
            }
            catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            try
            {
                await _handle(ctx);
            }
            catch (Exception ex) when (ex is HttpListenerException or IOException or ObjectDisposedException)
            {
            }
        }
    }
}
