using System.Security.Cryptography;
using System.Text;
using ScaleChat.Backplane;

namespace ScaleChat.Server.Backplane;

/// <summary>
/// The single node's name holds: a dictionary, with lapsed holds swept out by a renewal at most once
/// a second. Every disconnect renews its name's hold, so a sweep per renewal would make each
/// disconnect cost as much as all the names held (a churn of connections would cost their square).
/// </summary>
internal sealed class InMemoryNameHolds(TimeProvider time) : INameHolds
{
    private readonly Dictionary<string, (string Key, long Until)> _holds = new(StringComparer.Ordinal);
    private long _nextSweep;

    public ValueTask<string?> ClaimAsync(string user, string? presentedKey, string newKey, TimeSpan hold)
    {
        var now = time.GetTimestamp();
        lock (_holds)
        {
            if (_holds.TryGetValue(user, out var held) && held.Until > now && !KeysEqual(held.Key, presentedKey))
            {
                return ValueTask.FromResult<string?>(null);
            }

            var key = _holds.TryGetValue(user, out held) && held.Until > now ? held.Key : newKey;
            _holds[user] = (key, Math.Max(held.Until, now + Ticks(hold)));
            return ValueTask.FromResult<string?>(key);
        }
    }

    public ValueTask RenewAsync(IReadOnlyCollection<KeyValuePair<string, string>> holds, TimeSpan hold)
    {
        var now = time.GetTimestamp();
        lock (_holds)
        {
            // Lapsed holds go, so that names used once and left do not pile up; a lapsed hold left
            // until the next sweep holds nothing, as a claim checks its time.
            if (now >= _nextSweep)
            {
                _nextSweep = now + time.TimestampFrequency;
                Sweeps++;
                foreach (var (user, held) in _holds)
                {
                    if (held.Until <= now)
                    {
                        _holds.Remove(user);
                    }
                }
            }

            foreach (var (user, key) in holds)
            {
                if (!_holds.TryGetValue(user, out var held) || held.Key == key)
                {
                    _holds[user] = (key, now + Ticks(hold));
                }
            }
        }

        return ValueTask.CompletedTask;
    }

    /// <summary>Sweeps of lapsed holds so far (for tests).</summary>
    internal int Sweeps { get; private set; }

    /// <summary>Held names now, lapsed or not yet swept included (for tests).</summary>
    internal int Count
    {
        get
        {
            lock (_holds)
            {
                return _holds.Count;
            }
        }
    }

    private long Ticks(TimeSpan span) => (long)(span.TotalSeconds * time.TimestampFrequency);

    /// <summary>Compares keys in constant time, so that timing does not tell how much of a guess was right.</summary>
    internal static bool KeysEqual(string held, string? presented) =>
        presented is not null && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(held), Encoding.UTF8.GetBytes(presented));
}
