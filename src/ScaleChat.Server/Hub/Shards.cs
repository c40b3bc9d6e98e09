namespace ScaleChat.Server.Hub;

/// <summary>
/// A dictionary spread over 64 shards by hash, each with its own lock, so that joins, leaves and
/// lookups for different names rarely contend. Callers lock the shard they work in and never
/// hold it across an await.
/// </summary>
internal sealed class Shards<TValue>
    where TValue : class
{
    private const int Count = 64;
    private readonly Shard[] _shards;

    public Shards()
    {
        _shards = new Shard[Count];
        for (var i = 0; i < Count; i++)
        {
            _shards[i] = new Shard();
        }
    }

    /// <summary>The shard that holds <paramref name="key"/>.</summary>
    public Shard For(string key) => _shards[(int)((uint)StringComparer.Ordinal.GetHashCode(key) % Count)];

    /// <summary>The value for <paramref name="key"/>, read under its shard's lock.</summary>
    public TValue? Get(string key)
    {
        var shard = For(key);
        lock (shard.Lock)
        {
            return shard.Items.GetValueOrDefault(key);
        }
    }

    /// <summary>Calls <paramref name="visit"/> for every entry, one shard at a time under its lock.</summary>
    public void ForEach(Action<string, TValue> visit)
    {
        foreach (var shard in _shards)
        {
            lock (shard.Lock)
            {
                foreach (var (key, value) in shard.Items)
                {
                    visit(key, value);
                }
            }
        }
    }

    /// <summary>How many keys there are (a moment's snapshot).</summary>
    public int Total()
    {
        var total = 0;
        foreach (var shard in _shards)
        {
            lock (shard.Lock)
            {
                total += shard.Items.Count;
            }
        }

        return total;
    }

    /// <summary>One shard: its lock and its part of the dictionary.</summary>
    internal sealed class Shard
    {
        public Lock Lock { get; } = new();

        public Dictionary<string, TValue> Items { get; } = new(StringComparer.Ordinal);
    }
}
