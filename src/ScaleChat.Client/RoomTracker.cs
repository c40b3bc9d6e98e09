using ScaleChat.Protocol;

namespace ScaleChat.Client;

/// <summary>What the client must do for one room after a reconnect's <c>welcome</c>.</summary>
internal enum ResumeStep
{
    /// <summary>Nothing more: <see cref="ResumeAction.Event"/> says how the room resumed.</summary>
    Done,
    /// <summary>Send <c>join</c> with <c>after</c> = <see cref="ResumeAction.After"/>.</summary>
    Join,
    /// <summary>The server joined the room at <c>hello</c>, past the last seq seen: fetch the gap with <c>history</c>.</summary>
    Fill,
    /// <summary>The server joined the room at <c>hello</c> but the application had left it: leave again.</summary>
    Leave,
}

/// <summary>One thing to do for a room after a reconnect.</summary>
internal readonly record struct ResumeAction(ResumeStep Step, string Room, RoomPosition After = default, long Before = 0, int Limit = 0, RoomResumed? Event = null);

/// <summary>
/// The rooms the application is in and the last position it has seen in each: the state that makes
/// a reconnect invisible. It decides how each room is resumed, drops messages already delivered
/// and holds back live messages of a room whose gap is still being fetched, so the application
/// sees every message once and in order. Not thread-safe: the client calls it under its lock.
/// </summary>
internal sealed class RoomTracker
{
    private readonly Dictionary<string, Room> _rooms = new(StringComparer.Ordinal);

    private sealed class Room(string name, RoomPosition position)
    {
        public string Name { get; } = name;
        public long Seq { get; set; } = position.Seq;
        public string Epoch { get; set; } = position.Epoch;
        public RoomPosition Position => new(Seq, Epoch);

        /// <summary>While a gap is fetched: the seq the gap ends at; live messages past it wait in <see cref="Held"/>.</summary>
        public long FillTo { get; set; }
        public List<ReceivedMessage>? Held { get; set; }
        public bool Filling => FillTo > 0;
    }

    public int Count => _rooms.Count;

    public string[] Names => [.. _rooms.Keys];

    public bool Contains(string room) => _rooms.ContainsKey(room);

    public RoomPosition? PositionOf(string room) => _rooms.TryGetValue(room, out var r) ? r.Position : null;

    /// <summary>Handles <c>welcome</c>: on the first connection, records its rooms; on a reconnect, plans each room's resume.</summary>
    public List<ResumeAction> OnWelcome(IReadOnlyList<KeyValuePair<string, RoomPosition>> welcomed, bool reconnect)
    {
        var actions = new List<ResumeAction>();
        if (!reconnect)
        {
            foreach (var (name, position) in welcomed)
            {
                _rooms[name] = new Room(name, position);
            }

            return actions;
        }

        var joinedAtHello = welcomed.ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);
        foreach (var room in _rooms.Values)
        {
            actions.Add(joinedAtHello.TryGetValue(room.Name, out var now) ? ResumeJoinedAtHello(room, now) : new ResumeAction(ResumeStep.Join, room.Name, room.Position));
        }

        foreach (var name in joinedAtHello.Keys)
        {
            if (!_rooms.ContainsKey(name))
            {
                actions.Add(new ResumeAction(ResumeStep.Leave, name));
            }
        }

        return actions;
    }

    private static ResumeAction ResumeJoinedAtHello(Room room, RoomPosition now)
    {
        var last = room.Position;
        var gap = now.Seq - room.Seq;
        if (now.Epoch == room.Epoch && gap == 0)
        {
            return Done(room, last, recovered: true);
        }

        if (now.Epoch == room.Epoch && gap > 0 && gap <= Protocol.Frames.ClientFrameParser.MaxHistoryLimit)
        {
            room.FillTo = now.Seq;
            return new ResumeAction(ResumeStep.Fill, room.Name, last, Before: now.Seq + 1, Limit: (int)gap);
        }

        // Another epoch (the history was lost), the room went backwards, or the gap is longer
        // than one history answer: report the gap and carry on from where the room stands.
        room.Seq = now.Seq;
        room.Epoch = now.Epoch;
        return Done(room, last, recovered: false);
    }

    private static ResumeAction Done(Room room, RoomPosition last, bool recovered) =>
        new(ResumeStep.Done, room.Name, Event: new RoomResumed { Room = room.Name, Recovered = recovered, LastSeen = last, Position = room.Position });

    /// <summary>The application joined a room. A room already held keeps its position.</summary>
    public void OnJoined(string room, RoomPosition position) => _rooms.TryAdd(room, new Room(room, position));

    /// <summary>The answer to a resume <c>join</c>; with <paramref name="recovered"/> the missed messages follow it.</summary>
    public RoomResumed? OnResumeJoined(string name, RoomPosition position, bool recovered)
    {
        if (!_rooms.TryGetValue(name, out var room))
        {
            return null;
        }

        var last = room.Position;
        if (!recovered)
        {
            room.Seq = position.Seq;
            room.Epoch = position.Epoch;
        }

        return new RoomResumed { Room = name, Recovered = recovered, LastSeen = last, Position = position };
    }

    /// <summary>
    /// Decides whether a room message reaches the application now. False for a message already
    /// delivered (a replay overlapping live traffic) and for one held back behind a gap being fetched.
    /// </summary>
    public bool Accept(ReceivedMessage message)
    {
        if (message.Room is null || message.Seq <= 0 || !_rooms.TryGetValue(message.Room, out var room))
        {
            return true;
        }

        if (message.Seq <= room.Seq)
        {
            return false;
        }

        if (room.Filling)
        {
            (room.Held ??= []).Add(message);
            return false;
        }

        room.Seq = message.Seq;
        return true;
    }

    /// <summary>
    /// The gap of a room joined at <c>hello</c> was fetched (or, with null, could not be): returns
    /// the messages to deliver, in order, and how the room resumed.
    /// </summary>
    public (List<ReceivedMessage> Deliver, RoomResumed? Event) OnFilled(string name, IReadOnlyList<ReceivedMessage>? history)
    {
        var deliver = new List<ReceivedMessage>();
        if (!_rooms.TryGetValue(name, out var room) || !room.Filling)
        {
            return (deliver, null);
        }

        var last = room.Position;
        var expected = room.FillTo - room.Seq;
        var recovered = true;
        foreach (var message in (IEnumerable<ReceivedMessage>?)history ?? [])
        {
            if (message.Seq > room.Seq && message.Seq <= room.FillTo)
            {
                recovered &= message.Seq == room.Seq + 1;
                room.Seq = message.Seq;
                deliver.Add(message);
            }
        }

        recovered &= history is not null && deliver.Count == expected;
        room.Seq = room.FillTo;
        room.FillTo = 0;
        foreach (var message in room.Held ?? [])
        {
            if (message.Seq > room.Seq)
            {
                room.Seq = message.Seq;
                deliver.Add(message);
            }
        }

        room.Held = null;
        return (deliver, new RoomResumed { Room = name, Recovered = recovered, LastSeen = last, Position = room.Position });
    }

    /// <summary>The connection was lost: gaps being fetched will be fetched again on the next one.</summary>
    public void OnConnectionLost()
    {
        foreach (var room in _rooms.Values)
        {
            room.FillTo = 0;
            room.Held = null;
        }
    }

    /// <summary>The application left a room (or could not get back into it).</summary>
    public void Remove(string room) => _rooms.Remove(room);
}
