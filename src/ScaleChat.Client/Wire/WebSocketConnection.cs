using System.Buffers;
using System.Net.Http;
using System.Net.WebSockets;
using ScaleChat.Protocol;

namespace ScaleChat.Client.Wire;

/// <summary>Called for each object of each frame received, on the receive loop.</summary>
internal delegate void ObjectHandler(WebSocketConnection connection, ReadOnlySpan<byte> json);

/// <summary>
/// One WebSocket connection: a receive loop that splits frames into objects, and a write path
/// that batches whatever is queued while a write is in progress into the next frame. There is no
/// writer task: the caller that finds the connection idle does the writing, so an idle
/// connection holds no buffer and no task but its pending receive.
/// </summary>
internal sealed class WebSocketConnection : IDisposable
{
    private const int ReceiveChunk = 4096;
    private const int MaxReceiveFrame = 16 * 1024 * 1024;

    // One handler for every client in the process: cheaper than one per ClientWebSocket.
    private static readonly Lazy<HttpMessageInvoker> SharedInvoker = new(() => new HttpMessageInvoker(new SocketsHttpHandler
    {
        PooledConnectionLifetime = TimeSpan.FromMinutes(5),
        ConnectTimeout = TimeSpan.FromSeconds(10),
    }));

    private readonly ClientWebSocket _socket;
    private readonly Lock _gate = new();
    private byte[]? _pending;
    private int _pendingLength;
    private bool _flushing;
    private int _maxFrameBytes = new ProtocolLimits().MaxFrameBytes;

    private WebSocketConnection(ClientWebSocket socket) => _socket = socket;

    /// <summary>Why the connection ended, once it has: a close frame's status, or null for a failure.</summary>
    public WebSocketCloseStatus? CloseStatus => _socket.CloseStatus;

    /// <summary>The close frame's description, if any.</summary>
    public string? CloseDescription => _socket.CloseStatusDescription;

    /// <summary>The largest frame to write; set from <c>welcome.limits</c>.</summary>
    public int MaxFrameBytes
    {
        set => _maxFrameBytes = Math.Max(256, value);
    }

    /// <summary>Opens a WebSocket asking for the <c>scalechat.v1</c> subprotocol.</summary>
    public static async Task<WebSocketConnection> OpenAsync(ChatClientOptions options, Uri url, CancellationToken cancellationToken)
    {
        var socket = new ClientWebSocket();
        try
        {
            socket.Options.AddSubProtocol(ProtocolConstants.SubprotocolV1);
            socket.Options.KeepAliveInterval = options.KeepAliveInterval;
            if (options.KeepAliveInterval > TimeSpan.Zero)
            {
                socket.Options.KeepAliveTimeout = options.KeepAliveTimeout;
            }

            await socket.ConnectAsync(url, options.HttpInvoker ?? SharedInvoker.Value, cancellationToken).ConfigureAwait(false);
            if (socket.SubProtocol != ProtocolConstants.SubprotocolV1)
            {
                throw new ChatConnectionException($"the server at {url} does not speak {ProtocolConstants.SubprotocolV1}");
            }

            return new WebSocketConnection(socket);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Queues one object (compact JSON, no newline) and writes it, with whatever else is queued,
    /// unless a write is already in progress, in which case that write picks it up.
    /// </summary>
    public void Enqueue(ReadOnlySpan<byte> json)
    {
        bool flush;
        lock (_gate)
        {
            var needed = _pendingLength + json.Length + 1;
            if (_pending is null || _pending.Length < needed)
            {
                var larger = ArrayPool<byte>.Shared.Rent(Math.Max(needed, 1024));
                if (_pending is not null)
                {
                    _pending.AsSpan(0, _pendingLength).CopyTo(larger);
                    ArrayPool<byte>.Shared.Return(_pending);
                }

                _pending = larger;
            }

            json.CopyTo(_pending.AsSpan(_pendingLength));
            _pendingLength += json.Length;
            _pending[_pendingLength++] = ProtocolConstants.ObjectSeparator;
            flush = !_flushing;
            _flushing = true;
        }

        if (flush)
        {
            _ = FlushAsync();
        }
    }

    private async Task FlushAsync()
    {
        try
        {
            while (true)
            {
                byte[] buffer;
                int length;
                lock (_gate)
                {
                    if (_pendingLength == 0 || _pending is null)
                    {
                        _flushing = false;
                        return;
                    }

                    (buffer, length) = (_pending, _pendingLength);
                    (_pending, _pendingLength) = (null, 0);
                }

                try
                {
                    await WriteFramesAsync(buffer, length).ConfigureAwait(false);
                }
                finally
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                }
            }
        }
        catch (Exception)
        {
            // A failed write means a dead connection; the receive loop sees it end and the client
            // reconnects. Abort so that it ends now rather than at the next keep-alive.
            lock (_gate)
            {
                _flushing = false;
                _pendingLength = 0;
            }

            _socket.Abort();
        }
    }

    /// <summary>Writes newline-separated objects as frames no larger than the server accepts, cut between objects.</summary>
    private async Task WriteFramesAsync(byte[] buffer, int length)
    {
        var start = 0;
        while (start < length)
        {
            var end = FrameEnd(buffer.AsSpan(start, length - start), _maxFrameBytes);
            await _socket.SendAsync(buffer.AsMemory(start, end), WebSocketMessageType.Text, true, CancellationToken.None).ConfigureAwait(false);
            start += end + 1;
        }
    }

    /// <summary>
    /// The length of the next frame in <paramref name="objects"/> (each object followed by '\n'):
    /// as many whole objects as fit in <paramref name="maxFrameBytes"/>, and at least one; the
    /// separator after the last is not sent.
    /// </summary>
    internal static int FrameEnd(ReadOnlySpan<byte> objects, int maxFrameBytes)
    {
        var end = objects.IndexOf(ProtocolConstants.ObjectSeparator);
        while (end >= 0)
        {
            var next = objects[(end + 1)..].IndexOf(ProtocolConstants.ObjectSeparator);
            if (next < 0 || end + 1 + next > maxFrameBytes)
            {
                break;
            }

            end += 1 + next;
        }

        return end < 0 ? objects.Length : end;
    }

    /// <summary>
    /// Receives frames until the connection closes or fails, handing each object to
    /// <paramref name="onObject"/>. Returns normally when the server closed the connection.
    /// </summary>
    public async Task ReceiveLoopAsync(ObjectHandler onObject, CancellationToken cancellationToken)
    {
        while (true)
        {
            // Wait with an empty buffer so that an idle connection holds no receive buffer.
            var first = await _socket.ReceiveAsync(Memory<byte>.Empty, cancellationToken).ConfigureAwait(false);
            if (first.MessageType == WebSocketMessageType.Close)
            {
                return;
            }

            var buffer = ArrayPool<byte>.Shared.Rent(ReceiveChunk);
            try
            {
                var length = 0;
                var result = first;
                while (!result.EndOfMessage)
                {
                    if (length == buffer.Length)
                    {
                        buffer = Grow(buffer, length);
                    }

                    result = await _socket.ReceiveAsync(buffer.AsMemory(length), cancellationToken).ConfigureAwait(false);
                    length += result.Count;
                    if (result.MessageType == WebSocketMessageType.Close)
                    {
                        return;
                    }
                }

                if (result.MessageType == WebSocketMessageType.Text)
                {
                    Dispatch(buffer.AsSpan(0, length), onObject);
                }
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }
    }

    private void Dispatch(ReadOnlySpan<byte> frame, ObjectHandler onObject)
    {
        while (ServerFrameReader.TryTakeNext(ref frame, out var json))
        {
            onObject(this, json);
        }
    }

    private static byte[] Grow(byte[] buffer, int length)
    {
        if (length >= MaxReceiveFrame)
        {
            throw new ChatConnectionException($"the server sent a frame larger than {MaxReceiveFrame} bytes");
        }

        var larger = ArrayPool<byte>.Shared.Rent(buffer.Length * 2);
        buffer.AsSpan(0, length).CopyTo(larger);
        ArrayPool<byte>.Shared.Return(buffer);
        return larger;
    }

    /// <summary>Closes the connection politely, waiting at most <paramref name="timeout"/>, then aborts it.</summary>
    public async Task CloseAsync(TimeSpan timeout)
    {
        try
        {
            using var cts = new CancellationTokenSource(timeout);
            if (_socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
            {
                await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "bye", cts.Token).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or ObjectDisposedException)
        {
            // Closing a connection that is already gone is not an error.
        }
        finally
        {
            _socket.Abort();
        }
    }

    /// <summary>Drops the connection at once, as a network failure would.</summary>
    public void Abort() => _socket.Abort();

    /// <inheritdoc />
    public void Dispose()
    {
        _socket.Dispose();
        lock (_gate)
        {
            if (_pending is not null && !_flushing)
            {
                ArrayPool<byte>.Shared.Return(_pending);
                _pending = null;
            }
        }
    }
}
