using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace ScaleChat.Server.Tests.Infrastructure;

/// <summary>
/// A WebSocket client on a bare TCP socket, for what a well-behaved client library cannot send: a
/// hand-written upgrade (any path, subprotocol, headers, HTTP version, or raw bytes) and then any
/// frame at all (RSV bits, reserved opcodes, unmasked, oversized control frames, stray
/// continuations). It reads the server's frames itself and tells when the server closed the TCP
/// connection. Every wait has a timeout.
/// </summary>
public sealed class RawWsClient : IDisposable
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    private readonly Socket _socket;
    private byte[] _buffer = new byte[64 * 1024];
    private readonly Queue<JsonElement> _pending = new();
    private int _start;
    private int _end;
    private bool _peerClosed;

    private RawWsClient(Socket socket) => _socket = socket;

    public Socket Socket => _socket;

    /// <summary>The server's close frame code once one was read (1005 when it had no code).</summary>
    public int? CloseCode { get; private set; }

    /// <summary>The reason in the server's close frame, once one was read.</summary>
    public string? CloseReason { get; private set; }

    /// <summary>The welcome of the handshake, where a test keeps it.</summary>
    public JsonElement? LastWelcome { get; set; }

    /// <summary>Opens a TCP connection to the server of <paramref name="server"/> (any http:// or ws:// address) and sends nothing.</summary>
    public static async Task<RawWsClient> OpenAsync(Uri server)
    {
        ArgumentNullException.ThrowIfNull(server);
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            using var cts = new CancellationTokenSource(Timeout);
            await socket.ConnectAsync(new IPEndPoint(IPAddress.Parse(server.Host), server.Port), cts.Token);
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        return new RawWsClient(socket);
    }

    /// <summary>Opens a connection and upgrades it; throws unless the server answers 101.</summary>
    public static async Task<RawWsClient> ConnectAsync(Uri server, RawUpgrade? upgrade = null)
    {
        var client = await OpenAsync(server);
        try
        {
            var response = await client.UpgradeAsync(upgrade ?? new RawUpgrade());
            if (response.Status != 101)
            {
                throw new InvalidOperationException($"upgrade refused: {response.StatusLine}");
            }

            return client;
        }
        catch
        {
            client.Dispose();
            throw;
        }
    }

    /// <summary>Connects with version 1 to <paramref name="path"/> and completes the handshake with <paramref name="name"/>.</summary>
    public static async Task<RawWsClient> HelloAsync(Uri server, string name, string path = "/ws", bool presence = false)
    {
        var client = await ConnectAsync(server, new RawUpgrade { Path = path });
        try
        {
            await client.SendTextAsync(JsonSerializer.Serialize(new { type = "hello", name, presence }));
            await client.ExpectAsync("welcome");
            return client;
        }
        catch
        {
            client.Dispose();
            throw;
        }
    }

    /// <summary>Sends the upgrade request and reads the answer's head.</summary>
    public async Task<HttpHead> UpgradeAsync(RawUpgrade upgrade)
    {
        ArgumentNullException.ThrowIfNull(upgrade);
        var endpoint = (IPEndPoint)_socket.RemoteEndPoint!;
        await SendRawAsync(upgrade.ToBytes($"{endpoint.Address}:{endpoint.Port}"));
        return await ReadHttpHeadAsync();
    }

    /// <summary>Sends bytes as they are (a hand-made request head, half a frame, garbage).</summary>
    public async Task SendRawAsync(ReadOnlyMemory<byte> bytes)
    {
        using var cts = new CancellationTokenSource(Timeout);
        while (!bytes.IsEmpty)
        {
            var sent = await _socket.SendAsync(bytes, SocketFlags.None, cts.Token);
            bytes = bytes[sent..];
        }
    }

    public Task SendFrameAsync(WsFrame frame) => SendRawAsync(frame.Encode());

    /// <summary>A masked, final text frame: what a correct client sends.</summary>
    public Task SendTextAsync(string text) => SendFrameAsync(WsFrame.Text(text));

    /// <summary>Reads an HTTP answer's head (up to the blank line); status 0 when the server closed first.</summary>
    public async Task<HttpHead> ReadHttpHeadAsync(TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? Timeout);
        while (true)
        {
            var end = _buffer.AsSpan(_start, _end - _start).IndexOf("\r\n\r\n"u8);
            if (end >= 0)
            {
                var head = Encoding.Latin1.GetString(_buffer, _start, end);
                _start += end + 4;
                return HttpHead.Parse(head);
            }

            if (!await FillAsync(cts.Token))
            {
                return HttpHead.Parse(Encoding.Latin1.GetString(_buffer, _start, _end - _start));
            }
        }
    }

    /// <summary>The next frame from the server; null when the server closed the TCP connection.</summary>
    public async Task<WsFrame?> ReceiveFrameAsync(TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? Timeout);
        while (true)
        {
            if (TryParseFrame(out var frame))
            {
                if (frame.Opcode == WsOpcode.Close)
                {
                    CloseCode = frame.Payload.Length >= 2 ? BinaryPrimitives.ReadUInt16BigEndian(frame.Payload) : 1005;
                    CloseReason = frame.Payload.Length > 2 ? Encoding.UTF8.GetString(frame.Payload.AsSpan(2)) : "";
                }

                return frame;
            }

            if (!await FillAsync(cts.Token))
            {
                return null;
            }
        }
    }

    /// <summary>The next JSON object of a text frame (frames are split on '\n'); throws on close or timeout.</summary>
    public async Task<JsonElement> ReceiveAsync(TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? Timeout);
        var message = new List<byte>();
        while (_pending.Count == 0)
        {
            var remaining = deadline - DateTime.UtcNow;
            var frame = await ReceiveFrameAsync(remaining > TimeSpan.Zero ? remaining : TimeSpan.FromMilliseconds(1))
                ?? throw new IOException("the server closed the connection");
            switch (frame.Opcode)
            {
                case WsOpcode.Close:
                    throw new IOException($"the server sent close {CloseCode}");
                case WsOpcode.Text or WsOpcode.Continuation:
                    message.AddRange(frame.Payload);
                    if (frame.Fin)
                    {
                        foreach (var line in Encoding.UTF8.GetString([.. message]).Split('\n'))
                        {
                            _pending.Enqueue(JsonDocument.Parse(line).RootElement.Clone());
                        }

                        message.Clear();
                    }

                    break;
                case WsOpcode.Ping:
                    await SendFrameAsync(new WsFrame(WsOpcode.Pong, frame.Payload));
                    break;
            }
        }

        return _pending.Dequeue();
    }

    /// <summary>Skips objects until one of <paramref name="type"/> arrives.</summary>
    public async Task<JsonElement> ExpectAsync(string type, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? Timeout);
        while (true)
        {
            var remaining = deadline - DateTime.UtcNow;
            if (remaining <= TimeSpan.Zero)
            {
                throw new TimeoutException($"no '{type}' in time");
            }

            var element = await ReceiveAsync(remaining);
            if (element.Str("type") == type)
            {
                return element;
            }
        }
    }

    /// <summary>
    /// Reads until the server's close frame and returns its code; null when the server closed the
    /// TCP connection (or reset it) with no close frame. Throws <see cref="TimeoutException"/> when neither happens in time.
    /// </summary>
    public async Task<int?> ExpectCloseAsync(TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? Timeout);
        try
        {
            while (true)
            {
                var remaining = deadline - DateTime.UtcNow;
                var frame = await ReceiveFrameAsync(remaining > TimeSpan.Zero ? remaining : TimeSpan.FromMilliseconds(1));
                if (frame is null)
                {
                    return null;
                }

                if (frame.Opcode == WsOpcode.Close)
                {
                    return CloseCode;
                }
            }
        }
        catch (SocketException)
        {
            return null;
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException("neither a close frame nor the end of the connection in time");
        }
    }

    /// <summary>
    /// True when the server closes the TCP connection (an orderly end or a reset) within
    /// <paramref name="timeout"/>; what arrives before is read and dropped.
    /// </summary>
    public async Task<bool> WaitForServerCloseAsync(TimeSpan timeout)
    {
        if (_peerClosed)
        {
            return true;
        }

        using var cts = new CancellationTokenSource(timeout);
        try
        {
            while (await FillAsync(cts.Token))
            {
                _start = _end = 0; // drop it: only the end matters
            }

            return true;
        }
        catch (SocketException)
        {
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>Closes the socket at once with a reset (linger 0): no close handshake, no FIN.</summary>
    public void Reset()
    {
        try
        {
            _socket.LingerState = new LingerOption(true, 0);
        }
        catch (SocketException)
        {
            // Already gone.
        }

        _socket.Close();
    }

    /// <summary>Closes the socket (FIN) without a WebSocket close handshake.</summary>
    public void Close() => _socket.Close();

    public void Dispose() => _socket.Dispose();

    private async Task<bool> FillAsync(CancellationToken cancellationToken)
    {
        if (_peerClosed)
        {
            return false;
        }

        if (_start > 0)
        {
            Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
            _end -= _start;
            _start = 0;
        }

        if (_end == _buffer.Length)
        {
            Array.Resize(ref _buffer, _buffer.Length * 2); // a frame larger than what was read so far
        }

        var read = await _socket.ReceiveAsync(_buffer.AsMemory(_end), SocketFlags.None, cancellationToken);
        if (read == 0)
        {
            _peerClosed = true;
            return false;
        }

        _end += read;
        return true;
    }

    private bool TryParseFrame(out WsFrame frame)
    {
        frame = null!;
        var data = _buffer.AsSpan(_start, _end - _start);
        if (data.Length < 2)
        {
            return false;
        }

        var masked = (data[1] & 0x80) != 0;
        long length = data[1] & 0x7F;
        var offset = 2;
        if (length == 126)
        {
            if (data.Length < 4)
            {
                return false;
            }

            length = BinaryPrimitives.ReadUInt16BigEndian(data[2..]);
            offset = 4;
        }
        else if (length == 127)
        {
            if (data.Length < 10)
            {
                return false;
            }

            length = (long)BinaryPrimitives.ReadUInt64BigEndian(data[2..]);
            offset = 10;
        }

        var maskOffset = offset;
        if (masked)
        {
            offset += 4;
        }

        if (data.Length < offset + length)
        {
            return false;
        }

        var payload = data.Slice(offset, (int)length).ToArray();
        if (masked)
        {
            for (var i = 0; i < payload.Length; i++)
            {
                payload[i] ^= data[maskOffset + (i % 4)];
            }
        }

        frame = new WsFrame(data[0] & 0x0F, payload, Fin: (data[0] & 0x80) != 0, Rsv: (data[0] >> 4) & 0x07, Masked: masked);
        _start += offset + (int)length;
        return true;
    }
}
