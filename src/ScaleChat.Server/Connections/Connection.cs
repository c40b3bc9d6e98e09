using System.Net.WebSockets;
using Microsoft.Extensions.Logging;
using ScaleChat.Protocol;
using ScaleChat.Server.Identity;
using ScaleChat.Server.Metrics;

namespace ScaleChat.Server.Connections;

/// <summary>
/// One WebSocket client: a read loop that turns frames into commands for the hub
/// (<see cref="RunAsync"/> and <c>Connection.Read.cs</c>) and a writer that drains the bounded send
/// queue when it wakes it (<c>Connection.Write.cs</c>). Everything else reaches the client only through
/// <see cref="TryEnqueue"/>, which never waits.
/// </summary>
internal sealed partial class Connection
{
    private static long _lastId;

    private readonly WebSocket _socket;
    private readonly IConnectionHandler _handler;
    private readonly ChatMetrics _metrics;
    private readonly ChatServerOptions _options;
    private readonly ILogger _logger;
    private readonly SendQueue _queue;
    private readonly ILeanTransport? _sink;
    private readonly TimeProvider _time;
    private Memberships _rooms;
    private TokenBucket _bucket;
    private Traffic _traffic;
    private int _closeCode;
    private string _closeReason = "";
    private CancellationTokenSource? _closeDeadline;
    private CancellationTokenSource? _handshakeTimer;

    public Connection(WebSocket socket, bool legacy, IConnectionHandler handler, ChatMetrics metrics, ChatServerOptions options, TimeProvider time, ILogger logger,
        SendLoop? sendLoop = null, ILeanTransport? sink = null)
    {
        _socket = socket;
        _handler = handler;
        _metrics = metrics;
        _options = options;
        _logger = logger;
        _sink = sink;
        _time = time;
        IsLegacy = legacy;
        Id = Interlocked.Increment(ref _lastId);
        _queue = new SendQueue(options.SendQueueBytes, this, sendLoop);
        _bucket = new TokenBucket(options.Limits.MessagesPerSecond, options.Limits.Burst, time);
    }

    /// <summary>Node-unique id; messages name it as their origin.</summary>
    public long Id { get; }

    /// <summary>Whether this client speaks the legacy scale-chat format.</summary>
    public bool IsLegacy { get; }

    /// <summary>The name bound at <c>hello</c>; null before the handshake and for legacy clients.</summary>
    public string? User { get; private set; }

    /// <summary>The opaque session id given in <c>welcome</c>.</summary>
    public string Session => field ??= Guid.NewGuid().ToString("N")[..16];

    /// <summary>The room a legacy connection is in (its URL's).</summary>
    public string? LegacyRoom { get; internal set; }

    /// <summary>The close code sent or received, 0 while open.</summary>
    public int CloseCode => Volatile.Read(ref _closeCode);

    /// <summary>Whether a close was requested (by either side); nothing more is queued then.</summary>
    public bool IsClosing => Volatile.Read(ref _closeCode) != 0;

    /// <summary>When the frame being handled was read (a Stopwatch timestamp), for the delivery latency.</summary>
    public long ReceivedTimestamp { get; private set; }

    /// <summary>Frames and bytes this connection received and sent so far (read by the metrics).</summary>
    public Traffic Traffic => _traffic;

    /// <summary>Bytes waiting in the send queue.</summary>
    public long QueuedBytes => _queue.Bytes;

    /// <summary>
    /// Queues a frame for this client; never waits. A full queue means the client does not read fast
    /// enough: it is closed with 4008 and the frame is dropped for it alone.
    /// </summary>
    public bool TryEnqueue(byte[] frame)
    {
        switch (_queue.TryEnqueue(frame))
        {
            case SendQueue.Result.Queued:
                return true;
            case SendQueue.Result.Full:
                CloseAsSlowConsumer();
                return false;
            default:
                return false;
        }
    }

    /// <summary>More is waiting for this client than its send budget: closed with 4008, counted.</summary>
    public void CloseAsSlowConsumer()
    {
        if (!IsClosing)
        {
            _metrics.SlowConsumer();
        }

        Close(CloseCodes.SlowConsumer, "slow consumer: send queue overflowed", discardQueued: true);
    }

    /// <summary>The most bytes this connection may have waiting to be sent.</summary>
    public int SendBudget => _options.SendQueueBytes;

    /// <summary>
    /// Starts closing: nothing more is queued, what is queued is sent first (unless
    /// <paramref name="discardQueued"/>), then the close frame. The first close wins; a client that
    /// does not finish the handshake in time is aborted.
    /// </summary>
    public void Close(int code, string reason, bool discardQueued = false)
    {
        if (Interlocked.CompareExchange(ref _closeCode, code, 0) != 0)
        {
            return;
        }

        _closeReason = reason;
        _queue.Complete(discardQueued);
        var deadline = new CancellationTokenSource(_options.CloseTimeout, _time);
        deadline.Token.UnsafeRegister(static state => ((Connection)state!).AbortLateClose(), this);
        _closeDeadline = deadline;
    }

    /// <summary>The close did not finish within the close timeout: the peer is reset and the socket aborted.</summary>
    private void AbortLateClose()
    {
        _sink?.Reset();
        _socket.Abort();
    }

    /// <summary>The rooms this connection is in (changed only by its own commands and its disconnect).</summary>
    internal ref Memberships Rooms => ref _rooms;

    /// <summary>
    /// Runs the connection until it is closed; the hub forgets it afterwards. The read loop is here
    /// and not a method of its own: an idle connection waits in it, and one state machine is smaller
    /// than two.
    /// </summary>
    public async Task RunAsync(string? urlRoom)
    {
        Log.Opened(_logger, Id, IsLegacy ? "legacy" : "v1", urlRoom);
        try
        {
            if (IsLegacy)
            {
                await _handler.JoinLegacyAsync(this, urlRoom ?? ProtocolConstants.GlobalRoom);
            }

            _handshakeTimer = IsLegacy ? null : StartHandshakeTimer();
            // Runs until the client's close frame arrives: after the server asks to close, what the client
            // still sends is read and ignored, so the close handshake completes instead of a reset.
            while (true)
            {
                // A zero-byte read waits for data without holding a buffer: idle connections stay small.
                // The lean path waits on the transport itself first, so not even a receive is pending.
                while (_sink is not null && !_sink.EndWait(await _sink.WaitForInputAsync()))
                {
                }

                var first = await _socket.ReceiveAsync(Memory<byte>.Empty, CancellationToken.None);
                if (first.MessageType == WebSocketMessageType.Close)
                {
                    OnPeerClosed();
                    break;
                }

                if (!await ReadMessageAsync(first, urlRoom))
                {
                    break;
                }
            }
        }
        catch (WebSocketException ex) when (ex.WebSocketErrorCode == WebSocketError.Faulted)
        {
            // The WebSocket refused a frame that breaks its rules and sent its own close (1002, or 1007
            // for invalid UTF-8). Record that code, then give the client's close reply a moment to land.
            var (code, reason) = (ProtocolViolation.CloseCodeOf(ex), ProtocolViolation.ReasonOf(ex));
            Log.Violation(_logger, Id, code, reason);
            Close(code, reason, discardQueued: true);
            await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(500, _options.CloseTimeout.TotalMilliseconds)), _time);
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or IOException)
        {
            // The peer went away or the connection was aborted: 1006, as no close frame was exchanged.
            Close(CloseCodes.Abnormal, "connection lost", discardQueued: true);
        }
        catch (Exception ex)
        {
            Log.ConnectionFailed(_logger, Id, ex);
            Close(CloseCodes.InternalError, "internal error", discardQueued: true);
        }
        finally
        {
            // Whatever ended the read loop, the writer must end too: the queue is completed (a no-op when
            // a close already did) and the close deadline aborts a socket that will not take the rest.
            Close(CloseCodes.Normal, "", discardQueued: true);
            _queue.Complete(discard: true);
            await WriterEndAsync();
            await _handler.DisconnectAsync(this);
            _closeDeadline?.Dispose();
            _socket.Abort();
            Log.Closed(_logger, Id, User, _closeCode, _closeReason);
        }
    }

    /// <summary>The identity of a token that came with the upgrade (token mode), until <c>hello</c>.</summary>
    public TokenIdentity? UpgradeIdentity { get; set; }

    /// <summary>Open mode: the key of the name's hold, given in <c>welcome</c>.</summary>
    public string? NameKey { get; private set; }

    /// <summary>Token mode: when the connection's token expires (Unix seconds); 0 in open mode.</summary>
    public long TokenExpires { get; private set; }

    /// <summary>The rooms this connection may use (token mode's <c>rooms</c> claim; every room otherwise).</summary>
    public RoomPermissions Permissions { get; private set; } = RoomPermissions.All;

    /// <summary>Binds the connection to its verified name (at <c>hello</c>), with its hold's key in open mode.</summary>
    internal void BindUser(string user, string? nameKey)
    {
        User = user;
        NameKey = nameKey;
        UpgradeIdentity = null;
        _handshakeTimer?.Dispose();
        _handshakeTimer = null;
    }

    /// <summary>Takes a valid token's expiry and rooms (at <c>hello</c> and each <c>auth</c>).</summary>
    internal void Authorize(TokenIdentity identity)
    {
        TokenExpires = identity.Expires.ToUnixTimeSeconds();
        Permissions = identity.Rooms;
    }
}
