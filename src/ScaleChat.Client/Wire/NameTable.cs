using System.Collections.Concurrent;
using System.Text.Json;
using ScaleChat.Protocol;

namespace ScaleChat.Client.Wire;

/// <summary>
/// Interns room and user names read off the wire. Every message carries its room and sender; with
/// tens of thousands of clients in one process the same few names would otherwise be allocated
/// again for every copy received. Bounded so a hostile server cannot grow it without limit.
/// </summary>
internal static class NameTable
{
    private const int MaxEntries = 100_000;

    private static readonly ConcurrentDictionary<string, string> Table = new(StringComparer.Ordinal);
    private static readonly ConcurrentDictionary<string, string>.AlternateLookup<ReadOnlySpan<char>> Lookup =
        Table.GetAlternateLookup<ReadOnlySpan<char>>();

    private static int _count;

    /// <summary>Reads the current string token, returning a shared instance for short values.</summary>
    public static string Read(ref Utf8JsonReader reader)
    {
        if (reader.HasValueSequence || reader.ValueSpan.Length > Names.MaxLength)
        {
            return reader.GetString()!;
        }

        // A UTF-8 value of at most 64 bytes, escaped or not, decodes to at most 64 chars.
        Span<char> chars = stackalloc char[Names.MaxLength];
        var length = reader.CopyString(chars);
        var name = chars[..length];
        if (Lookup.TryGetValue(name, out var shared))
        {
            return shared;
        }

        var value = new string(name);
        if (Volatile.Read(ref _count) < MaxEntries && Table.TryAdd(value, value))
        {
            Interlocked.Increment(ref _count);
        }

        return value;
    }
}
