using ScaleChat.Server.Connections;

namespace ScaleChat.Server.Hub;

/// <summary>
/// A room's local members. The member array is replaced, never changed, so the fan-out reads it
/// without a lock; changes happen under the room's shard lock.
/// </summary>
internal sealed class Room(string name)
{
    private readonly Dictionary<string, int> _userConnections = new(StringComparer.Ordinal);
    private volatile Membership[] _members = [];

    public string Name { get; } = name;

    /// <summary>The local members now; safe to enumerate while others join and leave.</summary>
    public Membership[] Members => _members;

    /// <summary>Completes when the backplane delivers this room's messages to this node.</summary>
    public Task Subscribed { get; set; } = Task.CompletedTask;

    /// <summary>Adds a member (under the shard lock); true when it is its user's first local connection here.</summary>
    public bool Add(Membership member)
    {
        _members = [.. _members, member];
        return member.Connection.User is { } user && Count(user, +1) == 1;
    }

    /// <summary>Removes a member (under the shard lock); true when it was its user's last local connection here.</summary>
    public bool Remove(Membership member)
    {
        var index = Array.IndexOf(_members, member);
        if (index < 0)
        {
            return false;
        }

        var members = _members;
        _members = [.. members.AsSpan(0, index), .. members.AsSpan(index + 1)];
        return member.Connection.User is { } user && Count(user, -1) == 0;
    }

    private int Count(string user, int delta)
    {
        var count = _userConnections.GetValueOrDefault(user) + delta;
        if (count == 0)
        {
            _userConnections.Remove(user);
        }
        else
        {
            _userConnections[user] = count;
        }

        return count;
    }
}
