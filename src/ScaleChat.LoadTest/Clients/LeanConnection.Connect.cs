using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Security.Cryptography;
using System.Text;
using ScaleChat.Protocol;

namespace ScaleChat.LoadTest.Clients;

internal sealed partial class LeanConnection
{
    private const string AcceptGuid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

    private readonly TaskCompletionSource<LeanConnection> _connected = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly IPEndPoint _target;
    private readonly string _key;
    private readonly bool _legacy;
    private byte[]? _request;

    private LeanConnection(EventLoop loop, Socket socket, IPEndPoint target, bool legacy, string key, byte[] request)
    {
        (_loop, _socket, _target, _legacy, _key, _request) = (loop, socket, target, legacy, key, request);
        _fd = (int)socket.Handle;
    }

    /// <summary>
    /// Opens a TCP connection from the next source address and upgrades it (ws:// only), on
    /// <paramref name="loop"/>; version 1 asks for the <c>scalechat.v1</c> subprotocol and fails
    /// when the server does not accept it.
    /// </summary>
    public static async Task<LeanConnection> ConnectAsync(Uri url, SourceAddresses sources, bool legacy, EventLoop loop, CancellationToken cancellationToken)
    {
        var (socket, target) = await sources.OpenAsync(url.IdnHost, url.Port, cancellationToken).ConfigureAwait(false);
        socket.Blocking = false;
        var key = Convert.ToBase64String(RandomNumberGenerator.GetBytes(16));
        var request = $"GET {url.PathAndQuery} HTTP/1.1\r\nHost: {url.Authority}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            + $"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
            + (legacy ? "" : $"Sec-WebSocket-Protocol: {ProtocolConstants.SubprotocolV1}\r\n") + "\r\n";
        var connection = new LeanConnection(loop, socket, target, legacy, key, Encoding.ASCII.GetBytes(request));
        if (!connection.OnLoop(static c => c.StartConnect()))
        {
            socket.Dispose();
            throw new ObjectDisposedException(nameof(EventLoop));
        }

        await using (cancellationToken.Register(() => connection.OnLoop(c =>
        {
            if (c._state < State.Ready)
            {
                c.Abort(new OperationCanceledException(cancellationToken));
            }
        })).ConfigureAwait(false))
        {
            return await connection._connected.Task.ConfigureAwait(false);
        }
    }

    private void StartConnect()
    {
        if (_state != State.Connecting)
        {
            return;
        }

        try
        {
            _socket.Connect(_target);
        }
        catch (SocketException e) when (e.SocketErrorCode is SocketError.WouldBlock or SocketError.InProgress or SocketError.AlreadyInProgress)
        {
            // Under way: the socket turns writable when it is done.
            Watch();
            return;
        }

        Watch();
        OnConnectable();
    }

    // The connect is done: on success, send the upgrade request (a few hundred bytes always fit an
    // empty socket buffer) and wait for the answer.
    private void OnConnectable()
    {
        if (_socket.GetSocketOption(SocketOptionLevel.Socket, SocketOptionName.Error) is int error and not 0)
        {
            throw new SocketException(error);
        }

        if (!TrySend(_request, out var sent))
        {
            return;
        }

        if (sent < _request!.Length)
        {
            throw new WebSocketException(WebSocketError.Faulted, "the upgrade request did not fit the socket's buffer");
        }

        (_state, _request) = (State.Upgrading, null);
        Watch();
    }

    private void ReadUpgrade()
    {
        if (_end == _buffer.Length)
        {
            throw new WebSocketException(WebSocketError.HeaderError, "the server's upgrade answer is too long");
        }

        var read = _socket.Receive(_buffer.AsSpan(_end), SocketFlags.None, out var error);
        if (error == SocketError.WouldBlock)
        {
            return;
        }

        if (error != SocketError.Success || read == 0)
        {
            throw new WebSocketException(WebSocketError.ConnectionClosedPrematurely, "the server closed the connection during the upgrade");
        }

        _end += read;
        var headEnd = _buffer.AsSpan(0, _end).IndexOf("\r\n\r\n"u8);
        if (headEnd < 0)
        {
            return;
        }

        CheckUpgrade(Encoding.ASCII.GetString(_buffer, 0, headEnd), _key, _legacy);
        (_start, _state) = (headEnd + 4, State.Ready);
        Watch();
        _connected.TrySetResult(this);
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
