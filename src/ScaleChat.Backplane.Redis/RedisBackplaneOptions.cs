namespace ScaleChat.Backplane.Redis;

/// <summary>What a <see cref="RedisBackplane"/> needs to know.</summary>
public sealed record RedisBackplaneOptions
{
    /// <summary>A StackExchange.Redis configuration string, e.g. <c>localhost:6379</c>.</summary>
    public required string Configuration { get; init; }

    /// <summary>This node's name, unique in the cluster.</summary>
    public required string NodeId { get; init; }

    /// <summary>What every key and channel name starts with.</summary>
    public string Prefix { get; init; } = "scalechat";

    /// <summary>Messages each room keeps in history.</summary>
    public int HistorySize { get; init; } = 1000;

    /// <summary>Time after its last heartbeat when a node counts as dead; heartbeats go out at a third of it.</summary>
    public TimeSpan NodeTimeout { get; init; } = TimeSpan.FromSeconds(10);
}
