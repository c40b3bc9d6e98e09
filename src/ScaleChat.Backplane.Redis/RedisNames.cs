using StackExchange.Redis;

namespace ScaleChat.Backplane.Redis;

/// <summary>
/// Every Redis key and channel the backplane uses, built here and nowhere else. All start with the
/// configured prefix, so several clusters can share one Redis. A room's keys share the hash tag
/// <c>{room}</c> so that the scripts touching them stay on one slot.
/// </summary>
internal sealed class RedisNames
{
    private readonly string _prefix;

    public RedisNames(string prefix)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(prefix);
        _prefix = prefix;
        Nodes = new RedisKey($"{prefix}:nodes");
    }

    /// <summary>Set of the nodes that have registered (live or not yet swept).</summary>
    public RedisKey Nodes { get; }

    /// <summary>String: the room's epoch, created with the room's stream.</summary>
    public RedisKey RoomEpoch(string room) => new($"{_prefix}:room:{{{room}}}:epoch");

    /// <summary>String counter: the room's latest seq.</summary>
    public RedisKey RoomSeq(string room) => new($"{_prefix}:room:{{{room}}}:seq");

    /// <summary>Stream: the room's history, entry id <c>{seq}-0</c>, field <c>m</c> the encoded message.</summary>
    public RedisKey RoomHistory(string room) => new($"{_prefix}:room:{{{room}}}:history");

    /// <summary>Hash: user → number of nodes where the user is present in the room.</summary>
    public RedisKey RoomPresence(string room) => new(RoomPresenceName.For(room));

    /// <summary>Channel: the room's messages, presence events and subscription markers, to the nodes subscribed to it.</summary>
    public RedisChannel RoomChannel(string room) => RedisChannel.Literal(RoomChannelName.For(room));

    /// <summary>Set: the nodes where the user has a connection.</summary>
    public RedisKey UserNodes(string user) => new(UserNodesName.For(user));

    /// <summary>The name of <see cref="RoomPresence"/> around the room's (the sweep script builds it too).</summary>
    public NameParts RoomPresenceName => new($"{_prefix}:room:{{", "}:presence");

    /// <summary>The name of <see cref="RoomChannel"/> around the room's.</summary>
    public NameParts RoomChannelName => new($"{_prefix}:room:{{", "}");

    /// <summary>The name of <see cref="UserNodes"/> around the user's.</summary>
    public NameParts UserNodesName => new($"{_prefix}:user:", ":nodes");

    /// <summary>String with a time-to-live: the key of the name's hold (open mode), held while it exists.</summary>
    public RedisKey NameHold(string user) => new($"{_prefix}:name:{user}");

    /// <summary>String with a time-to-live: the node is alive while it exists.</summary>
    public RedisKey NodeAlive(string node) => new($"{_prefix}:node:{node}:alive");

    /// <summary>Set: the users with a connection on the node.</summary>
    public RedisKey NodeUsers(string node) => new($"{_prefix}:node:{node}:users");

    /// <summary>Set: the node's presence entries, "room\nuser".</summary>
    public RedisKey NodePresence(string node) => new($"{_prefix}:node:{node}:presence");

    /// <summary>Channel: private messages for users connected to the node.</summary>
    public RedisChannel NodeChannel(string node) => RedisChannel.Literal(NodeChannelName(node));

    /// <summary>The name of <see cref="NodeChannel"/>, as the scripts build it from a node name.</summary>
    public string NodeChannelName(string node) => $"{NodeChannelPrefix}{node}";

    /// <summary>What every node channel's name starts with.</summary>
    public string NodeChannelPrefix => $"{_prefix}:node-channel:";

}

/// <summary>A name built around another: <see cref="Head"/>, the room or user, <see cref="Tail"/>.</summary>
internal readonly record struct NameParts(string Head, string Tail)
{
    public string For(string name) => Head + name + Tail;
}
