using System.Net;
using System.Net.WebSockets;
using System.Security.Cryptography;
using System.Text;
using ScaleChat.Protocol;

namespace ScaleChat.LoadTest.Clients;

internal sealed partial class LeanConnection
{
    private const string AcceptGuid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

    /// <summary>
    /// Opens a TCP connection from the next source address and upgrades it (ws:// only); version 1
    /// asks for the <c>scalechat.v1</c> subprotocol and fails when the server does not accept it.
    /// </summary>
    public static async Task<LeanConnection> ConnectAsync(Uri url, SourceAddresses sources, bool legacy, CancellationToken cancellationToken)
    {
        var socket = await sources.ConnectAsync(url.IdnHost, url.Port, cancellationToken).ConfigureAwait(false);
        try
        {
            var key = Convert.ToBase64String(RandomNumberGenerator.GetBytes(16));
            var request = $"GET {url.PathAndQuery} HTTP/1.1\r\nHost: {url.Authority}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + $"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
                + (legacy ? "" : $"Sec-WebSocket-Protocol: {ProtocolConstants.SubprotocolV1}\r\n") + "\r\n";
            await socket.SendAsync(Encoding.ASCII.GetBytes(request), System.Net.Sockets.SocketFlags.None, cancellationToken).ConfigureAwait(false);

            var buffer = new byte[InitialBuffer];
            var filled = 0;
            int headEnd;
            while ((headEnd = buffer.AsSpan(0, filled).IndexOf("\r\n\r\n"u8)) < 0)
            {
                if (filled == buffer.Length)
                {
                    throw new WebSocketException(WebSocketError.HeaderError, "the server's upgrade answer is too long");
                }

                var read = await socket.ReceiveAsync(buffer.AsMemory(filled), System.Net.Sockets.SocketFlags.None, cancellationToken).ConfigureAwait(false);
                if (read == 0)
                {
                    throw new WebSocketException(WebSocketError.ConnectionClosedPrematurely, "the server closed the connection during the upgrade");
                }

                filled += read;
            }

            CheckUpgrade(Encoding.ASCII.GetString(buffer, 0, headEnd), key, legacy);
            return new LeanConnection(socket, buffer, headEnd + 4, filled);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Checks the answer's status, <c>Sec-WebSocket-Accept</c> and subprotocol; throws what the full client would.</summary>
    internal static void CheckUpgrade(string head, string key, bool legacy)
    {
        var lines = head.Split("\r\n");
        var status = lines[0].Split(' ', 3);
        if (status.Length < 2 || !int.TryParse(status[1], out var code))
        {
            throw new WebSocketException(WebSocketError.HeaderError, "the server's upgrade answer has no status line");
        }

        if (code != 101)
        {
            throw new HttpRequestException($"the server answered the upgrade with {code}", null, (HttpStatusCode)code);
        }

        string? Header(string name) => lines.Skip(1).Select(l => l.Split(':', 2))
            .FirstOrDefault(p => p.Length == 2 && p[0].Trim().Equals(name, StringComparison.OrdinalIgnoreCase))?[1].Trim();

        var expected = Convert.ToBase64String(SHA1.HashData(Encoding.ASCII.GetBytes(key + AcceptGuid)));
        if (Header("Sec-WebSocket-Accept") != expected)
        {
            throw new WebSocketException(WebSocketError.HeaderError, "the server's Sec-WebSocket-Accept does not match the key");
        }

        if (!legacy && Header("Sec-WebSocket-Protocol") != ProtocolConstants.SubprotocolV1)
        {
            throw new WebSocketException(WebSocketError.UnsupportedProtocol, $"the server did not accept {ProtocolConstants.SubprotocolV1}");
        }
    }
}
