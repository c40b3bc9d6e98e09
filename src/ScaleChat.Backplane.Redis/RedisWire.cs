using System.Buffers.Text;
using System.Text;

namespace ScaleChat.Backplane.Redis;

/// <summary>
/// Every message the backplane puts on Redis channels and in Redis sets, written and read here (the
/// envelope's JSON: <c>RedisWire.Envelope.cs</c>); the Lua scripts build theirs from the constants
/// below, so a format is defined once. Documented in docs/scale-out.md.
/// <list type="bullet">
/// <item>room channel, a message: <c>m\n{seq}\n{epoch}\n{envelope}</c> (published by the publish script);</item>
/// <item>room channel, presence: <c>p\n{j|l}\n{user}\n{node}\n{connection}</c> (the presence and sweep scripts);</item>
/// <item>room channel, a subscription marker: <c>s\n{marker}</c> (a node proving its SUBSCRIBE took);</item>
/// <item>node channel: <c>{envelope}</c>, a private message;</item>
/// <item>a node's presence set: <c>{room}\n{user}</c>; a room's history stream: entry <c>{seq}-0</c>, field <c>m</c>.</item>
/// </list>
/// </summary>
internal static partial class RedisWire
{
    /// <summary>The first line of a room channel's message, presence event and marker.</summary>
    public const string MessageKind = "m", PresenceKind = "p", MarkerKind = "s";

    /// <summary>The second line of a presence event.</summary>
    public const string Joined = "j", Left = "l";

    /// <summary>The field of a history entry that holds the envelope.</summary>
    public const string HistoryField = "m";

    /// <summary>A room channel's message, presence event or marker, as read.</summary>
    public readonly record struct RoomChannelFrame(char Kind, long Seq, string? Epoch, int PayloadOffset, bool Joined, string? User, string? Node, long Connection, string? Marker);

    /// <summary>The marker a node publishes on a room's channel after subscribing.</summary>
    public static string MarkerFrame(string marker) => $"{MarkerKind}\n{marker}";

    /// <summary>An entry of a node's presence set.</summary>
    public static string PresenceEntry(string room, string user) => $"{room}\n{user}";

    /// <summary>The room and user of a presence-set entry.</summary>
    public static (string Room, string User) ParsePresenceEntry(string entry)
    {
        var cut = entry.IndexOf('\n', StringComparison.Ordinal);
        return (entry[..cut], entry[(cut + 1)..]);
    }

    /// <summary>Reads a room channel's message: the envelope of a message starts at <see cref="RoomChannelFrame.PayloadOffset"/>.</summary>
    public static RoomChannelFrame ParseRoomChannel(byte[] data)
    {
        ArgumentNullException.ThrowIfNull(data);
        var kind = (char)data[0];
        if (kind == MessageKind[0])
        {
            var rest = data.AsSpan(2);
            var cut = rest.IndexOf((byte)'\n');
            Utf8Parser.TryParse(rest[..cut], out long seq, out _);
            var epochStart = 2 + cut + 1;
            var epochLength = data.AsSpan(epochStart).IndexOf((byte)'\n');
            return new(kind, seq, Encoding.ASCII.GetString(data, epochStart, epochLength), epochStart + epochLength + 1, false, null, null, 0, null);
        }

        if (kind == PresenceKind[0])
        {
            var parts = Encoding.UTF8.GetString(data).Split('\n');
            Utf8Parser.TryParse(Encoding.ASCII.GetBytes(parts[4]), out long connection, out _);
            return new(kind, 0, null, 0, parts[1] == Joined, parts[2], parts[3], connection, null);
        }

        if (kind == MarkerKind[0])
        {
            return new(kind, 0, null, 0, false, null, null, 0, Encoding.ASCII.GetString(data, 2, data.Length - 2));
        }

        throw new FormatException($"unknown room channel message kind '{kind}'");
    }
}
