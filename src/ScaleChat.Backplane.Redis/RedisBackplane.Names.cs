using StackExchange.Redis;

namespace ScaleChat.Backplane.Redis;

/// <summary>Open mode's name holds, shared by every node: one key per name with the hold's key and a time-to-live.</summary>
public sealed partial class RedisBackplane : INameHolds
{
    /// <inheritdoc />
    public async ValueTask<string?> ClaimAsync(string user, string? presentedKey, string newKey, TimeSpan hold)
    {
        ArgumentNullException.ThrowIfNull(user);
        ArgumentNullException.ThrowIfNull(newKey);
        var result = await Db.ScriptEvaluateAsync(RedisScripts.ClaimName, [_names.NameHold(user)],
            [presentedKey ?? "", newKey, (long)hold.TotalMilliseconds]);
        return result.IsNull ? null : (string?)result;
    }

    /// <inheritdoc />
    public async ValueTask RenewAsync(IReadOnlyCollection<KeyValuePair<string, string>> holds, TimeSpan hold)
    {
        ArgumentNullException.ThrowIfNull(holds);
        var ms = (long)hold.TotalMilliseconds;
        var db = Db;
        // Sent together and awaited together: one round trip's wait for every name of the node.
        await Task.WhenAll(holds.Select(h => db.ScriptEvaluateAsync(RedisScripts.RenewName, [_names.NameHold(h.Key)], [h.Value, ms])));
    }
}
