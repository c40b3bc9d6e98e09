using System.Buffers;
using System.Net.WebSockets;
using ScaleChat.Protocol;

namespace ScaleChat.Server.Connections;

internal sealed partial class Connection
{
    /// <summary>
    /// The only code that writes to the socket. Version-1 clients get everything queued since the
    /// last write in one frame (objects separated by '\n') and one flush; legacy clients read one
    /// object per frame. The queue copies a batch straight into a buffer rented for that write, with
    /// room for the frame's header in front; an idle connection holds none.
    /// </summary>
    private async Task WriteLoopAsync()
    {
        try
        {
            while (await _queue.WaitToReadAsync())
            {
                var maxBytes = IsLegacy ? 0 : _options.MaxBatchBytes;
                while (_queue.DequeueBatch(maxBytes, ILeanTransport.HeaderRoom, out var objects, out var length) is { } buffer)
                {
                    try
                    {
                        await SendFrameAsync(buffer, length);
                        CountSent(objects, length);
                    }
                    finally
                    {
                        ArrayPool<byte>.Shared.Return(buffer);
                    }
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

    /// <summary>Sends one text frame whose payload is <paramref name="buffer"/>'s bytes after its header room.</summary>
    private ValueTask SendFrameAsync(byte[] buffer, int length)
    {
        if (_sink is null)
        {
            // Accepted by the HTTP pipeline: the WebSocket's own send path.
            return _socket.SendAsync(buffer.AsMemory(ILeanTransport.HeaderRoom, length), WebSocketMessageType.Text, endOfMessage: true, CancellationToken.None);
        }

        // The WebSocket may have sent its own close (a protocol error it refused): nothing after it.
        if (_socket.State is not (WebSocketState.Open or WebSocketState.CloseReceived))
        {
            throw new WebSocketException(WebSocketError.InvalidState);
        }

        return _sink.WriteTextFrameAsync(buffer, length);
    }
}
