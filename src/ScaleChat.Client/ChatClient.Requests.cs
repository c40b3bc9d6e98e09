using System.Diagnostics;
using System.Text;
using ScaleChat.Client.Wire;
using ScaleChat.Protocol;

namespace ScaleChat.Client;

/// <summary>Requests and how their answers find them.</summary>
public sealed partial class ChatClient
{
    // Sends and pings are answered with their ref; joined/left/history/presence are matched by
    // kind and room, oldest first, as the server answers a connection's objects in order.
    private readonly Dictionary<long, PendingRequest> _inFlight = [];
    private readonly List<PendingRequest> _roomRequests = [];
    private readonly Queue<PendingRequest> _waiting = new();
    private long _lastRef;

    /// <summary>Sends <paramref name="text"/> to <paramref name="room"/>, which the client must be in.</summary>
    /// <returns>The server's acknowledgement: the message's id and its seq in the room.</returns>
    /// <exception cref="ArgumentException">A bad room name, or text longer than the server accepts.</exception>
    /// <exception cref="ChatServerException">The server refused it (<c>not_joined</c>, <c>rate_limited</c>, …).</exception>
    /// <exception cref="ChatConnectionException">It could not be sent, or the connection was lost before the ack.</exception>
    public async Task<SendResult> SendAsync(string room, string text, CancellationToken cancellationToken = default)
    {
        CheckName(room, nameof(room));
        CheckText(text);
        var @ref = NextRef();
        return (SendResult)(await RunAsync(new PendingRequest(RequestKind.Send, room, @ref, ClientFrames.Send(room, null, text, @ref)), cancellationToken).ConfigureAwait(false))!;
    }

    /// <summary>Sends a private message to every connection of <paramref name="user"/> (and of this client's user).</summary>
    /// <returns>The server's acknowledgement (a private message has no seq).</returns>
    /// <exception cref="ChatServerException">Among others <c>no_such_user</c> when the user is not connected anywhere.</exception>
    public async Task<SendResult> SendToUserAsync(string user, string text, CancellationToken cancellationToken = default)
    {
        CheckName(user, nameof(user));
        CheckText(text);
        var @ref = NextRef();
        return (SendResult)(await RunAsync(new PendingRequest(RequestKind.Send, null, @ref, ClientFrames.Send(null, user, text, @ref)), cancellationToken).ConfigureAwait(false))!;
    }

    /// <summary>
    /// Joins <paramref name="room"/> (with presence events when <see cref="ChatClientOptions.Presence"/>);
    /// its messages are delivered from the room's current position on.
    /// </summary>
    /// <returns>The room's position when joined.</returns>
    public async Task<RoomPosition> JoinAsync(string room, CancellationToken cancellationToken = default)
    {
        CheckName(room, nameof(room));
        var @ref = NextRef();
        var frame = ClientFrames.Join(room, after: null, _options.Presence, @ref);
        return (RoomPosition)(await RunAsync(new PendingRequest(RequestKind.Join, room, @ref, frame), cancellationToken).ConfigureAwait(false))!;
    }

    /// <summary>Leaves <paramref name="room"/>; it is no longer resumed after a reconnect.</summary>
    public async Task LeaveAsync(string room, CancellationToken cancellationToken = default)
    {
        CheckName(room, nameof(room));
        var @ref = NextRef();
        await RunAsync(new PendingRequest(RequestKind.Leave, room, @ref, ClientFrames.Leave(room, @ref)), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Asks for the newest <paramref name="limit"/> messages of a room before seq <paramref name="before"/> (0: the newest overall).</summary>
    /// <returns>The messages, oldest first.</returns>
    public async Task<IReadOnlyList<ReceivedMessage>> HistoryAsync(string room, long before = 0, int limit = 50, CancellationToken cancellationToken = default)
    {
        CheckName(room, nameof(room));
        ArgumentOutOfRangeException.ThrowIfNegative(before);
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        var @ref = NextRef();
        var frame = ClientFrames.History(room, before, limit, @ref);
        return (IReadOnlyList<ReceivedMessage>)(await RunAsync(new PendingRequest(RequestKind.History, room, @ref, frame), cancellationToken).ConfigureAwait(false))!;
    }

    /// <summary>Asks who is in a room.</summary>
    /// <returns>The user names of its members.</returns>
    public async Task<IReadOnlyList<string>> WhoAsync(string room, CancellationToken cancellationToken = default)
    {
        CheckName(room, nameof(room));
        var @ref = NextRef();
        return (IReadOnlyList<string>)(await RunAsync(new PendingRequest(RequestKind.Who, room, @ref, ClientFrames.Who(room, @ref)), cancellationToken).ConfigureAwait(false))!;
    }

    /// <summary>Sends a <c>ping</c> and measures the round trip to its <c>pong</c>.</summary>
    public async Task<TimeSpan> PingAsync(CancellationToken cancellationToken = default)
    {
        var @ref = NextRef();
        return (TimeSpan)(await RunAsync(new PendingRequest(RequestKind.Ping, null, @ref, ClientFrames.Ping(@ref)), cancellationToken).ConfigureAwait(false))!;
    }

    private long NextRef() => Interlocked.Increment(ref _lastRef);

    private static void CheckName(string name, string parameter)
    {
        if (!Names.IsValid(name))
        {
            throw new ArgumentException($"'{name}' is not a valid name: use 1-64 ASCII letters, digits, '-', '_' or '.'", parameter);
        }
    }

    private void CheckText(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var max = _limits.MaxMessageBytes;
        if (text.Length > max / 3 && Encoding.UTF8.GetByteCount(text) > max)
        {
            throw new ArgumentException($"the text is longer than the server's limit of {max} bytes", nameof(text));
        }
    }

    /// <summary>Writes a request, or queues it until the next connection, and waits for its answer.</summary>
    private async Task<object?> RunAsync(PendingRequest request, CancellationToken cancellationToken)
    {
        Submit(request);
        if (_options.RequestTimeout == Timeout.InfiniteTimeSpan && !cancellationToken.CanBeCanceled)
        {
            return await request.Task.ConfigureAwait(false);
        }

        try
        {
            return await request.Task.WaitAsync(_options.RequestTimeout, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is TimeoutException or OperationCanceledException && !request.Task.IsCompleted)
        {
            Forget(request);
            var waited = ex is TimeoutException
                ? new ChatConnectionException($"no answer from the server within {_options.RequestTimeout.TotalSeconds:0.#} s ({_state})", ex)
                : ex;
            request.TrySetException(waited);
            return await request.Task.ConfigureAwait(false);
        }
    }

    private void Submit(PendingRequest request)
    {
        lock (_gate)
        {
            switch (_state)
            {
                case ConnectionState.Connected when _connection is not null:
                    Write(_connection, request);
                    return;
                case ConnectionState.Disconnected:
                    throw new InvalidOperationException("call ConnectAsync first");
                case ConnectionState.Closed:
                    throw new ChatConnectionException("the client is closed");
            }

            if (_waiting.Count >= _options.MaxQueuedWhileDisconnected)
            {
                throw new ChatConnectionException($"not connected, and {_waiting.Count} requests are already waiting for the reconnect");
            }

            _waiting.Enqueue(request);
        }
    }

    /// <summary>Registers a request for its answer and writes it. Called under the lock, so registration order is write order.</summary>
    private void Write(WebSocketConnection connection, PendingRequest request)
    {
        if (request.MatchedByRoom)
        {
            _roomRequests.Add(request);
        }
        else
        {
            _inFlight[request.Ref] = request;
        }

        request.StartedTimestamp = Stopwatch.GetTimestamp();
        connection.Enqueue(request.Frame);
    }

    private void Forget(PendingRequest request)
    {
        lock (_gate)
        {
            if (!_inFlight.Remove(request.Ref))
            {
                _roomRequests.Remove(request);
            }
        }
    }

    /// <summary>Takes the oldest request of <paramref name="kind"/> for <paramref name="room"/>; called under the lock.</summary>
    private PendingRequest? TakeRoomRequest(RequestKind kind, string room)
    {
        var index = _roomRequests.FindIndex(r => r.Kind == kind && r.Room == room);
        if (index < 0)
        {
            return null;
        }

        var request = _roomRequests[index];
        _roomRequests.RemoveAt(index);
        return request;
    }

    /// <summary>Takes the request <paramref name="ref"/> answers, whatever its kind; called under the lock.</summary>
    private PendingRequest? TakeByRef(long @ref)
    {
        if (_inFlight.Remove(@ref, out var request))
        {
            return request;
        }

        var index = _roomRequests.FindIndex(r => r.Ref == @ref);
        if (index < 0)
        {
            return null;
        }

        request = _roomRequests[index];
        _roomRequests.RemoveAt(index);
        return request;
    }

    /// <summary>Takes every request, in flight or waiting, to fail them; called under the lock.</summary>
    private List<PendingRequest> TakeAllRequests()
    {
        var all = _inFlight.Values.Concat(_roomRequests).Concat(_waiting).ToList();
        _inFlight.Clear();
        _roomRequests.Clear();
        _waiting.Clear();
        return all;
    }
}
