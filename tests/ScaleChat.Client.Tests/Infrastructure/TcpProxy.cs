using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace ScaleChat.Client.Tests.Infrastructure;

/// <summary>
/// A loopback TCP proxy in front of the test server, so a test can cut the connections (as a
/// server or network failure does) or freeze them (as a dead peer does) without touching either end.
/// </summary>
internal sealed class TcpProxy : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly IPEndPoint _target;
    private readonly ConcurrentDictionary<Socket, byte> _sockets = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentDictionary<Socket, byte> _frozen = new();
    private volatile TaskCompletionSource? _held;

    public TcpProxy(Uri target)
    {
        _target = new IPEndPoint(IPAddress.Loopback, target.Port);
        _listener.Start();
        _ = AcceptAsync();
    }

    /// <summary>Where to connect instead of <paramref name="serverUrl"/>: the same path, the proxy's port.</summary>
    public Uri Url(Uri serverUrl) => new UriBuilder(serverUrl) { Port = ((IPEndPoint)_listener.LocalEndpoint).Port }.Uri;

    /// <summary>Resets every connection through the proxy; new connections are still accepted.</summary>
    public void DropAll()
    {
        foreach (var socket in _sockets.Keys)
        {
            _sockets.TryRemove(socket, out _);
            try
            {
                // Linger 0 makes Close send a reset, as a crashed peer or a cut network would.
                socket.LingerState = new LingerOption(true, 0);
                socket.Close();
            }
            catch (ObjectDisposedException)
            {
                // Its pump closed it already.
            }
        }
    }

    /// <summary>
    /// Stops forwarding bytes on the connections open now, keeping them open, as a peer that died
    /// silently; new connections work.
    /// </summary>
    public void Freeze()
    {
        foreach (var socket in _sockets.Keys)
        {
            _frozen[socket] = 0;
        }
    }

    /// <summary>New connections wait, accepted but not passed on, until <see cref="ReleaseNewConnections"/>.</summary>
    public void HoldNewConnections() => _held = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Passes on the connections that waited, and every new one again.</summary>
    public void ReleaseNewConnections() => Interlocked.Exchange(ref _held, null)?.TrySetResult();

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptSocketAsync(_stop.Token);
            }
            catch (Exception)
            {
                return;
            }

            var server = new Socket(SocketType.Stream, ProtocolType.Tcp);
            try
            {
                if (_held is { } held)
                {
                    await held.Task.WaitAsync(_stop.Token);
                }

                await server.ConnectAsync(_target, _stop.Token);
            }
            catch (Exception)
            {
                client.Close();
                server.Dispose();
                continue;
            }

            _sockets[client] = 0;
            _sockets[server] = 0;
            _ = PumpAsync(client, server);
            _ = PumpAsync(server, client);
        }
    }

    private async Task PumpAsync(Socket from, Socket to)
    {
        var buffer = new byte[16 * 1024];
        try
        {
            while (true)
            {
                var read = await from.ReceiveAsync(buffer, SocketFlags.None, _stop.Token);
                if (read == 0)
                {
                    break;
                }

                if (!_frozen.ContainsKey(from))
                {
                    await to.SendAsync(buffer.AsMemory(0, read), SocketFlags.None, _stop.Token);
                }
            }
        }
        catch (Exception)
        {
            // One side went away; close the other.
        }

        _sockets.TryRemove(from, out _);
        _sockets.TryRemove(to, out _);
        to.Close();
        from.Close();
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        DropAll();
        _stop.Dispose();
    }
}
