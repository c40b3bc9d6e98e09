namespace ScaleChat.Server.Identity;

/// <summary>
/// The rooms a token lets its user join, send to, read and list: the <c>rooms</c> claim, where a
/// trailing <c>*</c> matches any suffix. <see cref="All"/> when the token has no such claim.
/// </summary>
internal sealed class RoomPermissions
{
    public static readonly RoomPermissions All = new([]) { _all = true };

    private readonly HashSet<string> _exact = new(StringComparer.Ordinal);
    private readonly string[] _prefixes;
    private bool _all;

    public RoomPermissions(IEnumerable<string> patterns)
    {
        var prefixes = new List<string>();
        foreach (var pattern in patterns)
        {
            if (pattern == "*")
            {
                _all = true;
            }
            else if (pattern.EndsWith('*'))
            {
                prefixes.Add(pattern[..^1]);
            }
            else
            {
                _exact.Add(pattern);
            }
        }

        _prefixes = [.. prefixes];
    }

    public bool Allows(string room)
    {
        if (_all || _exact.Contains(room))
        {
            return true;
        }

        foreach (var prefix in _prefixes)
        {
            if (room.StartsWith(prefix, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }
}
