using System.Net;
using System.Net.Sockets;

namespace ScaleChat.LoadTest.Clients;

/// <summary>
/// Opens the TCP connections of every load client of the process. Connections to a loopback
/// server are bound in turn to 127.0.0.1, 127.0.0.2, ... so that each source address has its own
/// range of ephemeral ports: one address runs out at about 28,000 connections. The lean clients
/// use <see cref="OpenAsync"/> and connect on their event loop; the full clients get it through <see cref="Invoker"/>.
/// </summary>
internal sealed class SourceAddresses : IDisposable
{
    private readonly int _count;
    private int _next;

    public SourceAddresses(int count)
    {
        _count = count;
        Invoker = new HttpMessageInvoker(new SocketsHttpHandler
        {
            ConnectTimeout = TimeSpan.FromSeconds(10),
            PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
            UseProxy = false,
            ConnectCallback = async (context, cancellationToken) =>
                new NetworkStream(await ConnectAsync(context.DnsEndPoint.Host, context.DnsEndPoint.Port, cancellationToken).ConfigureAwait(false), ownsSocket: true),
        });
    }

    /// <summary>For <see cref="System.Net.WebSockets.ClientWebSocket"/>: every connection goes through <see cref="ConnectAsync"/>.</summary>
    public HttpMessageInvoker Invoker { get; }

    /// <summary>A connected socket (no delay) to <paramref name="host"/>, from the next source address in turn.</summary>
    public async Task<Socket> ConnectAsync(string host, int port, CancellationToken cancellationToken)
    {
        var (socket, target) = await OpenAsync(host, port, cancellationToken).ConfigureAwait(false);
        try
        {
            await socket.ConnectAsync(target, cancellationToken).ConfigureAwait(false);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>A socket (no delay) bound to the next source address in turn, and the address of <paramref name="host"/> to connect it to.</summary>
    public async Task<(Socket Socket, IPEndPoint Target)> OpenAsync(string host, int port, CancellationToken cancellationToken)
    {
        var target = await ResolveAsync(host, cancellationToken).ConfigureAwait(false);
        var socket = new Socket(target.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            if (_count > 1 && target.AddressFamily == AddressFamily.InterNetwork && IPAddress.IsLoopback(target))
            {
                var n = (uint)Interlocked.Increment(ref _next) % (uint)_count;
                socket.Bind(new IPEndPoint(new IPAddress([127, 0, 0, (byte)(1 + n)]), 0));
            }

            return (socket, new IPEndPoint(target, port));
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    public void Dispose() => Invoker.Dispose();

    // IPv4 first: "localhost" then lands on 127.0.0.1, where the source addresses can be spread.
    private static async ValueTask<IPAddress> ResolveAsync(string host, CancellationToken cancellationToken)
    {
        if (IPAddress.TryParse(host, out var address))
        {
            return address;
        }

        var addresses = await Dns.GetHostAddressesAsync(host, cancellationToken).ConfigureAwait(false);
        return addresses.FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork)
            ?? addresses.FirstOrDefault()
            ?? throw new SocketException((int)SocketError.HostNotFound);
    }
}
