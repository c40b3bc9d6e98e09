namespace ScaleChat.Backplane;

/// <summary>What the backplane delivers to the local hub.</summary>
public interface IBackplaneHandler
{
    /// <summary>A room message, in seq order per room.</summary>
    void OnRoomMessage(Envelope envelope);

    /// <summary>A private message for a user (or from a user) with connections on this node.</summary>
    void OnPrivateMessage(Envelope envelope);

    /// <summary>A user's first connection entered, or last connection left, a room in the cluster.</summary>
    /// <param name="room">The room.</param>
    /// <param name="user">The user.</param>
    /// <param name="joined">True for a join, false for a leave.</param>
    /// <param name="originNode">The node of the connection that caused it.</param>
    /// <param name="originConnection">That connection, which is not told of its own event.</param>
    void OnPresence(string room, string user, bool joined, string originNode, long originConnection);

    /// <summary>
    /// The room's history was lost and its stream started again at seq 1 in a new epoch (a backplane
    /// that lost its data): what its local members hold is no longer comparable with what comes next.
    /// </summary>
    void OnRoomReset(string room);
}
