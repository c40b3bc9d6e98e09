using ScaleChat.Server.Connections;

namespace ScaleChat.Server.Hub;

/// <summary>
/// An immutable snapshot of a room's members, kept in chunks of at most <see cref="ChunkSize"/>, so
/// that a join or a leave copies one chunk and the list of chunks instead of every member: with one
/// flat array, filling a room of n members copied n²/2 references. A fan-out enumerates a snapshot
/// without a lock while members come and go.
/// </summary>
internal sealed class MemberList
{
    private const int ChunkSize = 256;

    public static readonly MemberList Empty = new([], 0);

    private readonly Membership[][] _chunks;

    private MemberList(Membership[][] chunks, int length)
    {
        _chunks = chunks;
        Length = length;
    }

    /// <summary>How many members.</summary>
    public int Length { get; }

    /// <summary>This list with <paramref name="member"/> added at the end.</summary>
    public MemberList Add(Membership member)
    {
        var chunks = _chunks;
        if (chunks.Length > 0 && chunks[^1].Length < ChunkSize)
        {
            var copy = (Membership[][])chunks.Clone();
            copy[^1] = [.. chunks[^1], member];
            return new MemberList(copy, Length + 1);
        }

        if (chunks.Length * ChunkSize > 4 * (Length + ChunkSize))
        {
            // Leaves have left mostly empty chunks behind: pack them, so the list of chunks stays short.
            return new MemberList(Pack(), Length).Add(member);
        }

        return new MemberList([.. chunks, [member]], Length + 1);
    }

    /// <summary>This list without <paramref name="member"/>; this same list when it is not there.</summary>
    public MemberList Remove(Membership member)
    {
        for (var c = 0; c < _chunks.Length; c++)
        {
            var chunk = _chunks[c];
            var index = Array.IndexOf(chunk, member);
            if (index < 0)
            {
                continue;
            }

            if (chunk.Length == 1)
            {
                return new MemberList([.. _chunks.AsSpan(0, c), .. _chunks.AsSpan(c + 1)], Length - 1);
            }

            var copy = (Membership[][])_chunks.Clone();
            copy[c] = [.. chunk.AsSpan(0, index), .. chunk.AsSpan(index + 1)];
            return new MemberList(copy, Length - 1);
        }

        return this;
    }

    public Enumerator GetEnumerator() => new(_chunks);

    private Membership[][] Pack()
    {
        var all = new List<Membership>(Length);
        foreach (var member in this)
        {
            all.Add(member);
        }

        return [.. all.Chunk(ChunkSize)];
    }

    /// <summary>Walks the chunks without allocating.</summary>
    public struct Enumerator(Membership[][] chunks)
    {
        private int _chunk;
        private int _index = -1;

        public readonly Membership Current => chunks[_chunk][_index];

        public bool MoveNext()
        {
            while (_chunk < chunks.Length)
            {
                if (++_index < chunks[_chunk].Length)
                {
                    return true;
                }

                _chunk++;
                _index = -1;
            }

            return false;
        }
    }
}
