using System.Buffers;
using System.Net.WebSockets;
using ScaleChat.Protocol;

namespace ScaleChat.LoadTest.Clients;

internal sealed partial class LoadClient
{
    // Read only by this client's receive loop: the last message number seen from each sender, for
    // counting deliveries out of order.
    private Dictionary<int, long>? _lastFromSender;

    /// <summary>
    /// Records that message <paramref name="k"/> of <paramref name="sender"/> arrived; true when it
    /// came after a later message of the same sender had already arrived.
    /// </summary>
    public bool ArrivedOutOfOrder(int sender, long k)
    {
        _lastFromSender ??= [];
        if (_lastFromSender.TryGetValue(sender, out var last) && k < last)
        {
            return true;
        }

        _lastFromSender[sender] = k;
        return false;
    }

    /// <summary>Receives until the connection closes or fails; hands each object to <paramref name="onObject"/>.</summary>
    public async Task ReceiveLoopAsync(LoadObjectHandler onObject)
    {
        var socket = _socket!;
        while (true)
        {
            // Wait with an empty buffer so that an idle client holds no receive buffer.
            var first = await socket.ReceiveAsync(Memory<byte>.Empty, CancellationToken.None).ConfigureAwait(false);
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

                    result = await socket.ReceiveAsync(buffer.AsMemory(length), CancellationToken.None).ConfigureAwait(false);
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

    private void Dispatch(ReadOnlySpan<byte> frame, LoadObjectHandler onObject)
    {
        while (!frame.IsEmpty)
        {
            var end = frame.IndexOf(ProtocolConstants.ObjectSeparator);
            var json = end < 0 ? frame : frame[..end];
            frame = end < 0 ? default : frame[(end + 1)..];
            json = json.Trim(" \t\r"u8);
            if (!json.IsEmpty)
            {
                onObject(this, json);
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

    /// <summary>Closes politely within <paramref name="timeout"/>, then aborts.</summary>
    public async Task CloseAsync(TimeSpan timeout)
    {
        var socket = _socket;
        if (socket is null)
        {
            return;
        }

        try
        {
            using var cts = new CancellationTokenSource(timeout);
            if (socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
            {
                await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "load done", cts.Token).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or ObjectDisposedException or IOException)
        {
            // Already gone.
        }
        finally
        {
            socket.Abort();
            socket.Dispose();
        }
    }
}
