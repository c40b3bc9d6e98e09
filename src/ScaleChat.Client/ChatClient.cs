using System.Diagnostics;
using ScaleChat.Client.Wire;
using ScaleChat.Protocol;

namespace ScaleChat.Client;

/// <summary>
/// A connection to a ScaleChat server speaking <c>scalechat.v1</c>: send to rooms and users, join
/// and leave, ask for history and members, and receive messages, presence events and errors.
/// </summary>
/// <remarks>
/// <para>
/// Incoming traffic is reported through events (<see cref="MessageReceived"/>,
/// <see cref="PresenceChanged"/>, <see cref="ErrorReceived"/>, <see cref="StateChanged"/>,
/// <see cref="RoomResumed"/>) raised one at a time, in the order the server sent them, on the
/// client's receive loop: keep handlers short and do not block in them. Events cost nothing when no
/// one listens, which is what lets one process hold tens of thousands of clients. For an
/// <see cref="IAsyncEnumerable{T}"/> of every event instead, use <see cref="Subscribe"/>.
/// </para>
/// <para>
/// Requests return tasks that complete with the server's answer or fail with
/// <see cref="ChatServerException"/> (the server's <c>error</c>) or
/// <see cref="ChatConnectionException"/> (no connection, no answer in time, or a send whose
/// connection was lost before its <c>ack</c>, which may or may not have been delivered).
/// </para>
/// <para>
/// When the connection is lost the client reconnects with exponential backoff and jitter, rejoins
/// its rooms and resumes each after the last <c>seq</c> it delivered: the application sees no
/// gap and no duplicate while the server's history still holds what was missed, and a
/// <see cref="RoomResumed"/> event with <c>Recovered = false</c> when it does not. Private
/// messages are not kept in history and are not recovered. Requests made while disconnected wait
/// for the reconnect (up to <see cref="ChatClientOptions.RequestTimeout"/> and
/// <see cref="ChatClientOptions.MaxQueuedWhileDisconnected"/>) and otherwise fail; none is dropped
/// silently.
/// </para>
/// </remarks>
public sealed partial class ChatClient : IAsyncDisposable
{
    private readonly ChatClientOptions _options;
    private readonly Lock _gate = new();
    private readonly RoomTracker _rooms = new();
    private readonly CancellationTokenSource _lifetime = new();
    private readonly ObjectHandler _onObject;
    private ConnectionState _state;
    private ChatEventStream[] _streams = [];
    private string? _user;
    private string? _session;
    private string? _node;
    private ProtocolLimits _limits = new();

    /// <summary>Creates a client; nothing happens on the network until <see cref="ConnectAsync"/>.</summary>
    /// <exception cref="ArgumentException">An option is invalid (a URL that is not ws:// or wss://, a bad name).</exception>
    public ChatClient(ChatClientOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
        _nameKey = options.NameKey;
        _token = options.Token;
        _onObject = OnObject;
    }

    /// <summary>A message arrived: live, replayed after a reconnect, or a private message.</summary>
    public event Action<ReceivedMessage>? MessageReceived;

    /// <summary>A user joined or left a room where this client asked for presence events.</summary>
    public event Action<PresenceChange>? PresenceChanged;

    /// <summary>The server reported an error that answers no request of this client.</summary>
    public event Action<ServerError>? ErrorReceived;

    /// <summary>The connection changed state (connected, reconnecting, closed).</summary>
    public event Action<ConnectionStateChanged>? StateChanged;

    /// <summary>After a reconnect, a room was resumed, with or without every missed message.</summary>
    public event Action<RoomResumed>? RoomResumed;

    /// <summary>The options the client was made with.</summary>
    public ChatClientOptions Options => _options;

    /// <summary>Where the connection stands.</summary>
    public ConnectionState State => _state;

    /// <summary>
    /// The name the server holds for this client, from the latest <c>welcome</c>: the one to compare
    /// a message's <c>From</c> with. In token mode it is the token's subject, whatever
    /// <see cref="ChatClientOptions.Name"/> says. Null before the first <c>welcome</c>.
    /// </summary>
    public string? User => _user;

    /// <summary>The server's id of the current session.</summary>
    public string? Session => _session;

    /// <summary>The server node of the current connection.</summary>
    public string? Node => _node;

    /// <summary>The limits the server announced (the protocol's defaults before the first <c>welcome</c>).</summary>
    public ProtocolLimits Limits => _limits;

    /// <summary>The rooms the client is in.</summary>
    public IReadOnlyList<string> Rooms
    {
        get
        {
            lock (_gate)
            {
                return _rooms.Names;
            }
        }
    }

    /// <summary>The last position delivered to the application in <paramref name="room"/>, or null when not in it.</summary>
    public RoomPosition? PositionOf(string room)
    {
        lock (_gate)
        {
            return _rooms.PositionOf(room);
        }
    }

    /// <summary>
    /// Collects every event from now on into a stream to read with <c>await foreach</c>.
    /// Subscribe before <see cref="ConnectAsync"/> to see everything.
    /// </summary>
    public ChatEventStream Subscribe()
    {
        var stream = new ChatEventStream(Unsubscribe);
        lock (_gate)
        {
            if (_state == ConnectionState.Closed)
            {
                stream.Complete();
            }
            else
            {
                _streams = [.. _streams, stream];
            }
        }

        return stream;
    }

    private void Unsubscribe(ChatEventStream stream)
    {
        lock (_gate)
        {
            _streams = Array.FindAll(_streams, s => s != stream);
        }
    }

    /// <summary>
    /// Opens the connection, sends <c>hello</c> and waits for <c>welcome</c>. Call once; later
    /// connections are made by the client itself.
    /// </summary>
    /// <exception cref="ChatConnectionException">The server could not be reached or did not welcome the client in time.</exception>
    /// <exception cref="ChatServerException">The server refused the <c>hello</c> (a bad name, an invalid token).</exception>
    public async Task ConnectAsync(CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_state == ConnectionState.Closed, this);
            if (_state != ConnectionState.Disconnected)
            {
                throw new InvalidOperationException("ConnectAsync was already called");
            }

            _state = ConnectionState.Connecting;
        }

        try
        {
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _lifetime.Token);
            await OpenAsync(linked.Token).ConfigureAwait(false);
        }
        catch
        {
            lock (_gate)
            {
                if (_state == ConnectionState.Connecting)
                {
                    _state = ConnectionState.Disconnected;
                }
            }

            throw;
        }
    }

    /// <summary>Closes the connection politely and fails every request still waiting.</summary>
    public async ValueTask DisposeAsync()
    {
        WebSocketConnection? connection;
        List<PendingRequest> abandoned;
        ChatEventStream[] streams;
        lock (_gate)
        {
            if (_state == ConnectionState.Closed && _lifetime.IsCancellationRequested)
            {
                return;
            }

            _state = ConnectionState.Closed;
            connection = _connection;
            _connection = null;
            abandoned = TakeAllRequests();
            streams = _streams;
        }

        await _lifetime.CancelAsync().ConfigureAwait(false);
        if (connection is not null)
        {
            await connection.CloseAsync(TimeSpan.FromSeconds(1)).ConfigureAwait(false);
        }

        var disposed = new ChatConnectionException("the client was disposed");
        foreach (var request in abandoned)
        {
            request.TrySetException(disposed);
        }

        _handshake?.TrySetException(disposed);
        Raise(new ConnectionStateChanged { State = ConnectionState.Closed });
        foreach (var stream in streams)
        {
            stream.Complete();
        }

    }

    /// <summary>Hands an event to its handlers and to every stream; a throwing handler cannot break the client.</summary>
    private void Raise(ChatEvent chatEvent)
    {
        try
        {
            switch (chatEvent)
            {
                case ReceivedMessage m: MessageReceived?.Invoke(m); break;
                case PresenceChange p: PresenceChanged?.Invoke(p); break;
                case ServerError e: ErrorReceived?.Invoke(e); break;
                case ConnectionStateChanged s: StateChanged?.Invoke(s); break;
                case RoomResumed r: RoomResumed?.Invoke(r); break;
            }
        }
        catch (Exception ex)
        {
            Trace.TraceError($"ScaleChat client: an event handler threw: {ex}");
        }

        foreach (var stream in Volatile.Read(ref _streams))
        {
            stream.Write(chatEvent);
        }
    }
}
