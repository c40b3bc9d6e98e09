using System.Collections.Concurrent;
using ScaleChat.Backplane;
using ScaleChat.Protocol;

namespace ScaleChat.Server.Backplane;

/// <summary>
/// The single-node backplane: streams, history and presence live in this process. A restart
/// loses history, so every room starts a new epoch. History is kept within a byte budget across
/// all rooms (the least recently active rooms lose theirs first), and a room with no members and
/// no history is forgotten, so that no pattern of joins and leaves makes memory grow.
/// </summary>
public sealed class InMemoryBackplane(int historySize, long historyBudgetBytes = long.MaxValue) : IBackplane, IRoomStreams, IPresence, IUserRouting
{
    // A budget of nothing keeps no history at all, rather than evicting after every message.
    private readonly int _historySize = historyBudgetBytes == 0 ? 0 : historySize;
    private readonly ConcurrentDictionary<string, RoomStream> _rooms = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, byte> _users = new(StringComparer.Ordinal);
    private readonly Lock _evicting = new();
    private long _historyBytes;
    private IBackplaneHandler? _handler;
    private string _nodeId = "";

    /// <inheritdoc />
    public bool IsReady => _handler is not null;

    /// <inheritdoc />
    public HistoryFigures History => new(HistoryMessages, Volatile.Read(ref _historyBytes));

    /// <summary>Messages held in every room's history (a moment's snapshot).</summary>
    public long HistoryMessages
    {
        get
        {
            long total = 0;
            foreach (var stream in _rooms.Values)
            {
                lock (stream)
                {
                    total += stream.History.Count;
                }
            }

            return total;
        }
    }

    /// <summary>Rooms this backplane holds anything for (members, presence or history).</summary>
    public int RoomCount => _rooms.Count;

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
            var stream = Stream(room);
            lock (stream)
            {
                if (stream.Removed)
                {
                    continue;
                }

                stream.Subscribers++;
                return ValueTask.CompletedTask;
            }
        }
    }

    /// <inheritdoc />
    public ValueTask UnsubscribeRoomAsync(string room)
    {
        if (_rooms.TryGetValue(room, out var stream))
        {
            lock (stream)
            {
                stream.Subscribers = Math.Max(0, stream.Subscribers - 1);
                ForgetIfIdle(room, stream);
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
            var stream = Stream(room);
            lock (stream)
            {
                if (stream.Removed)
                {
                    continue;
                }

                // Deliver under the lock: that is what keeps every member's copy in seq order.
                envelope = envelope.WithSeq(stream.History.LastSeq + 1);
                Interlocked.Add(ref _historyBytes, stream.History.Add(envelope.Message));
                stream.LastActive = Environment.TickCount64;
                _handler?.OnRoomMessage(envelope);
                break;
            }
        }

        if (Volatile.Read(ref _historyBytes) > historyBudgetBytes)
        {
            Evict();
        }

        return ValueTask.FromResult(envelope);
    }

    /// <inheritdoc />
    public ValueTask<RoomPosition> GetPositionAsync(string room)
    {
        while (true)
        {
            var stream = Stream(room);
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
        if (!_rooms.TryGetValue(room, out var stream))
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
        if (!_rooms.TryGetValue(room, out var stream))
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
        _users.TryAdd(user, 0);
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public ValueTask RemoveUserAsync(string user)
    {
        _users.TryRemove(user, out _);
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public ValueTask<bool> IsUserOnlineAsync(string user) => ValueTask.FromResult(_users.ContainsKey(user));

    /// <inheritdoc />
    public ValueTask PublishPrivateAsync(Envelope envelope)
    {
        _handler?.OnPrivateMessage(envelope);
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public ValueTask AddPresenceAsync(string room, string user, long connectionId)
    {
        bool added;
        while (true)
        {
            var stream = Stream(room);
            lock (stream)
            {
                if (stream.Removed)
                {
                    continue;
                }

                added = stream.Present.Add(user);
                break;
            }
        }

        if (added)
        {
            _handler?.OnPresence(room, user, joined: true, _nodeId, connectionId);
        }

        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public ValueTask RemovePresenceAsync(string room, string user, long connectionId)
    {
        if (!_rooms.TryGetValue(room, out var stream))
        {
            return ValueTask.CompletedTask;
        }

        bool removed;
        lock (stream)
        {
            removed = stream.Present.Remove(user);
            ForgetIfIdle(room, stream);
        }

        if (removed)
        {
            _handler?.OnPresence(room, user, joined: false, _nodeId, connectionId);
        }

        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyCollection<string>> GetMembersAsync(string room)
    {
        if (!_rooms.TryGetValue(room, out var stream))
        {
            return ValueTask.FromResult<IReadOnlyCollection<string>>([]);
        }

        lock (stream)
        {
            return ValueTask.FromResult<IReadOnlyCollection<string>>([.. stream.Present]);
        }
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private RoomStream Stream(string room) =>
        _rooms.GetOrAdd(room, static (_, size) => new RoomStream(size), _historySize);

    /// <summary>Forgets a room that holds nothing any more (under the stream's lock); its next use starts a new epoch.</summary>
    private void ForgetIfIdle(string room, RoomStream stream)
    {
        if (stream.Subscribers == 0 && stream.Present.Count == 0 && stream.History.Count == 0 && !stream.Removed)
        {
            stream.Removed = true;
            _rooms.TryRemove(KeyValuePair.Create(room, stream));
        }
    }

    /// <summary>
    /// Brings history back under nine tenths of the budget, taking it from the least recently active
    /// rooms first. One thread evicts at a time; the others carry on (the budget is briefly exceeded
    /// by at most what they publish meanwhile).
    /// </summary>
    private void Evict()
    {
        if (!_evicting.TryEnter())
        {
            return;
        }

        try
        {
            var target = historyBudgetBytes - (historyBudgetBytes / 10);
            var rooms = _rooms.ToArray();
            var lastActive = Array.ConvertAll(rooms, static r => r.Value.LastActive); // fixed keys: publishers move on meanwhile
            Array.Sort(lastActive, rooms);
            foreach (var (room, stream) in rooms)
            {
                var excess = Volatile.Read(ref _historyBytes) - target;
                if (excess <= 0)
                {
                    break;
                }

                lock (stream)
                {
                    Interlocked.Add(ref _historyBytes, -stream.History.TrimOldest(excess));
                    ForgetIfIdle(room, stream);
                }
            }
        }
        finally
        {
            _evicting.Exit();
        }
    }

    private sealed class RoomStream(int historySize)
    {
        public RoomHistory History { get; } = new(historySize);

        // A fresh epoch per stream: in-memory history does not survive a restart, nor a room forgotten.
        public string Epoch { get; } = Guid.NewGuid().ToString("N")[..12];

        /// <summary>The users present in the room (presence).</summary>
        public HashSet<string> Present { get; } = new(StringComparer.Ordinal);

        /// <summary>Local members' subscriptions: the hub subscribes at a room's first member and unsubscribes at its last.</summary>
        public int Subscribers { get; set; }

        /// <summary>When a message was last published (milliseconds since start-up), for eviction.</summary>
        public long LastActive { get; set; } = Environment.TickCount64;

        /// <summary>Forgotten: whoever holds this instance must look the room up again.</summary>
        public bool Removed { get; set; }
    }
}
