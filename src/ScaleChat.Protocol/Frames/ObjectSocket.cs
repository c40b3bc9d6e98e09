using System.Buffers;
using System.Net.WebSockets;

namespace ScaleChat.Protocol.Frames;

/// <summary>Called for each object of each frame an <see cref="ObjectSocket"/> receives, on its receive loop.</summary>
/// <typeparam name="TState">What the caller passed to <see cref="ObjectSocket.ReceiveLoopAsync{TState}"/>.</typeparam>
public delegate void ObjectReceived<in TState>(TState state, ReadOnlySpan<byte> json);

/// <summary>
/// A client's WebSocket that carries protocol objects: a receive loop that splits frames on '\n',
/// and a write path that batches whatever is queued while a write is in progress into the next
/// frame, cut between objects. There is no writer task and the receive loop waits with zero-byte
/// reads, so an idle socket holds no buffer and no task but its pending receive. Shared by the
/// client library and the load generator.
/// </summary>
public sealed class ObjectSocket(WebSocket socket)
{
    private const int ReceiveChunk = 4096;
    private const int MaxReceiveFrame = 16 * 1024 * 1024;

    private readonly Lock _gate = new();
    private byte[]? _pending;
    private int _pendingLength;
    private bool _flushing;
    private int _maxFrameBytes = new ProtocolLimits().MaxFrameBytes;

    /// <summary>The WebSocket underneath.</summary>
    public WebSocket Socket { get; } = socket;

    /// <summary>
    /// The largest frame to write (from <c>welcome.limits</c>); 0 writes one object per frame, as
    /// legacy servers read them.
    /// </summary>
    public int MaxFrameBytes
    {
        get => _maxFrameBytes;
        set => _maxFrameBytes = Math.Max(0, value);
    }

    /// <summary>
    /// Queues one object (compact JSON, no newline) and writes it with whatever else is queued,
    /// unless a write is in progress, in which case that write takes it too. Never waits: the
    /// write runs on the thread pool.
    /// </summary>
    public void Enqueue(ReadOnlySpan<byte> json)
    {
        bool flush;
        lock (_gate)
        {
            var needed = _pendingLength + json.Length + 1;
            if (_pending is null || _pending.Length < needed)
            {
                var larger = ArrayPool<byte>.Shared.Rent(Math.Max(needed, 512));
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
            ThreadPool.UnsafeQueueUserWorkItem(static s => _ = s.FlushAsync(), this, preferLocal: false);
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

                    (buffer, length, _pending, _pendingLength) = (_pending, _pendingLength, null, 0);
                }

                try
                {
                    var start = 0;
                    while (start < length)
                    {
                        var end = FrameEnd(buffer.AsSpan(start, length - start), _maxFrameBytes);
                        await Socket.SendAsync(buffer.AsMemory(start, end), WebSocketMessageType.Text, true, CancellationToken.None).ConfigureAwait(false);
                        start += end + 1;
                    }
                }
                finally
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                }
            }
        }
        catch (Exception)
        {
            // A failed write is a dead connection: abort so that the receive loop ends now rather
            // than at the next keep-alive, and its owner learns of it there.
            lock (_gate)
            {
                (_flushing, _pendingLength) = (false, 0);
            }

            Socket.Abort();
        }
    }

    /// <summary>
    /// The length of the next frame in <paramref name="objects"/> (each object followed by '\n'):
    /// as many whole objects as fit in <paramref name="maxFrameBytes"/>, and at least one; the
    /// separator after the last is not sent.
    /// </summary>
    public static int FrameEnd(ReadOnlySpan<byte> objects, int maxFrameBytes)
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

    /// <summary>Takes the next non-blank object (the text up to the next '\n') off <paramref name="frame"/>.</summary>
    public static bool TryTakeNext(ref ReadOnlySpan<byte> frame, out ReadOnlySpan<byte> json)
    {
        while (!frame.IsEmpty)
        {
            var end = frame.IndexOf(ProtocolConstants.ObjectSeparator);
            var segment = end < 0 ? frame : frame[..end];
            frame = end < 0 ? default : frame[(end + 1)..];
            segment = segment.Trim(" \t\r"u8);
            if (!segment.IsEmpty)
            {
                json = segment;
                return true;
            }
        }

        json = default;
        return false;
    }

    /// <summary>
    /// Receives frames until the connection closes or fails, handing each object to
    /// <paramref name="onObject"/>. Returns normally when the peer closed the connection.
    /// </summary>
    public async Task ReceiveLoopAsync<TState>(TState state, ObjectReceived<TState> onObject, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(onObject);
        while (true)
        {
            // Wait with an empty buffer so that an idle socket holds no receive buffer.
            var first = await Socket.ReceiveAsync(Memory<byte>.Empty, cancellationToken).ConfigureAwait(false);
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

                    result = await Socket.ReceiveAsync(buffer.AsMemory(length), cancellationToken).ConfigureAwait(false);
                    length += result.Count;
                    if (result.MessageType == WebSocketMessageType.Close)
                    {
                        return;
                    }
                }

                if (result.MessageType == WebSocketMessageType.Text)
                {
                    ReadOnlySpan<byte> frame = buffer.AsSpan(0, length);
                    while (TryTakeNext(ref frame, out var json))
                    {
                        onObject(state, json);
                    }
                }
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }
    }

    private static byte[] Grow(byte[] buffer, int length)
    {
        if (length >= MaxReceiveFrame)
        {
            throw new WebSocketException(WebSocketError.Faulted, $"the server sent a frame larger than {MaxReceiveFrame} bytes");
        }

        var larger = ArrayPool<byte>.Shared.Rent(buffer.Length * 2);
        buffer.AsSpan(0, length).CopyTo(larger);
        ArrayPool<byte>.Shared.Return(buffer);
        return larger;
    }

    /// <summary>Closes politely, waiting at most <paramref name="timeout"/>, then aborts.</summary>
    public async Task CloseAsync(TimeSpan timeout, string description)
    {
        try
        {
            using var cts = new CancellationTokenSource(timeout);
            if (Socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
            {
                await Socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, description, cts.Token).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or ObjectDisposedException or IOException)
        {
            // Closing a connection that is already gone is not an error.
        }
        finally
        {
            Socket.Abort();
        }
    }

    /// <summary>Gives back a queued buffer that no write will take any more (after the connection ended).</summary>
    public void ReleaseBuffers()
    {
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
