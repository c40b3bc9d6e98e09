using System.Buffers;
using System.Net.WebSockets;
using ScaleChat.Protocol;

namespace ScaleChat.Server.Connections;

internal sealed partial class Connection : ISendQueueReader
{
    // The run's wait for the writer at the end: null while nobody waits, WriterEnded once it ended.
    private static readonly TaskCompletionSource WriterEnded = new();
    private TaskCompletionSource? _writerEnd;

    void ISendQueueReader.OnQueued() => Write();

    /// <summary>
    /// The only code that writes to the socket, run when the send queue wakes it (on a send loop's
    /// thread, or the thread pool without one) until the queue is empty again: then it returns and holds nothing, no task and no
    /// buffer. A write the socket cannot take at once goes on when it completes. Version-1 clients
    /// get everything queued since the last write in one frame (objects separated by '\n') and one
    /// flush; legacy clients read one object per frame. The queue copies a batch straight into a
    /// buffer rented for that write, with room for the frame's header in front.
    /// </summary>
    private void Write()
    {
        try
        {
            while (true)
            {
                var maxBytes = IsLegacy ? 0 : _options.MaxBatchBytes;
                while (_queue.DequeueBatch(maxBytes, ILeanTransport.HeaderRoom, out var objects, out var length) is { } buffer)
                {
                    ValueTask sending;
                    try
                    {
                        sending = SendFrameAsync(buffer, length);
                    }
                    catch
                    {
                        ArrayPool<byte>.Shared.Return(buffer);
                        throw;
                    }

                    if (!sending.IsCompletedSuccessfully)
                    {
                        _ = WriteWhenSentAsync(sending, buffer, objects, length);
                        return;
                    }

                    ArrayPool<byte>.Shared.Return(buffer);
                    CountSent(objects, length);
                }

                switch (_queue.Park())
                {
                    case SendQueue.ParkResult.Parked:
                        return;
                    case SendQueue.ParkResult.Done:
                        _ = CloseOutputAsync();
                        return;
                }
            }
        }
        catch (Exception ex)
        {
            OnWriteFailed(ex);
        }
    }

    /// <summary>A write the socket could not take at once: the writer goes on once it is sent.</summary>
    private async Task WriteWhenSentAsync(ValueTask sending, byte[] buffer, int objects, int length)
    {
        try
        {
            await sending;
            CountSent(objects, length);
        }
        catch (Exception ex)
        {
            OnWriteFailed(ex);
            return;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        Write();
    }

    /// <summary>The queue is completed and sent: the close frame goes last, and the writer ends.</summary>
    private async Task CloseOutputAsync()
    {
        try
        {
            // 1006 is never sent: it means the connection was lost without a close frame.
            if ((_socket.State is WebSocketState.Open or WebSocketState.CloseReceived) && _closeCode != CloseCodes.Abnormal)
            {
                var status = _closeCode == 0 ? CloseCodes.Normal : _closeCode;
                await _socket.CloseOutputAsync((WebSocketCloseStatus)status, _closeReason, CancellationToken.None);
            }
        }
        catch (Exception ex)
        {
            OnWriteFailed(ex);
            return;
        }

        EndWriter();
    }

    private void OnWriteFailed(Exception ex)
    {
        if (ex is not (WebSocketException or OperationCanceledException or IOException or ObjectDisposedException))
        {
            Log.ConnectionFailed(_logger, Id, ex);
            Close(CloseCodes.InternalError, "internal error", discardQueued: true);
        }
        else
        {
            // A failed write ends this connection only; its read loop sees the abort.
            Close(CloseCodes.Abnormal, "write failed", discardQueued: true);
        }

        _socket.Abort();
        EndWriter();
    }

    private void EndWriter()
    {
        if (Interlocked.Exchange(ref _writerEnd, WriterEnded) is { } waiting && waiting != WriterEnded)
        {
            waiting.TrySetResult();
        }
    }

    /// <summary>Completes when the writer has ended (after the queue was completed).</summary>
    private Task WriterEndAsync()
    {
        var end = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        return Interlocked.CompareExchange(ref _writerEnd, end, null) is null ? end.Task : Task.CompletedTask;
    }

    /// <summary>Counts one written frame of <paramref name="objects"/> objects (the writer's own fields).</summary>
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
