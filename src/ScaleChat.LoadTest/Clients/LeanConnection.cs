using System.Buffers;
using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Net.Sockets;
using System.Net.WebSockets;

namespace ScaleChat.LoadTest.Clients;

/// <summary>
/// The lean connection of a simulated client: a raw socket speaking just enough WebSocket
/// (RFC 6455) for a load client. One small buffer per connection, reused for every read; a read
/// takes whatever the kernel has (often several frames), and the frame parser hands the objects of
/// text frames straight from that buffer to the handler, which looks only for the message number.
/// Sends are masked frames queued while a write is in progress and written by the thread pool,
/// so the scheduler never waits on a socket. Pings are answered; a close is echoed.
/// </summary>
internal sealed partial class LeanConnection : ILoadConnection
{
    // Enough for a frame header and a few messages; grows (by doubling) only for one object larger
    // than what is left, and a large frame never needs to fit: complete objects go out as they come.
    private const int InitialBuffer = 4096;
    private const int MaxObjectBytes = 16 * 1024 * 1024;
    private const byte OpText = 1, OpClose = 8, OpPing = 9, OpPong = 10;

    private readonly Socket _socket;
    private readonly TaskCompletionSource _ended = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private byte[] _buffer;
    private int _start;
    private int _end;
    private int _closeStatus = -1;

    // The data frame being read: its payload bytes not consumed yet, whether it ends its message,
    // and the opcode of its message (a continuation frame keeps the first frame's).
    private bool _inData;
    private long _payloadLeft;
    private bool _fin;
    private int _messageOpcode;

    // A message split over several frames (the server does not do it, but the protocol allows it).
    private byte[]? _fragments;
    private int _fragmentsLength;

    private LeanConnection(Socket socket, byte[] buffer, int start, int end)
    {
        (_socket, _buffer, _start, _end) = (socket, buffer, start, end);
    }

    public int? CloseStatus => Volatile.Read(ref _closeStatus) is var s and >= 0 ? s : null;

    public async Task ReceiveLoopAsync(LoadClient client, LoadObjectHandler onObject)
    {
        try
        {
            // Bytes read with the upgrade answer come first.
            var now = System.Diagnostics.Stopwatch.GetTimestamp();
            while (Parse(client, onObject, now))
            {
                MakeRoom();
                var read = await _socket.ReceiveAsync(_buffer.AsMemory(_end), SocketFlags.None).ConfigureAwait(false);
                if (read == 0)
                {
                    return;
                }

                now = System.Diagnostics.Stopwatch.GetTimestamp();
                _end += read;
            }
        }
        catch (SocketException ex)
        {
            throw new WebSocketException(WebSocketError.ConnectionClosedPrematurely, ex.Message, ex);
        }
        finally
        {
            _ended.TrySetResult();
        }
    }

    // Moves what is left to the start of the buffer; doubles it when one object fills it all.
    private void MakeRoom()
    {
        if (_start > 0)
        {
            _buffer.AsSpan(_start, _end - _start).CopyTo(_buffer);
            (_end, _start) = (_end - _start, 0);
        }

        if (_end == _buffer.Length)
        {
            if (_buffer.Length >= MaxObjectBytes)
            {
                throw new WebSocketException(WebSocketError.Faulted, $"the server sent an object larger than {MaxObjectBytes} bytes");
            }

            Array.Resize(ref _buffer, _buffer.Length * 2);
        }
    }

    /// <summary>Takes every frame and object that is complete in the buffer; false when the server closed.</summary>
    private bool Parse(LoadClient client, LoadObjectHandler onObject, long now)
    {
        while (true)
        {
            if (_inData)
            {
                if (!TakePayload(client, onObject, now))
                {
                    return true;
                }

                continue;
            }

            var head = _buffer.AsSpan(_start, _end - _start);
            if (!TryReadHeader(head, out var fin, out var opcode, out var length, out var headerLength)
                || (opcode >= OpClose && head.Length < headerLength + length))
            {
                return true;
            }

            _start += headerLength;
            if (opcode >= OpClose)
            {
                var payload = head.Slice(headerLength, (int)length);
                _start += (int)length;
                if (!OnControl(opcode, payload))
                {
                    return false;
                }

                continue;
            }

            (_inData, _payloadLeft, _fin) = (true, length, fin);
            if (opcode != 0)
            {
                _messageOpcode = opcode;
            }
        }
    }

    private static bool TryReadHeader(ReadOnlySpan<byte> head, out bool fin, out int opcode, out long length, out int headerLength)
    {
        (fin, opcode, length, headerLength) = (false, 0, 0, 2);
        if (head.Length < 2)
        {
            return false;
        }

        fin = (head[0] & 0x80) != 0;
        opcode = head[0] & 0x0F;
        if ((head[1] & 0x80) != 0)
        {
            throw new WebSocketException(WebSocketError.Faulted, "the server sent a masked frame");
        }

        length = head[1] & 0x7F;
        if (length == 126)
        {
            headerLength = 4;
            length = head.Length >= 4 ? BinaryPrimitives.ReadUInt16BigEndian(head[2..]) : 0;
        }
        else if (length == 127)
        {
            headerLength = 10;
            length = head.Length >= 10 ? (long)BinaryPrimitives.ReadUInt64BigEndian(head[2..]) : 0;
        }

        if (length < 0 || (opcode >= OpClose && length > 125))
        {
            throw new WebSocketException(WebSocketError.Faulted, "the server sent a frame of a bad length");
        }

        return head.Length >= headerLength;
    }

    /// <summary>
    /// Hands on the complete objects of the current data frame that are in the buffer; true when
    /// the frame is done, false when more bytes are needed.
    /// </summary>
    private bool TakePayload(LoadClient client, LoadObjectHandler onObject, long now)
    {
        var available = (int)Math.Min(_end - _start, _payloadLeft);
        var chunk = _buffer.AsSpan(_start, available);
        var frameDone = available == _payloadLeft;
        int consumed;
        if (_messageOpcode != OpText)
        {
            consumed = available;
        }
        else if (!_fin || _fragments is not null)
        {
            AppendFragment(chunk);
            consumed = available;
            if (frameDone && _fin)
            {
                Deliver(client, onObject, _fragments.AsSpan(0, _fragmentsLength), now);
                ArrayPool<byte>.Shared.Return(_fragments!);
                (_fragments, _fragmentsLength) = (null, 0);
            }
        }
        else
        {
            consumed = frameDone ? available : chunk.LastIndexOf((byte)'\n') + 1;
            Deliver(client, onObject, chunk[..consumed], now);
        }

        _start += consumed;
        _payloadLeft -= consumed;
        _inData = !frameDone;
        return frameDone;
    }

    private static void Deliver(LoadClient client, LoadObjectHandler onObject, ReadOnlySpan<byte> objects, long now)
    {
        while (ScaleChat.Protocol.Frames.ObjectSocket.TryTakeNext(ref objects, out var json))
        {
            onObject(client, json, now);
        }
    }

    private void AppendFragment(ReadOnlySpan<byte> chunk)
    {
        if (_fragmentsLength + chunk.Length > MaxObjectBytes)
        {
            throw new WebSocketException(WebSocketError.Faulted, $"the server sent a message larger than {MaxObjectBytes} bytes");
        }

        EnsureCapacity(ref _fragments, _fragmentsLength, _fragmentsLength + chunk.Length);
        chunk.CopyTo(_fragments.AsSpan(_fragmentsLength));
        _fragmentsLength += chunk.Length;
    }

    /// <summary>Makes <paramref name="buffer"/> (pooled, <paramref name="used"/> bytes in use) hold at least <paramref name="needed"/> bytes.</summary>
    private static void EnsureCapacity([NotNull] ref byte[]? buffer, int used, int needed)
    {
        if (buffer is not null && buffer.Length >= needed)
        {
            return;
        }

        var larger = ArrayPool<byte>.Shared.Rent(Math.Max(needed, 512));
        if (buffer is not null)
        {
            buffer.AsSpan(0, used).CopyTo(larger);
            ArrayPool<byte>.Shared.Return(buffer);
        }

        buffer = larger;
    }

    // Pings are answered, pongs ignored; a close is echoed and ends the loop.
    private bool OnControl(int opcode, ReadOnlySpan<byte> payload)
    {
        switch (opcode)
        {
            case OpPing:
                Enqueue(OpPong, payload);
                return true;
            case OpClose:
                Volatile.Write(ref _closeStatus, payload.Length >= 2 ? BinaryPrimitives.ReadUInt16BigEndian(payload) : 1005);
                Enqueue(OpClose, payload.Length >= 2 ? payload[..2] : default);
                return false;
            case OpPong:
                return true;
            default:
                throw new WebSocketException(WebSocketError.Faulted, $"the server sent an unknown control opcode {opcode}");
        }
    }
}
