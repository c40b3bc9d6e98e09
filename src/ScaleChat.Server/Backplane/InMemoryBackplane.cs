using ScaleChat.Backplane;
using ScaleChat.Protocol;

namespace ScaleChat.Server.Backplane;

/// <summary>
/// The in-process backplane: streams, history and presence live in this process, in an
/// <see cref="InMemoryBackplaneStore"/>. The single-node default has a store of its own; backplanes
/// that share one are the nodes of one cluster. A restart loses history, so every room starts a new
/// epoch. History is kept within a byte budget across all rooms (the least recently active rooms
/// lose theirs first), and a room with no subscriber, no presence and no history is forgotten, so
/// that no pattern of joins and leaves makes memory grow.
/// </summary>
public sealed class InMemoryBackplane : IBackplane, IRoomStreams, IPresence, IUserRouting
{
    private readonly InMemoryBackplaneStore _store;
    private IBackplaneHandler? _handler;
    private string _nodeId = "";

    /// <summary>A single node, with a store of its own.</summary>
    public InMemoryBackplane(int historySize, long historyBudgetBytes = long.MaxValue)
        : this(new InMemoryBackplaneStore(historySize, historyBudgetBytes))
    {
    }

    /// <summary>A node of the cluster that shares <paramref name="store"/>.</summary>
    public InMemoryBackplane(InMemoryBackplaneStore store)
    {
        ArgumentNullException.ThrowIfNull(store);
        _store = store;
        Alone = [this];
    }

    /// <summary>
    /// This node as the only one a user is on: one array shared by every user and room, since a
    /// single node is the usual case and the arrays are never changed in place.
    /// </summary>
    internal InMemoryBackplane[] Alone { get; }

    /// <inheritdoc />
    public bool IsReady => _handler is not null;

    /// <inheritdoc />
    public HistoryFigures History => new(_store.HistoryMessages, _store.HistoryBytes);

    /// <summary>Messages held in every room's history (a moment's snapshot).</summary>
    public long HistoryMessages => _store.HistoryMessages;

    /// <summary>Rooms the store holds anything for (subscriptions, presence or history).</summary>
    public int RoomCount => _store.RoomCount;

    /// <inheritdoc />
    public Task StartAsync(BackplaneNode node, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(node);
        _nodeId = node.NodeId;
        _handler = node.Handler;
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public ValueTask SubscribeRoomAsync(string room)
    {
        while (true)
        {
            var stream = _store.Stream(room);
            lock (stream)
            {
                if (stream.Removed)
                {
                    continue;
                }

                stream.Subscribers[this] = stream.Subscribers.GetValueOrDefault(this) + 1;
                return ValueTask.CompletedTask;
            }
        }
    }

    /// <inheritdoc />
    public ValueTask UnsubscribeRoomAsync(string room)
    {
        if (_store.Rooms.TryGetValue(room, out var stream))
        {
            lock (stream)
            {
                if (stream.Subscribers.TryGetValue(this, out var count) && count > 1)
                {
                    stream.Subscribers[this] = count - 1;
                }
                else
                {
                    stream.Subscribers.Remove(this);
                }

                _store.ForgetIfIdle(room, stream);
            }
        }

        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public ValueTask<Envelope> PublishAsync(Envelope envelope)
    {
        ArgumentNullException.ThrowIfNull(envelope);
        var room = envelope.Message.Room ?? throw new ArgumentException("a room message needs a room", nameof(envelope));
        while (true)
        {
            var stream = _store.Stream(room);
            lock (stream)
            {
                if (stream.Removed)
                {
                    continue;
                }

                // Deliver under the lock: that is what keeps every member's copy in seq order, on every node.
                envelope = envelope.WithSeq(stream.History.LastSeq + 1);
                _store.HistoryGrew(stream.History.Add(envelope.Message));
                stream.LastActive = Environment.TickCount64;
                foreach (var node in stream.Subscribers.Keys)
                {
                    node._handler?.OnRoomMessage(envelope);
                }

                break;
            }
        }

        if (_store.OverBudget)
        {
            _store.Evict();
        }

        return ValueTask.FromResult(envelope);
    }

    /// <inheritdoc />
    public ValueTask<RoomPosition> GetPositionAsync(string room)
    {
        while (true)
        {
            var stream = _store.Stream(room);
            lock (stream)
            {
                if (!stream.Removed)
                {
                    return ValueTask.FromResult(new RoomPosition(stream.History.LastSeq, stream.Epoch));
                }
            }
        }
    }

    /// <inheritdoc />
    public ValueTask<RecoveredMessages?> RecoverAsync(string room, long afterSeq, string epoch)
    {
        if (!_store.Rooms.TryGetValue(room, out var stream))
        {
            return ValueTask.FromResult<RecoveredMessages?>(null);
        }

        lock (stream)
        {
            var messages = epoch == stream.Epoch && !stream.Removed ? stream.History.TryGetAfter(afterSeq) : null;
            return ValueTask.FromResult(messages is null
                ? null
                : new RecoveredMessages(messages, new RoomPosition(stream.History.LastSeq, stream.Epoch)));
        }
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<ChatMessage>> GetHistoryAsync(string room, long beforeSeq, int limit)
    {
        if (!_store.Rooms.TryGetValue(room, out var stream))
        {
            return ValueTask.FromResult<IReadOnlyList<ChatMessage>>([]);
        }

        lock (stream)
        {
            return ValueTask.FromResult<IReadOnlyList<ChatMessage>>(stream.History.GetBefore(beforeSeq, limit));
        }
    }

    /// <inheritdoc />
    public ValueTask AddUserAsync(string user)
    {
        _store.SetUserNode(user, this, online: true);
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public ValueTask RemoveUserAsync(string user)
    {
        _store.SetUserNode(user, this, online: false);
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public ValueTask<bool> IsUserOnlineAsync(string user) => ValueTask.FromResult(_store.Users.ContainsKey(user));

    /// <inheritdoc />
    public ValueTask PublishPrivateAsync(Envelope envelope)
    {
        ArgumentNullException.ThrowIfNull(envelope);
        var message = envelope.Message;
        ArgumentNullException.ThrowIfNull(message.To);

        // To the addressee's nodes and the sender's, each once.
        var to = _store.Users.GetValueOrDefault(message.To, []);
        foreach (var node in to)
        {
            node._handler?.OnPrivateMessage(envelope);
        }

        foreach (var node in _store.Users.GetValueOrDefault(message.From, []))
        {
            if (Array.IndexOf(to, node) < 0)
            {
                node._handler?.OnPrivateMessage(envelope);
            }
        }

        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public ValueTask AddPresenceAsync(string room, string user, long connectionId)
    {
        while (true)
        {
            var stream = _store.Stream(room);
            lock (stream)
            {
                if (stream.Removed)
                {
                    continue;
                }

                // An array per user, not a list: one node is the usual case, and there is one per user in every room.
                var nodes = stream.Present.GetValueOrDefault(user, []);
                if (Array.IndexOf(nodes, this) < 0)
                {
                    stream.Present[user] = nodes.Length == 0 ? Alone : [.. nodes, this];
                    if (nodes.Length == 0)
                    {
                        // The user's first node in the cluster: a join, to every subscribed node.
                        DeliverPresence(stream, room, user, joined: true, connectionId);
                    }
                }

                return ValueTask.CompletedTask;
            }
        }
    }

    /// <inheritdoc />
    public ValueTask RemovePresenceAsync(string room, string user, long connectionId)
    {
        if (!_store.Rooms.TryGetValue(room, out var stream))
        {
            return ValueTask.CompletedTask;
        }

        lock (stream)
        {
            if (stream.Present.TryGetValue(user, out var nodes) && Array.IndexOf(nodes, this) is var index and >= 0)
            {
                if (nodes.Length > 1)
                {
                    stream.Present[user] = [.. nodes.AsSpan(0, index), .. nodes.AsSpan(index + 1)];
                }
                else
                {
                    // The user's last node: a leave, before the room may be forgotten.
                    stream.Present.Remove(user);
                    DeliverPresence(stream, room, user, joined: false, connectionId);
                }
            }

            _store.ForgetIfIdle(room, stream);
        }

        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyCollection<string>> GetMembersAsync(string room)
    {
        if (!_store.Rooms.TryGetValue(room, out var stream))
        {
            return ValueTask.FromResult<IReadOnlyCollection<string>>([]);
        }

        lock (stream)
        {
            return ValueTask.FromResult<IReadOnlyCollection<string>>([.. stream.Present.Keys]);
        }
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    /// <summary>Tells every node subscribed to the room (under the stream's lock, in order with its messages).</summary>
    private void DeliverPresence(InMemoryBackplaneStore.RoomStream stream, string room, string user, bool joined, long connectionId)
    {
        foreach (var node in stream.Subscribers.Keys)
        {
            node._handler?.OnPresence(room, user, joined, _nodeId, connectionId);
        }
    }
}
