namespace ScaleChat.Backplane;

/// <summary>Who is in which room across the cluster, per user name; join and leave events go through the handler.</summary>
public interface IPresence
{
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
