using System.Globalization;
using System.Text.Json;

namespace ScaleChat.Protocol.Frames;

/// <summary>
/// Encodes the objects the server sends. Each call returns the compact UTF-8 JSON of one object
/// (no newline inside), ready to be shared by every recipient of a fan-out.
/// </summary>
public static class ServerFrames
{
    /// <summary>The answer to a valid <c>hello</c>; <paramref name="nameKey"/> only in open mode.</summary>
    public static byte[] Welcome(string user, string session, string? nameKey, string node, ProtocolLimits limits, IEnumerable<KeyValuePair<string, RoomPosition>> rooms)
    {
        ArgumentNullException.ThrowIfNull(limits);
        ArgumentNullException.ThrowIfNull(rooms);
        var w = FrameWriter.Begin("welcome"u8);
        w.WriteString("user"u8, user);
        w.WriteString("session"u8, session);
        if (nameKey is not null)
        {
            w.WriteString("nameKey"u8, nameKey);
        }

        w.WriteString("node"u8, node);
        w.WriteStartObject("limits"u8);
        w.WriteNumber("maxMessageBytes"u8, limits.MaxMessageBytes);
        w.WriteNumber("maxFrameBytes"u8, limits.MaxFrameBytes);
        w.WriteNumber("messagesPerSecond"u8, limits.MessagesPerSecond);
        w.WriteNumber("burst"u8, limits.Burst);
        w.WriteNumber("maxRooms"u8, limits.MaxRooms);
        w.WriteEndObject();
        w.WriteStartArray("rooms"u8);
        foreach (var (room, position) in rooms)
        {
            w.WriteStartObject();
            w.WriteString("room"u8, room);
            w.WriteNumber("seq"u8, position.Seq);
            w.WriteString("epoch"u8, position.Epoch);
            w.WriteEndObject();
        }

        w.WriteEndArray();
        return FrameWriter.End();
    }

    /// <summary>The answer to <c>auth</c>: the fresh token's expiry, in Unix seconds.</summary>
    public static byte[] Authed(long expires, MessageRef @ref)
    {
        var w = FrameWriter.Begin("authed"u8);
        w.WriteNumber("exp"u8, expires);
        @ref.WriteTo(w);
        return FrameWriter.End();
    }

    /// <summary>The answer to <c>join</c>; <paramref name="recovered"/> only when the join had <c>after</c>.</summary>
    public static byte[] Joined(string room, RoomPosition position, bool? recovered)
    {
        var w = FrameWriter.Begin("joined"u8);
        w.WriteString("room"u8, room);
        w.WriteNumber("seq"u8, position.Seq);
        w.WriteString("epoch"u8, position.Epoch);
        if (recovered is { } r)
        {
            w.WriteBoolean("recovered"u8, r);
        }

        return FrameWriter.End();
    }

    /// <summary>The answer to <c>leave</c>.</summary>
    public static byte[] Left(string room)
    {
        var w = FrameWriter.Begin("left"u8);
        w.WriteString("room"u8, room);
        return FrameWriter.End();
    }

    /// <summary>A chat message; <paramref name="ref"/> only on the sending connection's own copy.</summary>
    public static byte[] Message(ChatMessage message, MessageRef @ref = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        var w = FrameWriter.Begin("message"u8);
        WriteMessageFields(w, message, @ref);
        return FrameWriter.End();
    }

    /// <summary>The acknowledgement of an accepted <c>send</c>.</summary>
    public static byte[] Ack(MessageRef @ref, string id, long seq)
    {
        var w = FrameWriter.Begin("ack"u8);
        @ref.WriteTo(w);
        w.WriteString("id"u8, id);
        if (seq > 0)
        {
            w.WriteNumber("seq"u8, seq);
        }

        return FrameWriter.End();
    }

    /// <summary>
    /// The answer to <c>who</c>, at most about <paramref name="maxBytes"/> long: when the names do not
    /// all fit, the list is cut and says <c>more: true</c>.
    /// </summary>
    public static byte[] Members(string room, IEnumerable<string> members, int maxBytes = int.MaxValue)
    {
        ArgumentNullException.ThrowIfNull(members);
        var w = FrameWriter.Begin("presence"u8);
        w.WriteString("room"u8, room);
        w.WriteStartArray("members"u8);
        var cut = false;
        foreach (var member in members)
        {
            // Names are short and need no escaping: their length is what they add, plus quotes and a comma.
            if (w.BytesCommitted + w.BytesPending + member.Length + 32 > maxBytes)
            {
                cut = true;
                break;
            }

            w.WriteStringValue(member);
        }

        w.WriteEndArray();
        if (cut)
        {
            w.WriteBoolean("more"u8, true);
        }

        return FrameWriter.End();
    }

    /// <summary>A presence event: <paramref name="user"/> joined (or left) <paramref name="room"/>.</summary>
    public static byte[] PresenceEvent(string room, string user, bool joined)
    {
        var w = FrameWriter.Begin("presence"u8);
        w.WriteString("room"u8, room);
        w.WriteString("event"u8, joined ? "join"u8 : "leave"u8);
        w.WriteString("user"u8, user);
        return FrameWriter.End();
    }

    /// <summary>
    /// The answer to <c>history</c>, at most <paramref name="maxBytes"/> long: the newest messages that
    /// fit, oldest first. When some had to be left out, <c>more: true</c> says to page on with
    /// <c>before</c> set to the first seq of this answer.
    /// </summary>
    public static byte[] History(string room, IReadOnlyList<ChatMessage> messages, int maxBytes = int.MaxValue)
    {
        ArgumentNullException.ThrowIfNull(messages);
        // Each element is exactly a message object; encode each once to know what fits.
        var encoded = new byte[messages.Count][];
        var first = messages.Count;
        long length = 64 + room.Length; // the envelope, with room to spare
        while (first > 0)
        {
            var next = Message(messages[first - 1]);
            if (length + next.Length + 1 > maxBytes)
            {
                break;
            }

            encoded[--first] = next;
            length += next.Length + 1;
        }

        var w = FrameWriter.Begin("history"u8);
        w.WriteString("room"u8, room);
        w.WriteStartArray("messages"u8);
        for (var i = first; i < encoded.Length; i++)
        {
            w.WriteRawValue(encoded[i], skipInputValidation: true);
        }

        w.WriteEndArray();
        if (first > 0)
        {
            w.WriteBoolean("more"u8, true);
        }

        return FrameWriter.End();
    }

    /// <summary>The answer to <c>ping</c>.</summary>
    public static byte[] Pong(MessageRef @ref)
    {
        var w = FrameWriter.Begin("pong"u8);
        @ref.WriteTo(w);
        return FrameWriter.End();
    }

    /// <summary>An error about one object.</summary>
    public static byte[] Error(string code, string message, MessageRef @ref = default)
    {
        var w = FrameWriter.Begin("error"u8);
        w.WriteString("code"u8, code);
        w.WriteString("message"u8, message);
        @ref.WriteTo(w);
        return FrameWriter.End();
    }

    /// <summary>An error about one object.</summary>
    public static byte[] Error(FrameError error) => Error(error.Code, error.Message, error.Ref);

    /// <summary>
    /// A room message as a legacy client receives it: the later scale-chat fields and the original
    /// design's fields in one object.
    /// </summary>
    public static byte[] Legacy(ChatMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        var w = FrameWriter.Start();
        w.WriteStartObject();
        if (message.Echo?.MessageIdJson is { } id)
        {
            w.WritePropertyName("message_id"u8);
            w.WriteRawValue(id, skipInputValidation: true);
        }
        else
        {
            w.WriteNumber("message_id"u8, message.Seq);
        }

        w.WriteString("text"u8, message.Text);
        w.WriteString("sender"u8, message.From);
        if (message.Echo?.SentAtJson is { } sentAt)
        {
            w.WritePropertyName("sent_at"u8);
            w.WriteRawValue(sentAt, skipInputValidation: true);
        }
        else
        {
            w.WriteString("sent_at"u8, FormatTimestamp(message.Timestamp));
        }

        w.WriteString("room"u8, message.Room);
        w.WriteString("clientId"u8, message.From);
        w.WriteString("message"u8, message.Text);
        return FrameWriter.End();
    }

    /// <summary>Server time as RFC 3339 UTC with milliseconds.</summary>
    public static string FormatTimestamp(long unixMilliseconds) =>
        DateTimeOffset.FromUnixTimeMilliseconds(unixMilliseconds).UtcDateTime
            .ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    private static void WriteMessageFields(Utf8JsonWriter w, ChatMessage message, MessageRef @ref)
    {
        if (message.Room is not null)
        {
            w.WriteString("room"u8, message.Room);
        }
        else
        {
            w.WriteString("to"u8, message.To);
        }

        w.WriteString("from"u8, message.From);
        w.WriteString("text"u8, message.Text);
        if (message.Seq > 0)
        {
            w.WriteNumber("seq"u8, message.Seq);
        }

        w.WriteString("id"u8, message.Id);
        w.WriteNumber("ts"u8, message.Timestamp);
        @ref.WriteTo(w);

        if (message.Legacy)
        {
            w.WriteBoolean("legacy"u8, true);
        }
    }
}
