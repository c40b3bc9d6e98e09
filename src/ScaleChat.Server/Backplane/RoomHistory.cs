using ScaleChat.Protocol;

namespace ScaleChat.Server.Backplane;

/// <summary>
/// The newest messages of one room in a ring, indexed by seq: messages are kept in seq order
/// with no gaps, so every lookup is arithmetic. Counts the memory its messages take, so that the
/// owner can keep all rooms within a budget. Not thread-safe; the owner locks.
/// </summary>
internal sealed class RoomHistory(int capacity)
{
    private ChatMessage[] _ring = [];
    private int _start;
    private int _count;

    /// <summary>The seq of the newest message, 0 when there is none.</summary>
    public long LastSeq { get; private set; }

    /// <summary>Messages held now.</summary>
    public int Count => _count;

    private long FirstSeq => LastSeq - _count + 1;

    /// <summary>The memory the held messages take, as <see cref="StoredBytes"/> counts it.</summary>
    public long Bytes { get; private set; }

    /// <summary>
    /// What one message costs in memory: its strings (UTF-16) and the object around them. An estimate,
    /// but one that grows with exactly what a client controls.
    /// </summary>
    public static long StoredBytes(ChatMessage message) =>
        256 + (2L * (message.Text.Length + message.Id.Length + (message.Room?.Length ?? 0)
            + (message.Echo?.MessageIdJson?.Length ?? 0) + (message.Echo?.SentAtJson?.Length ?? 0)));

    /// <summary>Adds the next message (its seq must be <see cref="LastSeq"/> + 1); returns how <see cref="Bytes"/> changed.</summary>
    public long Add(ChatMessage message)
    {
        LastSeq = message.Seq;
        if (capacity == 0)
        {
            return 0;
        }

        var before = Bytes;
        Bytes += StoredBytes(message);

        if (_count < capacity)
        {
            if (_count == _ring.Length)
            {
                // Grow as the room fills, so that quiet rooms stay small.
                var grown = new ChatMessage[Math.Min(capacity, Math.Max(16, _ring.Length * 2))];
                for (var i = 0; i < _count; i++)
                {
                    grown[i] = _ring[(_start + i) % _ring.Length];
                }

                _ring = grown;
                _start = 0;
            }

            _ring[(_start + _count) % _ring.Length] = message;
            _count++;
        }
        else
        {
            Bytes -= StoredBytes(_ring[_start]);
            _ring[_start] = message;
            _start = (_start + 1) % _ring.Length;
        }

        return Bytes - before;
    }

    /// <summary>Drops the oldest messages until at least <paramref name="bytes"/> are freed (or none is left); returns what was freed.</summary>
    public long TrimOldest(long bytes)
    {
        var freed = 0L;
        while (_count > 0 && freed < bytes)
        {
            freed += StoredBytes(_ring[_start]);
            _ring[_start] = null!;
            _start = (_start + 1) % _ring.Length;
            _count--;
        }

        if (_count == 0)
        {
            _ring = [];
            _start = 0;
        }

        Bytes -= freed;
        return freed;
    }

    /// <summary>Every message after <paramref name="afterSeq"/>, or null when some are no longer held.</summary>
    public List<ChatMessage>? TryGetAfter(long afterSeq)
    {
        if (afterSeq > LastSeq)
        {
            return null;
        }

        if (afterSeq < FirstSeq - 1)
        {
            return null;
        }

        return Slice(afterSeq + 1, LastSeq);
    }

    /// <summary>The newest <paramref name="limit"/> messages before <paramref name="beforeSeq"/> (0: the newest), oldest first.</summary>
    public List<ChatMessage> GetBefore(long beforeSeq, int limit)
    {
        var last = beforeSeq <= 0 ? LastSeq : Math.Min(LastSeq, beforeSeq - 1);
        var first = Math.Max(FirstSeq, last - limit + 1);
        return Slice(first, last);
    }

    private List<ChatMessage> Slice(long firstSeq, long lastSeq)
    {
        var result = new List<ChatMessage>((int)Math.Max(0, lastSeq - firstSeq + 1));
        for (var seq = firstSeq; seq <= lastSeq; seq++)
        {
            result.Add(_ring[(int)((_start + (seq - FirstSeq)) % _ring.Length)]);
        }

        return result;
    }
}
