using ScaleChat.Protocol;

namespace ScaleChat.Server.Backplane;

/// <summary>
/// What joins the nodes of a cluster: a room's stream (sequence numbers, history, delivery to
/// every node that has members in it), private messages, and presence. The hub calls it; what
/// arrives comes back through <see cref="IBackplaneHandler"/>. The in-memory implementation is the
/// single-node default; others carry the same contract to many nodes.
/// </summary>
public interface IBackplane : IAsyncDisposable
{
    /// <summary>Whether the backplane can carry messages now (reported by <c>/readyz</c>).</summary>
    bool IsReady { get; }

    /// <summary>Connects and starts delivering to <paramref name="handler"/>.</summary>
    Task StartAsync(IBackplaneHandler handler, CancellationToken cancellationToken);

    /// <summary>Starts delivering <paramref name="room"/>'s messages to this node (its first local member joined).</summary>
    ValueTask SubscribeRoomAsync(string room);

    /// <summary>Stops delivering <paramref name="room"/>'s messages to this node (its last local member left).</summary>
    ValueTask UnsubscribeRoomAsync(string room);

    /// <summary>
    /// Gives <paramref name="message"/> the room's next <c>seq</c>, keeps it in history and delivers it
    /// to every subscribed node, in seq order. Completes once the message is safely in history.
    /// </summary>
    ValueTask<ChatMessage> PublishAsync(ChatMessage message);

    /// <summary>The room's latest position.</summary>
    ValueTask<RoomPosition> GetPositionAsync(string room);

    /// <summary>
    /// Every message after <paramref name="afterSeq"/> in the given epoch, oldest first, or null
    /// when history no longer holds them all (or the epoch changed).
    /// </summary>
    ValueTask<RecoveredMessages?> RecoverAsync(string room, long afterSeq, string epoch);

    /// <summary>The newest <paramref name="limit"/> messages before <paramref name="beforeSeq"/> (0: the newest), oldest first.</summary>
    ValueTask<IReadOnlyList<ChatMessage>> GetHistoryAsync(string room, long beforeSeq, int limit);

    /// <summary>Starts delivering private messages for <paramref name="user"/> to this node (its first local connection).</summary>
    ValueTask AddUserAsync(string user);

    /// <summary>Stops delivering private messages for <paramref name="user"/> to this node (its last local connection closed).</summary>
    ValueTask RemoveUserAsync(string user);

    /// <summary>Whether <paramref name="user"/> has a connection on any node.</summary>
    ValueTask<bool> IsUserOnlineAsync(string user);

    /// <summary>Delivers a private message to the nodes of its addressee and of its sender.</summary>
    ValueTask PublishPrivateAsync(ChatMessage message);

    /// <summary>
    /// Counts <paramref name="user"/> present in <paramref name="room"/> on this node (its first local
    /// connection there); a <c>join</c> event goes out when it is the user's first in the cluster.
    /// </summary>
    ValueTask AddPresenceAsync(string room, string user, long connectionId);

    /// <summary>The reverse of <see cref="AddPresenceAsync"/>; a <c>leave</c> event goes out at the user's last.</summary>
    ValueTask RemovePresenceAsync(string room, string user, long connectionId);

    /// <summary>The users present in <paramref name="room"/> across the cluster.</summary>
    ValueTask<IReadOnlyCollection<string>> GetMembersAsync(string room);
}

/// <summary>Optional for a backplane: how many messages its history holds (the history-size gauge).</summary>
public interface IHistorySize
{
    /// <summary>Messages held in every room's history (a moment's snapshot).</summary>
    long HistoryMessages { get; }

    /// <summary>The memory that history takes on this node, in bytes (a moment's snapshot).</summary>
    long HistoryBytes { get; }
}

/// <summary>What the backplane delivers to the local hub.</summary>
public interface IBackplaneHandler
{
    /// <summary>A room message, in seq order per room.</summary>
    void OnRoomMessage(ChatMessage message);

    /// <summary>A private message for a user (or from a user) with connections on this node.</summary>
    void OnPrivateMessage(ChatMessage message);

    /// <summary>A user's first connection entered, or last connection left, a room in the cluster.</summary>
    /// <param name="originNode">The node of the connection that caused it.</param>
    /// <param name="originConnection">That connection, which is not told of its own event.</param>
    void OnPresence(string room, string user, bool joined, string originNode, long originConnection);

    /// <summary>
    /// The room's history was lost and its stream started again at seq 1 in a new epoch (a backplane
    /// that lost its data): what its local members hold is no longer comparable with what comes next.
    /// </summary>
    void OnRoomReset(string room);
}

/// <summary>What <see cref="IBackplane.RecoverAsync"/> found.</summary>
/// <param name="Messages">The missed messages, oldest first.</param>
/// <param name="Position">The room's position when they were read.</param>
public sealed record RecoveredMessages(IReadOnlyList<ChatMessage> Messages, RoomPosition Position);
