namespace ScaleChat.Protocol;

/// <summary>
/// The rule for names of rooms and users: 1–64 ASCII letters, digits, '-', '_' or '.', and not only
/// dots ("." and ".." would read as paths in URLs and keys).
/// </summary>
public static class Names
{
    /// <summary>The longest valid name.</summary>
    public const int MaxLength = 64;

    /// <summary>Whether <paramref name="name"/> is a valid room or user name.</summary>
    public static bool IsValid(ReadOnlySpan<char> name)
    {
        if (name.IsEmpty || name.Length > MaxLength)
        {
            return false;
        }

        foreach (var c in name)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.'))
            {
                return false;
            }
        }

        return name.ContainsAnyExcept('.');
    }

    /// <summary>Whether <paramref name="name"/> is non-null and valid.</summary>
    public static bool IsValid(string? name) => name is not null && IsValid(name.AsSpan());
}
