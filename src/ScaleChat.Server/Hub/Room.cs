using ScaleChat.Server.Connections;

namespace ScaleChat.Server.Hub;

/// <summary>
/// A room's local members. The member list is replaced, never changed, so the fan-out reads it
/// without a lock; changes happen under the room's shard lock. Those who asked for presence events
/// have a list of their own, so a join in a large room does not walk every member.
/// </summary>
internal sealed class Room(string name)
{
    private readonly Dictionary<string, int> _userConnections = new(StringComparer.Ordinal);
    private volatile MemberList _members = MemberList.Empty;
    private volatile MemberList _watchers = MemberList.Empty;

    public string Name { get; } = name;

    /// <summary>The local members now; safe to enumerate while others join and leave.</summary>
    public MemberList Members => _members;

    /// <summary>The local members that asked for presence events.</summary>
    public MemberList Watchers => _watchers;

    /// <summary>Completes when the backplane delivers this room's messages to this node.</summary>
    public Task Subscribed { get; set; } = Task.CompletedTask;

    /// <summary>Adds a member (under the shard lock); true when it is its user's first local connection here.</summary>
    public bool Add(Membership member)
    {
        _members = _members.Add(member);
        if (member.Presence)
        {
            _watchers = _watchers.Add(member);
        }

        return member.Connection.User is { } user && Count(user, +1) == 1;
    }

    /// <summary>Removes a member (under the shard lock); true when it was its user's last local connection here.</summary>
    public bool Remove(Membership member)
    {
        var members = _members.Remove(member);
        if (members == _members)
        {
            return false;
        }

        _members = members;
        if (member.Presence)
        {
            _watchers = _watchers.Remove(member);
        }

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
