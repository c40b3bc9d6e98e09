using System.Collections.Concurrent;
using ScaleChat.Protocol;

namespace ScaleChat.Server.Backplane;

/// <summary>
/// The single-node backplane: streams, history and presence live in this process. A restart
/// loses history, so every room starts a new epoch.
/// </summary>
public sealed class InMemoryBackplane(string nodeId, int historySize) : IBackplane, IHistorySize
{
    private readonly ConcurrentDictionary<string, RoomStream> _rooms = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, byte> _users = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, HashSet<string>> _presence = new(StringComparer.Ordinal);
    private IBackplaneHandler? _handler;

    /// <inheritdoc />
    public bool IsReady => _handler is not null;

    /// <inheritdoc />
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

    /// <inheritdoc />
    public Task StartAsync(IBackplaneHandler handler, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(handler);
        _handler = handler;
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public ValueTask SubscribeRoomAsync(string room) => ValueTask.CompletedTask;

    /// <inheritdoc />
    public ValueTask UnsubscribeRoomAsync(string room) => ValueTask.CompletedTask;

    /// <inheritdoc />
    public ValueTask<ChatMessage> PublishAsync(ChatMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(message.Room);
        var stream = Stream(message.Room);
        lock (stream)
        {
            // Deliver under the lock: that is what keeps every member's copy in seq order.
            message = message with { Seq = stream.History.LastSeq + 1 };
            stream.History.Add(message);
            _handler?.OnRoomMessage(message);
        }

        return ValueTask.FromResult(message);
    }

    /// <inheritdoc />
    public ValueTask<RoomPosition> GetPositionAsync(string room)
    {
        var stream = Stream(room);
        lock (stream)
        {
            return ValueTask.FromResult(new RoomPosition(stream.History.LastSeq, stream.Epoch));
        }
    }

    /// <inheritdoc />
    public ValueTask<RecoveredMessages?> RecoverAsync(string room, long afterSeq, string epoch)
    {
        var stream = Stream(room);
        lock (stream)
        {
            var messages = epoch == stream.Epoch ? stream.History.TryGetAfter(afterSeq) : null;
            return ValueTask.FromResult(messages is null
                ? null
                : new RecoveredMessages(messages, new RoomPosition(stream.History.LastSeq, stream.Epoch)));
        }
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<ChatMessage>> GetHistoryAsync(string room, long beforeSeq, int limit)
    {
        var stream = Stream(room);
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
    public ValueTask PublishPrivateAsync(ChatMessage message)
    {
        _handler?.OnPrivateMessage(message);
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public ValueTask AddPresenceAsync(string room, string user, long connectionId)
    {
        var users = _presence.GetOrAdd(room, _ => new HashSet<string>(StringComparer.Ordinal));
        bool added;
        lock (users)
        {
            added = users.Add(user);
        }

        if (added)
        {
            _handler?.OnPresence(room, user, joined: true, nodeId, connectionId);
        }

        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public ValueTask RemovePresenceAsync(string room, string user, long connectionId)
    {
        if (!_presence.TryGetValue(room, out var users))
        {
            return ValueTask.CompletedTask;
        }

        bool removed;
        lock (users)
        {
            removed = users.Remove(user);
        }

        if (removed)
        {
            _handler?.OnPresence(room, user, joined: false, nodeId, connectionId);
        }

        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyCollection<string>> GetMembersAsync(string room)
    {
        if (!_presence.TryGetValue(room, out var users))
        {
            return ValueTask.FromResult<IReadOnlyCollection<string>>([]);
        }

        lock (users)
        {
            return ValueTask.FromResult<IReadOnlyCollection<string>>([.. users]);
        }
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private RoomStream Stream(string room) =>
        _rooms.GetOrAdd(room, static (_, size) => new RoomStream(size), historySize);

    private sealed class RoomStream(int historySize)
    {
        public RoomHistory History { get; } = new(historySize);

        // A fresh epoch per process: in-memory history does not survive a restart.
        public string Epoch { get; } = Guid.NewGuid().ToString("N")[..12];
    }
}
