using System.Buffers;
using System.Buffers.Binary;
using System.IO.Pipelines;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text;
using System.Text.Unicode;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using ScaleChat.Protocol.Frames;
using ScaleChat.Server.Connections;

namespace ScaleChat.Server.Hosting;

/// <summary>
/// The server's side of a WebSocket (RFC 6455) read straight from Kestrel's transport, for the lean
/// upgrade path: no stream in between, no buffer and no timer of its own. A zero-byte receive waits
/// on the transport's input pipe, so an idle connection holds only this object and its pending read.
/// Frames are checked as the runtime's WebSocket checks them; a frame that breaks the protocol ends
/// the read with <see cref="WebSocketError.Faulted"/> (its generic message for text that is not UTF-8),
/// and the connection answers it with its own close frame. Writes go straight to Kestrel's socket
/// when there is one (the sockets transport), else into the output pipe; every frame is whole.
/// Keep-alive pings come from <see cref="KeepAlive"/>, one timer for every connection.
/// </summary>
internal sealed class TransportWebSocket : WebSocket, ILeanTransport
{
    // The longest client frame header: two bytes, a 64-bit length and the mask key.
    private const int MaxHeadLength = WebSocketFrameHeader.MaxLength + 4;
    private const int MaxControlPayload = 125;
    private const int MaxCloseReason = MaxControlPayload - 2;

    // The keep-alive's ping: an empty one, the same bytes for every connection.
    private static readonly byte[] KeepAlivePing = [0x80 | WebSocketFrameHeader.Ping, 0];

    private readonly ConnectionContext _connection;
    private readonly PipeReader _input;
    private readonly PipeWriter _output;
    private readonly Socket? _socket;
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly KeepAlive? _keepAlive;
    private volatile bool _disposed;
    private int _ended;
    private int _state = (int)WebSocketState.Open;
    private WebSocketCloseStatus? _closeStatus;
    private string? _closeDescription;

    // The frame being read: whether its header was read, how much payload is left, the mask key
    // turned to the next byte; the message it belongs to and its UTF-8 so far.
    private bool _inFrame;
    private bool _fin;
    private long _payloadLeft;
    private uint _mask;
    private bool _inMessage;
    private bool _faulted;
    private WebSocketMessageType _messageType;
    private Utf8Stream _utf8;
    private bool _sendContinues;

    public TransportWebSocket(ConnectionContext connection, string? subProtocol, KeepAlive? keepAlive)
    {
        _connection = connection;
        _input = connection.Transport.Input;
        _output = connection.Transport.Output;
        _socket = NonBlocking(connection.Features.Get<IConnectionSocketFeature>()?.Socket);
        SubProtocol = subProtocol;
        _keepAlive = keepAlive;
        keepAlive?.Add(this);
    }

    public override WebSocketCloseStatus? CloseStatus => _closeStatus;

    public override string? CloseStatusDescription => _closeDescription;

    public override WebSocketState State => (WebSocketState)Volatile.Read(ref _state);

    public override string? SubProtocol { get; }

    /// <summary>The keep-alive's place for this socket (its index), -1 when not held.</summary>
    internal int KeepAliveSlot { get; set; } = -1;

    /// <summary>Sweeps of the keep-alive since the peer last sent anything; a read sets it back to 0.</summary>
    internal int QuietSweeps { get; set; }

    public override async ValueTask<ValueWebSocketReceiveResult> ReceiveAsync(Memory<byte> buffer, CancellationToken cancellationToken)
    {
        while (true)
        {
            if (_faulted || State is not (WebSocketState.Open or WebSocketState.CloseSent))
            {
                throw new WebSocketException(WebSocketError.InvalidState, $"the WebSocket cannot receive in the {State} state");
            }

            var result = await _input.ReadAsync(cancellationToken);
            var input = result.Buffer;
            ThrowIfAborted(result);

            QuietSweeps = 0;
            Step step;
            ValueWebSocketReceiveResult received;
            byte[]? pong;
            SequencePosition consumed, examined;
            try
            {
                step = Read(input, buffer.Span, out consumed, out examined, out received, out pong);
            }
            catch
            {
                _faulted = true; // nothing after a broken frame can be read
                _input.AdvanceTo(input.Start);
                throw;
            }

            _input.AdvanceTo(consumed, examined);
            switch (step)
            {
                case Step.Received:
                    return received;
                case Step.Ping when State != WebSocketState.CloseSent: // nothing follows our close frame
                    await WriteWholeAsync(pong);
                    break;
                case Step.NeedMore when result.IsCompleted:
                    throw new WebSocketException(WebSocketError.ConnectionClosedPrematurely, "the peer ended the connection without a close frame");
            }
        }
    }

    private enum Step
    {
        NeedMore,
        Received,
        Ping,
    }

    /// <summary>
    /// Reads what <paramref name="input"/> holds: control frames are handled whole (a ping asks for
    /// the pong to be sent), and data goes into <paramref name="destination"/>. An empty destination
    /// waits for the next data frame's header only, as the runtime's zero-byte receive does.
    /// </summary>
    private Step Read(ReadOnlySequence<byte> input, Span<byte> destination, out SequencePosition consumed, out SequencePosition examined,
        out ValueWebSocketReceiveResult received, out byte[]? pong)
    {
        received = default;
        pong = null;
        examined = input.End;
        while (true)
        {
            consumed = input.Start;
            if (!_inFrame)
            {
                if (!TryPeekHeader(input, out var header))
                {
                    return Step.NeedMore;
                }

                if (ProblemWith(header) is { } problem)
                {
                    throw new WebSocketException(WebSocketError.Faulted, problem);
                }

                if (header.IsControl)
                {
                    var length = (int)header.PayloadLength;
                    if (input.Length < header.Length + length)
                    {
                        return Step.NeedMore;
                    }

                    Span<byte> payload = stackalloc byte[MaxControlPayload];
                    payload = payload[..length];
                    input.Slice(header.Length, length).CopyTo(payload);
                    WebSocketMask.Apply(payload, header.MaskKey);
                    input = input.Slice(header.Length + length);
                    consumed = examined = input.Start;
                    switch (header.Opcode)
                    {
                        case WebSocketFrameHeader.Close:
                            OnCloseReceived(payload);
                            received = new ValueWebSocketReceiveResult(0, WebSocketMessageType.Close, true);
                            return Step.Received;
                        case WebSocketFrameHeader.Ping:
                            pong = ControlFrame(WebSocketFrameHeader.Pong, payload);
                            return Step.Ping;
                        default:
                            examined = input.End;
                            continue; // a pong: it only shows the peer is alive
                    }
                }

                input = input.Slice(header.Length);
                consumed = examined = input.Start;
                (_inFrame, _fin, _payloadLeft, _mask) = (true, header.Fin, header.PayloadLength, header.MaskKey);
                if (header.Opcode != WebSocketFrameHeader.Continuation)
                {
                    _messageType = header.Opcode == WebSocketFrameHeader.Text ? WebSocketMessageType.Text : WebSocketMessageType.Binary;
                    _inMessage = true;
                    _utf8.Reset();
                }
            }

            if (_payloadLeft == 0 || destination.IsEmpty)
            {
                examined = consumed;
                received = new ValueWebSocketReceiveResult(0, _messageType, _payloadLeft == 0 && EndFrame());
                return Step.Received;
            }

            if (input.IsEmpty)
            {
                return Step.NeedMore;
            }

            var take = (int)Math.Min(Math.Min(_payloadLeft, input.Length), destination.Length);
            var chunk = destination[..take];
            input.Slice(0, take).CopyTo(chunk);
            _mask = WebSocketMask.Apply(chunk, _mask);
            if (_messageType == WebSocketMessageType.Text && !_utf8.TryAppend(chunk))
            {
                throw InvalidUtf8();
            }

            _payloadLeft -= take;
            consumed = examined = input.GetPosition(take);
            received = new ValueWebSocketReceiveResult(take, _messageType, _payloadLeft == 0 && EndFrame());
            return Step.Received;
        }
    }

    /// <summary>The header at the start of <paramref name="input"/>, once it is all there.</summary>
    private static bool TryPeekHeader(in ReadOnlySequence<byte> input, out FrameHeader header)
    {
        Span<byte> head = stackalloc byte[MaxHeadLength];
        var available = (int)Math.Min(input.Length, MaxHeadLength);
        input.Slice(0, available).CopyTo(head);
        return WebSocketFrameHeader.TryRead(head[..available], out header);
    }

    /// <summary>Which rule of RFC 6455 (section 5) a client's frame header breaks, or null.</summary>
    private string? ProblemWith(in FrameHeader header) =>
        header switch
        {
            { Rsv: not 0 } => "a frame with a reserved bit set",
            { Masked: false } => "a client frame that is not masked",
            { Opcode: > WebSocketFrameHeader.Binary and < WebSocketFrameHeader.Close or > WebSocketFrameHeader.Pong } => $"a frame with the reserved opcode {header.Opcode}",
            { IsControl: true, Fin: false } => "a fragmented control frame",
            { IsControl: true, PayloadLength: > MaxControlPayload } => "a control frame longer than 125 bytes",
            { PayloadLength: < 0 } => "a frame length with its top bit set",
            { Opcode: WebSocketFrameHeader.Continuation } when !_inMessage => "a continuation frame with no message to continue",
            { IsControl: false, Opcode: not WebSocketFrameHeader.Continuation } when _inMessage => "a new message before the last one ended",
            _ => null,
        };

    /// <summary>The current frame's payload is all read: true when that ended its message.</summary>
    private bool EndFrame()
    {
        _inFrame = false;
        if (!_fin)
        {
            return false;
        }

        _inMessage = false;
        if (_messageType == WebSocketMessageType.Text && !_utf8.IsWhole)
        {
            throw InvalidUtf8();
        }

        return true;
    }

    /// <summary>The runtime's WebSocket reports text that is not UTF-8 with the generic message; the connection answers 1007.</summary>
    private static WebSocketException InvalidUtf8() => new(WebSocketError.Faulted);

    private void OnCloseReceived(ReadOnlySpan<byte> payload)
    {
        if (payload.Length == 1)
        {
            throw new WebSocketException(WebSocketError.Faulted, "a close frame with a one-byte payload");
        }

        _closeStatus = WebSocketCloseStatus.Empty;
        if (payload.Length >= 2)
        {
            var code = BinaryPrimitives.ReadUInt16BigEndian(payload);
            if (!IsValidCloseCode(code))
            {
                throw new WebSocketException(WebSocketError.Faulted, $"a close frame with the invalid code {code}");
            }

            if (!Utf8.IsValid(payload[2..]))
            {
                throw InvalidUtf8();
            }

            _closeStatus = (WebSocketCloseStatus)code;
            _closeDescription = Encoding.UTF8.GetString(payload[2..]);
        }

        MoveState(closeReceived: true);
    }

    /// <summary>The codes a peer may send (RFC 6455, section 7.4): not 1004–1006, 1015 or the unassigned ones.</summary>
    private static bool IsValidCloseCode(int code) =>
        code is (>= 1000 and <= 1003) or (>= 1007 and <= 1014) or (>= 3000 and <= 4999);

    /// <summary>Open becomes CloseReceived or CloseSent, and either of those Closed, whichever close comes second.</summary>
    private void MoveState(bool closeReceived)
    {
        while (true)
        {
            var state = (WebSocketState)Volatile.Read(ref _state);
            var next = state switch
            {
                WebSocketState.Open => closeReceived ? WebSocketState.CloseReceived : WebSocketState.CloseSent,
                WebSocketState.CloseSent when closeReceived => WebSocketState.Closed,
                WebSocketState.CloseReceived when !closeReceived => WebSocketState.Closed,
                _ => state,
            };
            if (next == state || Interlocked.CompareExchange(ref _state, (int)next, (int)state) == (int)state)
            {
                return;
            }
        }
    }

    private static byte[] ControlFrame(byte opcode, ReadOnlySpan<byte> payload)
    {
        var frame = new byte[2 + payload.Length];
        WebSocketFrameHeader.Write(frame, opcode, payload.Length, masked: false);
        payload.CopyTo(frame.AsSpan(2));
        return frame;
    }

    /// <summary>A ping from the keep-alive; a write that cannot finish now finishes (or fails) on its own.</summary>
    internal void Ping()
    {
        try
        {
            var pending = WriteWholeAsync(KeepAlivePing);
            if (!pending.IsCompleted)
            {
                _ = ObserveAsync(pending);
            }
            else
            {
                pending.GetAwaiter().GetResult();
            }
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException)
        {
            // The connection is ending; its own loops notice.
        }

        static async Task ObserveAsync(ValueTask pending)
        {
            try
            {
                await pending;
            }
            catch (Exception ex) when (ex is IOException or ObjectDisposedException)
            {
                // As above.
            }
        }
    }

    public override async Task CloseOutputAsync(WebSocketCloseStatus closeStatus, string? statusDescription, CancellationToken cancellationToken)
    {
        var reason = Encoding.UTF8.GetBytes(statusDescription ?? "");
        if (reason.Length > MaxCloseReason)
        {
            throw new ArgumentException($"a close reason takes at most {MaxCloseReason} bytes", nameof(statusDescription));
        }

        var payload = new byte[closeStatus == WebSocketCloseStatus.Empty ? 0 : 2 + reason.Length];
        if (payload.Length > 0)
        {
            BinaryPrimitives.WriteUInt16BigEndian(payload, (ushort)closeStatus);
            reason.CopyTo(payload, 2);
        }

        await WriteWholeAsync(ControlFrame(WebSocketFrameHeader.Close, payload));
        MoveState(closeReceived: false);
    }

    public override async Task CloseAsync(WebSocketCloseStatus closeStatus, string? statusDescription, CancellationToken cancellationToken)
    {
        await CloseOutputAsync(closeStatus, statusDescription, cancellationToken);
        var discard = new byte[256];
        while (State == WebSocketState.CloseSent)
        {
            await ReceiveAsync(discard.AsMemory(), cancellationToken);
        }
    }

    public override Task<WebSocketReceiveResult> ReceiveAsync(ArraySegment<byte> buffer, CancellationToken cancellationToken) =>
        throw new NotSupportedException("the server reads with the Memory<byte> overload");

    public override async ValueTask SendAsync(ReadOnlyMemory<byte> buffer, WebSocketMessageType messageType, bool endOfMessage, CancellationToken cancellationToken)
    {
        var opcode = _sendContinues ? WebSocketFrameHeader.Continuation
            : messageType == WebSocketMessageType.Text ? WebSocketFrameHeader.Text : WebSocketFrameHeader.Binary;
        var frame = ArrayPool<byte>.Shared.Rent(WebSocketFrameHeader.MaxLength + buffer.Length);
        try
        {
            var header = WebSocketFrameHeader.Write(frame, opcode, buffer.Length, masked: false);
            if (!endOfMessage)
            {
                frame[0] &= 0x7F; // not the final frame
            }

            buffer.CopyTo(frame.AsMemory(header));
            await WriteWholeAsync(frame.AsMemory(0, header + buffer.Length));
            _sendContinues = !endOfMessage;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(frame);
        }
    }

    public override Task SendAsync(ArraySegment<byte> buffer, WebSocketMessageType messageType, bool endOfMessage, CancellationToken cancellationToken) =>
        SendAsync(buffer.AsMemory(), messageType, endOfMessage, cancellationToken).AsTask();

    public ValueTask<ReadResult> WaitForInputAsync() => _input.ReadAsync();

    public bool EndWait(in ReadResult result)
    {
        var input = result.Buffer;
        ThrowIfAborted(result);
        QuietSweeps = 0;
        // Whole pongs that keep the rules are taken here; anything else (a broken pong too) is the receive's.
        while (!_inFrame && TryPeekHeader(input, out var header) && header.Opcode == WebSocketFrameHeader.Pong
            && ProblemWith(header) is null && input.Length >= header.Length + header.PayloadLength)
        {
            input = input.Slice(header.Length + header.PayloadLength);
        }

        var waitAgain = input.IsEmpty && !result.IsCompleted;
        _input.AdvanceTo(input.Start, waitAgain ? input.End : input.Start);
        return !waitAgain;
    }

    /// <summary>A read that <see cref="Abort"/> cancelled ends the receive.</summary>
    private void ThrowIfAborted(in ReadResult result)
    {
        if (result.IsCanceled)
        {
            _input.AdvanceTo(result.Buffer.Start);
            throw new OperationCanceledException("the WebSocket was aborted");
        }
    }

    /// <summary>Writes the handshake's answer, before any frame.</summary>
    public ValueTask WriteHandshakeAsync(ReadOnlyMemory<byte> response) => WriteWholeAsync(response);

    /// <summary>
    /// Writes one text frame: a server frame is not masked, so its header goes into the room the
    /// writer left in front of the payload, and the frame is written without another copy.
    /// </summary>
    public ValueTask WriteTextFrameAsync(byte[] buffer, int payloadLength)
    {
        var start = ILeanTransport.HeaderRoom - WebSocketFrameHeader.LengthOf(payloadLength);
        WebSocketFrameHeader.Write(buffer.AsSpan(start), WebSocketFrameHeader.Text, payloadLength, masked: false);
        return WriteWholeAsync(buffer.AsMemory(start, ILeanTransport.HeaderRoom - start + payloadLength));
    }

    /// <summary>Writes <paramref name="bytes"/> whole under the write lock, which is released when the write completes.</summary>
    private ValueTask WriteWholeAsync(ReadOnlyMemory<byte> bytes)
    {
        if (!_writeLock.Wait(0))
        {
            return WriteWholeAfterLockAsync(bytes);
        }

        ValueTask pending;
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            pending = WriteLocked(bytes);
        }
        catch
        {
            _writeLock.Release();
            throw;
        }

        if (pending.IsCompletedSuccessfully)
        {
            _writeLock.Release();
            return default;
        }

        return ReleaseAfterAsync(pending);
    }

    private async ValueTask WriteWholeAfterLockAsync(ReadOnlyMemory<byte> bytes)
    {
        await _writeLock.WaitAsync();
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            await WriteLocked(bytes);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    private async ValueTask ReleaseAfterAsync(ValueTask pending)
    {
        try
        {
            await pending;
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <summary>
    /// Under the write lock: straight to the socket when the transport has one (one system call, on
    /// this thread, when the socket takes it all), else into the transport's output pipe.
    /// </summary>
    private ValueTask WriteLocked(ReadOnlyMemory<byte> bytes)
    {
        if (_socket is null)
        {
            return EndWriteAsync(_output.WriteAsync(bytes));
        }

        var sent = _socket.Send(bytes.Span, SocketFlags.None, out var error);
        if (sent == bytes.Length)
        {
            return default;
        }

        if (error is not (SocketError.Success or SocketError.WouldBlock))
        {
            throw new IOException($"the connection is closed ({error})");
        }

        return SendRestAsync(bytes[sent..]);
    }

    /// <summary>What the socket did not take at once, sent when it can take it; an abort ends the wait.</summary>
    private async ValueTask SendRestAsync(ReadOnlyMemory<byte> rest)
    {
        try
        {
            while (!rest.IsEmpty)
            {
                rest = rest[await _socket!.SendAsync(rest, SocketFlags.None)..];
            }
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            throw new IOException("the connection is closed", ex);
        }
    }

    /// <summary>Waits for a write to the pipe (made under the write lock, so that an abort can cancel it) and checks its end.</summary>
    private static async ValueTask EndWriteAsync(ValueTask<FlushResult> pending)
    {
        var result = await pending;
        if (result.IsCompleted || result.IsCanceled)
        {
            throw new IOException("the connection is closed");
        }
    }

    /// <summary>
    /// Kestrel's socket, made non-blocking for our synchronous sends: a send the socket cannot take
    /// returns at once and the rest goes asynchronously. Kestrel itself only reads it asynchronously.
    /// </summary>
    private static Socket? NonBlocking(Socket? socket)
    {
        if (socket is not null)
        {
            socket.Blocking = false;
        }

        return socket;
    }

    /// <summary>
    /// Closing a socket with unsent bytes queues its FIN behind them, which a peer that does not read
    /// never sees: its end is a reset instead.
    /// </summary>
    public void Reset()
    {
        try
        {
            _socket?.LingerState = new LingerOption(true, 0);
        }
        catch (Exception ex) when (ex is ObjectDisposedException or SocketException)
        {
            // Already gone.
        }
    }

    /// <summary>
    /// Ends the WebSocket at once: a pending receive ends, later writes throw, and a write that waits on
    /// a peer that does not read is cancelled with the connection.
    /// </summary>
    public override void Abort()
    {
        if (State != WebSocketState.Closed)
        {
            Volatile.Write(ref _state, (int)WebSocketState.Aborted);
        }

        _disposed = true;
        _input.CancelPendingRead();
        if (!_writeLock.Wait(0))
        {
            // Completing the pipes would not release the write: the connection goes, and the write with it.
            Reset();
            _output.CancelPendingFlush();
            _connection.Abort(new ConnectionAbortedException("the WebSocket was aborted during a write"));
        }
        else
        {
            _writeLock.Release();
        }
    }

    /// <summary>
    /// Once the connection's loops are done: what was written (the close frame) still goes out
    /// before the FIN, when no write is stuck.
    /// </summary>
    public override void Dispose()
    {
        if (Interlocked.Exchange(ref _ended, 1) != 0)
        {
            return;
        }

        _keepAlive?.Remove(this);
        Abort();
        if (_writeLock.Wait(0))
        {
            _input.Complete();
            _output.Complete();
            _writeLock.Release();
        }
    }
}
