using System.Buffers;
using System.Net.WebSockets;
using ScaleChat.Protocol;

namespace ScaleChat.Server.Connections;

internal sealed partial class Connection
{
    private const int MaxFramesPerBatch = 256;

    /// <summary>
    /// The only code that writes to the socket. Version-1 clients get everything queued since the
    /// last write in one frame (objects separated by '\n') and one flush; legacy clients read one
    /// object per frame. Buffers are rented per batch, so an idle connection holds none.
    /// </summary>
    private async Task WriteLoopAsync()
    {
        try
        {
            while (await _queue.WaitToReadAsync())
            {
                var frames = ArrayPool<byte[]>.Shared.Rent(MaxFramesPerBatch);
                try
                {
                    int count;
                    while ((count = _queue.DequeueBatch(frames, IsLegacy ? 0 : _options.MaxBatchBytes)) > 0)
                    {
                        await SendBatchAsync(frames, count);
                    }
                }
                finally
                {
                    ArrayPool<byte[]>.Shared.Return(frames, clearArray: true);
                }
            }

            // 1006 is never sent: it means the connection was lost without a close frame.
            if ((_socket.State is WebSocketState.Open or WebSocketState.CloseReceived) && _closeCode != CloseCodes.Abnormal)
            {
                var status = _closeCode == 0 ? CloseCodes.Normal : _closeCode;
                await _socket.CloseOutputAsync((WebSocketCloseStatus)status, _closeReason, CancellationToken.None);
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or IOException or ObjectDisposedException)
        {
            // A failed write ends this connection only; its read loop sees the abort.
            Close(CloseCodes.Abnormal, "write failed", discardQueued: true);
            _socket.Abort();
        }
        catch (Exception ex)
        {
            // Never let the writer fault: the read loop awaits it before releasing the connection.
            Log.ConnectionFailed(_logger, Id, ex);
            Close(CloseCodes.InternalError, "internal error", discardQueued: true);
            _socket.Abort();
        }
    }

    /// <summary>Counts one written frame of <paramref name="objects"/> objects (the writer loop's own fields).</summary>
    internal void CountSent(int objects, int bytes)
    {
        _traffic.FramesOut++;
        _traffic.ObjectsOut += objects;
        _traffic.BytesOut += bytes;
    }

    private async ValueTask SendBatchAsync(byte[][] frames, int count)
    {
        var length = count - 1;
        for (var i = 0; i < count; i++)
        {
            length += frames[i].Length;
        }

        if (_sink is not null)
        {
            // The WebSocket may have sent its own close (a protocol error it refused): nothing after it.
            if (_socket.State is not (WebSocketState.Open or WebSocketState.CloseReceived))
            {
                throw new WebSocketException(WebSocketError.InvalidState);
            }

            await _sink.WriteTextFrameAsync(frames, count, length);
        }
        else if (count == 1)
        {
            await _socket.SendAsync(frames[0], WebSocketMessageType.Text, endOfMessage: true, CancellationToken.None);
        }
        else
        {
            await SendJoinedAsync(frames, count, length);
        }

        CountSent(count, length);
    }

    /// <summary>The WebSocket's own send path, for connections accepted by the HTTP pipeline.</summary>
    private async ValueTask SendJoinedAsync(byte[][] frames, int count, int length)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            JoinObjects(frames.AsSpan(0, count), buffer);
            await _socket.SendAsync(buffer.AsMemory(0, length), WebSocketMessageType.Text, endOfMessage: true, CancellationToken.None);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Copies <paramref name="objects"/> into <paramref name="destination"/> joined by '\n'; returns the bytes written.</summary>
    internal static int JoinObjects(ReadOnlySpan<byte[]> objects, Span<byte> destination)
    {
        var offset = 0;
        for (var i = 0; i < objects.Length; i++)
        {
            if (i > 0)
            {
                destination[offset++] = ProtocolConstants.ObjectSeparator;
            }

            objects[i].CopyTo(destination[offset..]);
            offset += objects[i].Length;
        }

        return offset;
    }
}
