using System.Net;
using System.Net.Sockets;

namespace ScaleChat.LoadTest.Clients;

/// <summary>
/// One <see cref="SocketsHttpHandler"/> for every load client of the process. Connections to a
/// loopback server are bound in turn to 127.0.0.1, 127.0.0.2, ... so that each source address
/// has its own range of ephemeral ports: one address runs out at about 28,000 connections.
/// </summary>
internal static class SourceAddressHandler
{
    public static HttpMessageInvoker Create(int sourceAddresses)
    {
        var next = 0;
        var handler = new SocketsHttpHandler
        {
            ConnectTimeout = TimeSpan.FromSeconds(10),
            PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
            UseProxy = false,
            ConnectCallback = async (context, cancellationToken) =>
            {
                var target = await ResolveAsync(context.DnsEndPoint.Host, cancellationToken).ConfigureAwait(false);
                var socket = new Socket(target.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                try
                {
                    if (sourceAddresses > 1 && target.AddressFamily == AddressFamily.InterNetwork && IPAddress.IsLoopback(target))
                    {
                        var n = (uint)Interlocked.Increment(ref next) % (uint)sourceAddresses;
                        socket.Bind(new IPEndPoint(new IPAddress([127, 0, 0, (byte)(1 + n)]), 0));
                    }

                    await socket.ConnectAsync(new IPEndPoint(target, context.DnsEndPoint.Port), cancellationToken).ConfigureAwait(false);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
        };
        return new HttpMessageInvoker(handler);
    }

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
