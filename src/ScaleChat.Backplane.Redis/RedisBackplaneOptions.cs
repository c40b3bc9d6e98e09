namespace ScaleChat.Backplane.Redis;

/// <summary>The Redis backplane's settings: the <c>ScaleChat:Redis</c> configuration section.</summary>
public sealed class RedisBackplaneOptions
{
    /// <summary>The configuration section (a plain value there is taken as <see cref="Configuration"/>).</summary>
    public const string SectionName = "ScaleChat:Redis";

    /// <summary>A StackExchange.Redis configuration string, e.g. <c>localhost:6379</c>.</summary>
    public string Configuration { get; set; } = "";

    /// <summary>What every key and channel name starts with, so that several clusters can share one Redis.</summary>
    public string Prefix { get; set; } = "scalechat";

    /// <summary>Messages each room keeps in history (default: the server's <c>ScaleChat:HistorySize</c>).</summary>
    public int HistorySize { get; set; } = 1000;

    /// <summary>Time after its last heartbeat when a node counts as dead; heartbeats go out at a third of it.</summary>
    public TimeSpan NodeTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Throws when a setting is out of range, so that a bad configuration fails at start-up.</summary>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(Configuration))
        {
            throw new ArgumentException("ScaleChat:Redis:Configuration must name a Redis, e.g. localhost:6379");
        }

        if (string.IsNullOrWhiteSpace(Prefix) || Prefix.Any(c => c is '{' or '}' || char.IsWhiteSpace(c)))
        {
            throw new ArgumentException("ScaleChat:Redis:Prefix must be a non-empty name without spaces or braces");
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(HistorySize, 0, "ScaleChat:Redis:HistorySize");
        ArgumentOutOfRangeException.ThrowIfLessThan(NodeTimeout, TimeSpan.FromSeconds(1), "ScaleChat:Redis:NodeTimeout");
    }
}
