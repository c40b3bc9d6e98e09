namespace ScaleChat.Protocol;

/// <summary>
/// One chat message as the server holds it: in history, on the backplane and on its way to
/// every recipient. Immutable once the backplane has given it its <see cref="Seq"/>.
/// </summary>
public sealed record ChatMessage
{
    /// <summary>The room, for a room message; null for a private message.</summary>
    public string? Room { get; init; }

    /// <summary>The addressee, for a private message; null for a room message.</summary>
    public string? To { get; init; }

    /// <summary>The sender's name: verified for version 1, self-declared when <see cref="Legacy"/>.</summary>
    public required string From { get; init; }

    /// <summary>The text.</summary>
    public required string Text { get; init; }

    /// <summary>Per-room sequence number (0 for private messages).</summary>
    public long Seq { get; init; }

    /// <summary>Unique id.</summary>
    public required string Id { get; init; }

    /// <summary>Server time the message was accepted, Unix milliseconds.</summary>
    public long Timestamp { get; init; }

    /// <summary>Whether it came from a legacy client (its sender is unverified).</summary>
    public bool Legacy { get; init; }

    /// <summary>Legacy echo fields, present when the legacy sender used the later frame shape.</summary>
    public LegacyEcho? Echo { get; init; }

    /// <summary>The node that accepted it.</summary>
    public string? OriginNode { get; init; }

    /// <summary>The connection (on <see cref="OriginNode"/>) that sent it; its copy carries <see cref="Ref"/>.</summary>
    public long OriginConnection { get; init; }

    /// <summary>The sender's reference, echoed on the sender's own copy only.</summary>
    public MessageRef Ref { get; init; }

    /// <summary>
    /// When the origin node read the client's frame (a <see cref="System.Diagnostics.Stopwatch"/>
    /// timestamp), for the delivery-latency metric. Meaningful only on that node; never sent on the
    /// wire or the backplane (0 there).
    /// </summary>
    public long ReceivedTimestamp { get; init; }
}

/// <summary>
/// What a legacy client of the later scale-chat shape sent, echoed back exactly as given so it can
/// match its own messages. Values are raw JSON.
/// </summary>
/// <param name="MessageIdJson">The raw JSON value of <c>message_id</c>, or null.</param>
/// <param name="SentAtJson">The raw JSON value of <c>sent_at</c>, or null.</param>
public sealed record LegacyEcho(string? MessageIdJson, string? SentAtJson);
