using System.Buffers;
using System.Net.WebSockets;
using ScaleChat.Protocol;

namespace ScaleChat.LoadTest.Clients;

/// <summary>Called for each object of each frame a load client receives, on its receive loop.</summary>
internal delegate void LoadObjectHandler(LoadClient client, ReadOnlySpan<byte> json);

/// <summary>
/// One simulated client: a <see cref="ClientWebSocket"/> that waits with zero-byte reads (so an
/// idle client holds no buffer), and a write path that batches whatever is queued while a write is
/// in progress. No task per message and none per idle client but its pending receive.
/// </summary>
internal sealed partial class LoadClient
{
    private const int ReceiveChunk = 4096;
    private const int MaxReceiveFrame = 16 * 1024 * 1024;

    private readonly Lock _gate = new();
    private ClientWebSocket? _socket;
    private byte[]? _pending;
    private int _pendingLength;
    private bool _flushing;

    public LoadClient(int local, int global, int room, int slot, string name)
    {
        (Local, Global, Room, Slot, Name) = (local, global, room, slot, name);
    }

    /// <summary>Index among the clients of this process.</summary>
    public int Local { get; }

    /// <summary>Index among all clients of the run.</summary>
    public int Global { get; }

    public int Room { get; }

    /// <summary>Position among the members of its room.</summary>
    public int Slot { get; }

    public string Name { get; }

    // 0 connecting, 1 joined, 2 ended: join and end race between the connect and the receive loop.
    private int _state;

    /// <summary>True between its welcome (or, for legacy, the upgrade) and its disconnect.</summary>
    public bool Joined => Volatile.Read(ref _state) == 1;

    /// <summary>Marks the client joined; false when its connection has already ended.</summary>
    public bool TryJoin() => Interlocked.CompareExchange(ref _state, 1, 0) == 0;

    /// <summary>Marks the connection ended; true when it had been joined.</summary>
    public bool End() => Interlocked.Exchange(ref _state, 2) == 1;

    /// <summary>Completed by the server's <c>welcome</c> (version 1).</summary>
    public TaskCompletionSource Welcome { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Opens the WebSocket; version 1 asks for the <c>scalechat.v1</c> subprotocol.</summary>
    public async Task ConnectAsync(Uri url, HttpMessageInvoker invoker, bool legacy, CancellationToken cancellationToken)
    {
        var socket = new ClientWebSocket();
        try
        {
            socket.Options.KeepAliveInterval = TimeSpan.Zero;
            if (!legacy)
            {
                socket.Options.AddSubProtocol(ProtocolConstants.SubprotocolV1);
            }

            await socket.ConnectAsync(url, invoker, cancellationToken).ConfigureAwait(false);
            if (!legacy && socket.SubProtocol != ProtocolConstants.SubprotocolV1)
            {
                throw new WebSocketException(WebSocketError.UnsupportedProtocol, $"the server did not accept {ProtocolConstants.SubprotocolV1}");
            }

            _socket = socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>The close code the server sent, or null when the connection failed without one.</summary>
    public int? CloseStatus => (int?)_socket?.CloseStatus;

    /// <summary>
    /// Queues one object (compact JSON, no newline) and writes it with whatever else is queued,
    /// unless a write is in progress, in which case that write takes it too.
    /// </summary>
    public void Send(ReadOnlySpan<byte> json)
    {
        bool flush;
        lock (_gate)
        {
            var needed = _pendingLength + json.Length + 1;
            if (_pending is null || _pending.Length < needed)
            {
                var larger = ArrayPool<byte>.Shared.Rent(Math.Max(needed, 512));
                _pending?.AsSpan(0, _pendingLength).CopyTo(larger);
                if (_pending is not null)
                {
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
            // Off the caller's thread: the scheduler must not wait on a socket.
            ThreadPool.UnsafeQueueUserWorkItem(static c => _ = c.FlushAsync(), this, preferLocal: false);
        }
    }

    /// <summary>True for legacy clients: every object goes in a frame of its own.</summary>
    public bool OneObjectPerFrame { get; init; }

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

                    (buffer, length, _pending, _pendingLength) = (_pending, _pendingLength, null, 0);
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
        catch (Exception ex) when (ex is WebSocketException or IOException or ObjectDisposedException or InvalidOperationException)
        {
            // A failed write is a dead connection: the receive loop ends and counts it.
            lock (_gate)
            {
                (_flushing, _pendingLength) = (false, 0);
            }

            _socket?.Abort();
        }
    }

    // Version 1 may batch objects up to a frame of 60,000 bytes (under the server's default
    // 65,536); legacy servers read one object per frame.
    private async Task WriteFramesAsync(byte[] buffer, int length)
    {
        var start = 0;
        while (start < length)
        {
            var span = buffer.AsSpan(start, length - start);
            var end = span.IndexOf(ProtocolConstants.ObjectSeparator);
            while (!OneObjectPerFrame && end >= 0 && end + 1 < span.Length)
            {
                var next = span[(end + 1)..].IndexOf(ProtocolConstants.ObjectSeparator);
                if (next < 0 || end + 1 + next > 60_000)
                {
                    break;
                }

                end += 1 + next;
            }

            await _socket!.SendAsync(buffer.AsMemory(start, end), WebSocketMessageType.Text, true, CancellationToken.None).ConfigureAwait(false);
            start += end + 1;
        }
    }
}
