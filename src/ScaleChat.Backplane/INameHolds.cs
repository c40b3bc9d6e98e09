namespace ScaleChat.Backplane;

/// <summary>
/// Open mode's names, held first come, first served, by a key that every node sees: a name stays held
/// while a node renews it (it has a connection of that name) and for the hold time after the last renewal.
/// </summary>
public interface INameHolds
{
    /// <summary>
    /// Claims <paramref name="user"/> for a new connection. Returns the hold's key when the connection
    /// may have the name: the current key when <paramref name="presentedKey"/> matches it, or
    /// <paramref name="newKey"/> when nobody held the name. Returns null when someone else holds it.
    /// The hold then lasts <paramref name="hold"/> from now (at least).
    /// </summary>
    ValueTask<string?> ClaimAsync(string user, string? presentedKey, string newKey, TimeSpan hold);

    /// <summary>
    /// Extends the holds of names this node has connections of (name and key) to <paramref name="hold"/>
    /// from now, or takes them again with the same key when they lapsed.
    /// </summary>
    ValueTask RenewAsync(IReadOnlyCollection<KeyValuePair<string, string>> holds, TimeSpan hold);
}
