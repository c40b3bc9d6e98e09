using System.Collections.Concurrent;

namespace ScaleChat.Server.Backplane;

/// <summary>
/// What the nodes of an in-memory cluster share: each room's stream (seq, history, presence, which
/// nodes subscribe) and where users are connected. <c>scalechat serve</c> gives its one
/// <see cref="InMemoryBackplane"/> a store of its own; several backplanes on one store act as the
/// nodes of one cluster in one process, as Redis makes separate processes one.
/// </summary>
/// <param name="historySize">The newest messages kept per room.</param>
/// <param name="historyBudgetBytes">The memory all rooms' history may take together.</param>
public sealed class InMemoryBackplaneStore(int historySize, long historyBudgetBytes = long.MaxValue)
{
    private readonly Lock _evicting = new();
    private readonly Lock _changingUsers = new();
    private long _historyBytes;

    // A budget of nothing keeps no history at all, rather than evicting after every message.
    internal int HistorySize { get; } = historyBudgetBytes == 0 ? 0 : historySize;

    internal ConcurrentDictionary<string, RoomStream> Rooms { get; } = new(StringComparer.Ordinal);

    /// <summary>The nodes each user has connections on; replaced, never changed, so readers take no lock.</summary>
    internal ConcurrentDictionary<string, InMemoryBackplane[]> Users { get; } = new(StringComparer.Ordinal);

    /// <summary>The memory every room's history takes, as <see cref="RoomHistory.StoredBytes"/> counts it.</summary>
    public long HistoryBytes => Volatile.Read(ref _historyBytes);

    /// <summary>Messages held in every room's history (a moment's snapshot).</summary>
    public long HistoryMessages
    {
        get
        {
            long total = 0;
            foreach (var stream in Rooms.Values)
            {
                lock (stream)
                {
                    total += stream.History.Count;
                }
            }

            return total;
        }
    }

    /// <summary>Rooms the store holds anything for (subscriptions, presence or history).</summary>
    public int RoomCount => Rooms.Count;

    internal RoomStream Stream(string room) =>
        Rooms.GetOrAdd(room, static (_, size) => new RoomStream(size), HistorySize);

    /// <summary>Counts what a room's history grew by (under the stream's lock); evicts when over budget.</summary>
    internal void HistoryGrew(long bytes) => Interlocked.Add(ref _historyBytes, bytes);

    internal bool OverBudget => Volatile.Read(ref _historyBytes) > historyBudgetBytes;

    /// <summary>Adds <paramref name="node"/> to the user's nodes, or takes it away.</summary>
    internal void SetUserNode(string user, InMemoryBackplane node, bool online)
    {
        lock (_changingUsers)
        {
            var nodes = Users.GetValueOrDefault(user, []);
            var has = Array.IndexOf(nodes, node) >= 0;
            if (online && !has)
            {
                Users[user] = nodes.Length == 0 ? node.Alone : [.. nodes, node];
            }
            else if (!online && has)
            {
                if (nodes.Length == 1)
                {
                    Users.TryRemove(user, out _);
                }
                else
                {
                    Users[user] = Array.FindAll(nodes, n => n != node);
                }
            }
        }
    }

    /// <summary>Forgets a room that holds nothing any more (under the stream's lock); its next use starts a new epoch.</summary>
    internal void ForgetIfIdle(string room, RoomStream stream)
    {
        if (stream.Subscribers.Count == 0 && stream.Present.Count == 0 && stream.History.Count == 0 && !stream.Removed)
        {
            stream.Removed = true;
            Rooms.TryRemove(KeyValuePair.Create(room, stream));
        }
    }

    /// <summary>
    /// Brings history back under nine tenths of the budget, taking it from the least recently active
    /// rooms first. One thread evicts at a time; the others carry on (the budget is briefly exceeded
    /// by at most what they publish meanwhile).
    /// </summary>
    internal void Evict()
    {
        if (!_evicting.TryEnter())
        {
            return;
        }

        try
        {
            var target = historyBudgetBytes - (historyBudgetBytes / 10);
            var rooms = Rooms.ToArray();
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

    /// <summary>One room: its stream and who takes part in it. Locked by whoever uses it.</summary>
    internal sealed class RoomStream(int historySize)
    {
        public RoomHistory History { get; } = new(historySize);

        // A fresh epoch per stream: in-memory history does not survive a restart, nor a room forgotten.
        public string Epoch { get; } = Guid.NewGuid().ToString("N")[..12];

        /// <summary>The users present in the room (presence), each with the nodes it is present on.</summary>
        public Dictionary<string, InMemoryBackplane[]> Present { get; } = new(StringComparer.Ordinal);

        /// <summary>
        /// The nodes subscribed, each with its count of subscriptions: a node subscribes at a room's
        /// first local member and unsubscribes at its last.
        /// </summary>
        public Dictionary<InMemoryBackplane, int> Subscribers { get; } = new(ReferenceEqualityComparer.Instance);

        /// <summary>When a message was last published (milliseconds since start-up), for eviction.</summary>
        public long LastActive { get; set; } = Environment.TickCount64;

        /// <summary>Forgotten: whoever holds this instance must look the room up again.</summary>
        public bool Removed { get; set; }
    }
}
