using System.Buffers;
using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Net.Sockets;
using System.Net.WebSockets;
using ScaleChat.Protocol.Frames;

namespace ScaleChat.LoadTest.Clients;

/// <summary>
/// The lean connection of a simulated client: a raw socket speaking just enough WebSocket
/// (RFC 6455) for a load client, run by the process's <see cref="EventLoop"/>. One small buffer per
/// connection, reused for every read; a read takes whatever the kernel has (often several frames),
/// and the frame parser hands the objects of text frames straight from that buffer to the handler,
/// which looks only for the message number. Sends go straight to the socket from the loop's thread;
/// what the socket does not take waits for it to be writable. Pings are answered; a close is echoed.
/// Everything but <see cref="Send"/>, <see cref="ReceiveLoopAsync"/> and <see cref="CloseAsync"/>
/// runs on the loop's thread.
/// </summary>
internal sealed partial class LeanConnection : ILoadConnection
{
    // Enough for a frame header and a few messages; grows (by doubling) only for one object larger
    // than what is left, and a large frame never needs to fit: complete objects go out as they come.
    private const int InitialBuffer = 4096;
    private const int MaxObjectBytes = 16 * 1024 * 1024;

    private readonly EventLoop _loop;
    private readonly Socket _socket;
    private readonly int _fd;
    private readonly TaskCompletionSource _ended = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private State _state;
    private ulong _token;
    private bool _registered;
    private LoadClient? _client;
    private LoadObjectHandler? _onObject;
    private byte[] _buffer = new byte[InitialBuffer];
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

    private enum State
    {
        Connecting,
        Upgrading,

        /// <summary>Upgraded; nothing is read until <see cref="ReceiveLoopAsync"/> names the handler.</summary>
        Ready,
        Open,

        /// <summary>The server's close has come: what follows is read and dropped.</summary>
        Closing,
        Ended,
    }

    public int? CloseStatus => Volatile.Read(ref _closeStatus) is var s and >= 0 ? s : null;

    /// <summary>Starts handing objects to <paramref name="onObject"/>; completes when the connection ends.</summary>
    public Task ReceiveLoopAsync(LoadClient client, LoadObjectHandler onObject)
    {
        OnLoop(c =>
        {
            if (c._state != State.Ready)
            {
                return;
            }

            (c._client, c._onObject, c._state) = (client, onObject, State.Open);
            c.ParseReceived(System.Diagnostics.Stopwatch.GetTimestamp());
            c.Watch();
        });
        return _ended.Task;
    }

    /// <summary>Called by the loop with the events epoll reported for this connection.</summary>
    public void OnEvents(uint events)
    {
        try
        {
            switch (_state)
            {
                case State.Connecting:
                    OnConnectable();
                    break;
                case State.Upgrading:
                    ReadUpgrade();
                    break;
                default:
                    if ((events & Epoll.Out) != 0)
                    {
                        Flush();
                    }

                    // Before the receive loop starts nothing is read: an error or hang-up ends it.
                    if ((events & ~Epoll.Out) != 0 && _state is State.Ready)
                    {
                        Abort(null);
                    }
                    else if ((events & ~Epoll.Out) != 0 && _state is State.Open or State.Closing)
                    {
                        Read();
                    }

                    break;
            }
        }
        catch (Exception ex)
        {
            Abort(ex);
        }
    }

    /// <summary>
    /// Ends the connection now: stops watching it, closes the socket, fails a connect still in
    /// progress with <paramref name="error"/>, and completes <see cref="ReceiveLoopAsync"/>.
    /// </summary>
    public void Abort(Exception? error)
    {
        if (_state == State.Ended)
        {
            return;
        }

        _state = State.Ended;
        if (_registered)
        {
            _loop.Unregister(_fd, _token);
            _registered = false;
        }

        _socket.Dispose();
        _connected.TrySetException(error ?? new WebSocketException(WebSocketError.ConnectionClosedPrematurely, "the connection ended during the upgrade"));
        _ended.TrySetResult();
        if (_fragments is not null)
        {
            ArrayPool<byte>.Shared.Return(_fragments);
            _fragments = null;
        }

        if (_pending is not null)
        {
            ArrayPool<byte>.Shared.Return(_pending);
            (_pending, _pendingLength) = (null, 0);
        }
    }

    /// <summary>
    /// Runs <paramref name="action"/> on the loop's thread; a failure ends this connection only.
    /// False when the loop has stopped (and has ended this connection if it had started it).
    /// </summary>
    private bool OnLoop(Action<LeanConnection> action) => _loop.Post(() =>
    {
        try
        {
            action(this);
        }
        catch (Exception ex)
        {
            Abort(ex);
        }
    });

    // One read of whatever the kernel has; the loop comes back while more is ready.
    private void Read()
    {
        MakeRoom();
        var read = _socket.Receive(_buffer.AsSpan(_end), SocketFlags.None, out var error);
        if (error == SocketError.WouldBlock)
        {
            return;
        }

        if (error != SocketError.Success || read == 0)
        {
            Abort(null);
            return;
        }

        if (_state == State.Closing)
        {
            (_start, _end) = (0, 0);
            return;
        }

        _end += read;
        ParseReceived(System.Diagnostics.Stopwatch.GetTimestamp());
    }

    private void ParseReceived(long now)
    {
        if (!Parse(_client!, _onObject!, now))
        {
            _state = State.Closing;
            _ended.TrySetResult();
        }
    }

    // What epoll should report for the current state: readable once receiving, writable while a
    // send waits (and for the connect).
    private void Watch()
    {
        var events = _state switch
        {
            State.Connecting => Epoll.Out,
            State.Upgrading => Epoll.In,
            State.Open or State.Closing => Epoll.In | Epoll.RdHup,
            _ => 0u,
        };
        if (_pendingLength > 0)
        {
            events |= Epoll.Out;
        }

        if (_registered)
        {
            _loop.Modify(_fd, events, _token);
        }
        else
        {
            _token = _loop.Register(this, _fd, events);
            _registered = true;
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
            if (!WebSocketFrameHeader.TryRead(head, out var header))
            {
                return true;
            }

            if (header.Masked || header.PayloadLength < 0 || (header.IsControl && header.PayloadLength > 125))
            {
                throw new WebSocketException(WebSocketError.Faulted, header.Masked ? "the server sent a masked frame" : "the server sent a frame of a bad length");
            }

            if (header.IsControl && head.Length < header.Length + header.PayloadLength)
            {
                return true;
            }

            _start += header.Length;
            if (header.IsControl)
            {
                var payload = head.Slice(header.Length, (int)header.PayloadLength);
                _start += payload.Length;
                if (!OnControl(header.Opcode, payload))
                {
                    return false;
                }

                continue;
            }

            (_inData, _payloadLeft, _fin) = (true, header.PayloadLength, header.Fin);
            if (header.Opcode != WebSocketFrameHeader.Continuation)
            {
                _messageOpcode = header.Opcode;
            }
        }
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
        if (_messageOpcode != WebSocketFrameHeader.Text)
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
            case WebSocketFrameHeader.Ping:
                SendFrame(WebSocketFrameHeader.Pong, payload);
                return true;
            case WebSocketFrameHeader.Close:
                Volatile.Write(ref _closeStatus, payload.Length >= 2 ? BinaryPrimitives.ReadUInt16BigEndian(payload) : 1005);
                SendFrame(WebSocketFrameHeader.Close, payload.Length >= 2 ? payload[..2] : default);
                return false;
            case WebSocketFrameHeader.Pong:
                return true;
            default:
                throw new WebSocketException(WebSocketError.Faulted, $"the server sent an unknown control opcode {opcode}");
        }
    }
}
