namespace ScaleChat.Protocol;

/// <summary>
/// One chat message as every recipient sees it, and as history keeps it. Immutable once the backplane
/// has given it its <see cref="Seq"/>. (On the server it travels in an envelope with what only the
/// server needs.)
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
}

/// <summary>
/// What a legacy client of the later scale-chat shape sent, echoed back exactly as given so it can
/// match its own messages. Values are raw JSON.
/// </summary>
/// <param name="MessageIdJson">The raw JSON value of <c>message_id</c>, or null.</param>
/// <param name="SentAtJson">The raw JSON value of <c>sent_at</c>, or null.</param>
public sealed record LegacyEcho(string? MessageIdJson, string? SentAtJson);
