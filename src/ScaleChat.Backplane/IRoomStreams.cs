using ScaleChat.Protocol;

namespace ScaleChat.Backplane;

/// <summary>
/// Rooms as streams: each message gets the room's next <c>seq</c>, is kept in history and is delivered
/// to every node with members in the room, in seq order.
/// </summary>
public interface IRoomStreams
{
    /// <summary>Starts delivering <paramref name="room"/>'s messages to this node (its first local member joined).</summary>
    ValueTask SubscribeRoomAsync(string room);

    /// <summary>Stops delivering <paramref name="room"/>'s messages to this node (its last local member left).</summary>
    ValueTask UnsubscribeRoomAsync(string room);

    /// <summary>
    /// Gives the envelope's message the room's next <c>seq</c>, keeps it in history and delivers it to
    /// every subscribed node, in seq order. Completes once the message is safely in history.
    /// </summary>
    ValueTask<Envelope> PublishAsync(Envelope envelope);

    /// <summary>The room's latest position.</summary>
    ValueTask<RoomPosition> GetPositionAsync(string room);

    /// <summary>
    /// Every message after <paramref name="afterSeq"/> in the given epoch, oldest first, or null
    /// when history no longer holds them all (or the epoch changed).
    /// </summary>
    ValueTask<RecoveredMessages?> RecoverAsync(string room, long afterSeq, string epoch);

    /// <summary>The newest <paramref name="limit"/> messages before <paramref name="beforeSeq"/> (0: the newest), oldest first.</summary>
    ValueTask<IReadOnlyList<ChatMessage>> GetHistoryAsync(string room, long beforeSeq, int limit);

    /// <summary>How much history there is for the rooms this node serves (a moment's snapshot, for the gauges).</summary>
    HistoryFigures History { get; }
}

/// <summary>What <see cref="IRoomStreams.RecoverAsync"/> found.</summary>
/// <param name="Messages">The missed messages, oldest first.</param>
/// <param name="Position">The room's position when they were read.</param>
public sealed record RecoveredMessages(IReadOnlyList<ChatMessage> Messages, RoomPosition Position);

/// <summary>History's size as a node sees it.</summary>
/// <param name="Messages">Messages held in the history of the rooms this node serves.</param>
/// <param name="Bytes">The memory that history takes on this node (0 when it lives elsewhere).</param>
public readonly record struct HistoryFigures(long Messages, long Bytes);
