namespace ScaleChat.Server.Connections;

/// <summary>
/// The rooms one connection is in: an array of exactly its memberships, copied on join and leave.
/// A dictionary with its buckets cost an idle connection 176 B; a connection is in a few rooms
/// (at most the rooms limit), so a lookup is a short scan. Used by the connection's own commands
/// and its disconnect only, one at a time.
/// </summary>
internal struct Memberships
{
    private Membership[] _items;

    /// <summary>How many rooms.</summary>
    public readonly int Count => _items?.Length ?? 0;

    /// <summary>Every membership, as one snapshot that later joins and leaves do not change.</summary>
    public readonly Membership[] All => _items ?? [];

    /// <summary>Whether the connection is in <paramref name="room"/>.</summary>
    public readonly bool Contains(string room) => IndexOf(room) >= 0;

    /// <summary>Adds <paramref name="membership"/>, in place of one for the same room.</summary>
    public void Set(Membership membership)
    {
        var index = IndexOf(membership.Room);
        if (index >= 0)
        {
            var copy = (Membership[])_items.Clone();
            copy[index] = membership;
            _items = copy;
        }
        else
        {
            _items = [.. All, membership];
        }
    }

    /// <summary>Takes out the membership of <paramref name="room"/>, when there is one.</summary>
    public bool Remove(string room, out Membership membership)
    {
        var index = IndexOf(room);
        if (index < 0)
        {
            membership = null!;
            return false;
        }

        membership = _items[index];
        _items = _items.Length == 1 ? [] : [.. _items.AsSpan(0, index), .. _items.AsSpan(index + 1)];
        return true;
    }

    /// <summary>Forgets every membership.</summary>
    public void Clear() => _items = [];

    private readonly int IndexOf(string room)
    {
        var items = All;
        for (var i = 0; i < items.Length; i++)
        {
            if (string.Equals(items[i].Room, room, StringComparison.Ordinal))
            {
                return i;
            }
        }

        return -1;
    }
}
