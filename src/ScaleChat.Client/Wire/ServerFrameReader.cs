using System.Text.Json;
using ScaleChat.Protocol;

namespace ScaleChat.Client.Wire;

/// <summary>
/// Reads the objects of a version-1 server frame with <see cref="Utf8JsonReader"/>: no reflection,
/// and nothing allocated but the strings and lists an object keeps.
/// </summary>
internal static class ServerFrameReader
{
    private static readonly JsonReaderOptions ReaderOptions = new() { MaxDepth = 16 };

    /// <summary>Parses one object.</summary>
    /// <returns>
    /// False when it is not a JSON object or lacks a field its type requires; an unknown
    /// <c>type</c> parses as <see cref="ServerObjectType.Unknown"/>.
    /// </returns>
    public static bool TryParse(ReadOnlySpan<byte> json, out ServerObject result)
    {
        result = default;
        var reader = new Utf8JsonReader(json, ReaderOptions);
        try
        {
            if (!reader.Read() || !ReadObject(ref reader, ref result) || reader.Read())
            {
                return false;
            }
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or FormatException)
        {
            // Malformed JSON, a wrong token type or invalid UTF-8 inside a string.
            return false;
        }

        return IsComplete(in result);
    }

    private static bool IsComplete(in ServerObject o) => o.Type switch
    {
        ServerObjectType.Welcome => o.User is not null,
        ServerObjectType.Joined => o.Room is not null && o.Epoch is not null,
        ServerObjectType.Left or ServerObjectType.History => o.Room is not null,
        ServerObjectType.Message => IsCompleteMessage(in o),
        ServerObjectType.Ack => o.Id is not null,
        ServerObjectType.Presence => o.Room is not null && (o.Members is not null || (o.PresenceJoined is not null && o.User is not null)),
        ServerObjectType.Error => o.Code is not null,
        _ => true,
    };

    private static bool IsCompleteMessage(in ServerObject o) =>
        (o.Room is not null || o.To is not null) && o.From is not null && o.Text is not null && o.Id is not null;

    private static bool ReadObject(ref Utf8JsonReader reader, ref ServerObject o)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            return false;
        }

        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            ReadProperty(ref reader, ref o);
        }

        return reader.TokenType == JsonTokenType.EndObject;
    }

    private static void ReadProperty(ref Utf8JsonReader reader, ref ServerObject o)
    {
        if (reader.ValueTextEquals("type"u8)) { reader.Read(); o.Type = ReadType(ref reader); }
        else if (reader.ValueTextEquals("room"u8)) { reader.Read(); o.Room = NameTable.Read(ref reader); }
        else if (reader.ValueTextEquals("from"u8)) { reader.Read(); o.From = NameTable.Read(ref reader); }
        else if (reader.ValueTextEquals("text"u8)) { reader.Read(); o.Text = reader.GetString(); }
        else if (reader.ValueTextEquals("seq"u8)) { reader.Read(); o.Seq = reader.GetInt64(); }
        else if (reader.ValueTextEquals("id"u8)) { reader.Read(); o.Id = reader.GetString(); }
        else if (reader.ValueTextEquals("ts"u8)) { reader.Read(); o.Timestamp = reader.GetInt64(); }
        else if (reader.ValueTextEquals("ref"u8)) { reader.Read(); o.Ref = ReadRef(ref reader); }
        else if (reader.ValueTextEquals("to"u8)) { reader.Read(); o.To = NameTable.Read(ref reader); }
        else if (reader.ValueTextEquals("legacy"u8)) { reader.Read(); o.Legacy = reader.GetBoolean(); }
        else if (reader.ValueTextEquals("epoch"u8)) { reader.Read(); o.Epoch = NameTable.Read(ref reader); }
        else if (reader.ValueTextEquals("recovered"u8)) { reader.Read(); o.Recovered = reader.GetBoolean(); }
        else if (reader.ValueTextEquals("code"u8)) { reader.Read(); o.Code = reader.GetString(); }
        else if (reader.ValueTextEquals("message"u8)) { reader.Read(); o.ErrorMessage = reader.GetString(); }
        else if (reader.ValueTextEquals("user"u8)) { reader.Read(); o.User = NameTable.Read(ref reader); }
        else if (reader.ValueTextEquals("event"u8)) { reader.Read(); o.PresenceJoined = reader.ValueTextEquals("join"u8) ? true : reader.ValueTextEquals("leave"u8) ? false : null; }
        else if (reader.ValueTextEquals("members"u8)) { reader.Read(); o.Members = ReadNames(ref reader); }
        else if (reader.ValueTextEquals("messages"u8)) { reader.Read(); o.Messages = ReadMessages(ref reader); }
        else if (reader.ValueTextEquals("session"u8)) { reader.Read(); o.Session = reader.GetString(); }
        else if (reader.ValueTextEquals("nameKey"u8)) { reader.Read(); o.NameKey = reader.GetString(); }
        else if (reader.ValueTextEquals("node"u8)) { reader.Read(); o.Node = reader.GetString(); }
        else if (reader.ValueTextEquals("limits"u8)) { reader.Read(); o.Limits = ReadLimits(ref reader); }
        else if (reader.ValueTextEquals("rooms"u8)) { reader.Read(); o.Rooms = ReadRooms(ref reader); }
        else
        {
            // Unknown fields are ignored, as the protocol asks.
            reader.Read();
            reader.Skip();
        }
    }

    private static ServerObjectType ReadType(ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.String)
        {
            throw new FormatException("'type' must be a string");
        }

        return reader.ValueTextEquals("message"u8) ? ServerObjectType.Message
            : reader.ValueTextEquals("ack"u8) ? ServerObjectType.Ack
            : reader.ValueTextEquals("presence"u8) ? ServerObjectType.Presence
            : reader.ValueTextEquals("joined"u8) ? ServerObjectType.Joined
            : reader.ValueTextEquals("left"u8) ? ServerObjectType.Left
            : reader.ValueTextEquals("history"u8) ? ServerObjectType.History
            : reader.ValueTextEquals("pong"u8) ? ServerObjectType.Pong
            : reader.ValueTextEquals("error"u8) ? ServerObjectType.Error
            : reader.ValueTextEquals("welcome"u8) ? ServerObjectType.Welcome
            : ServerObjectType.Unknown;
    }

    private static MessageRef ReadRef(ref Utf8JsonReader reader) => reader.TokenType switch
    {
        JsonTokenType.Number => MessageRef.FromNumber(reader.GetInt64()),
        JsonTokenType.String => MessageRef.FromString(reader.GetString()!),
        JsonTokenType.Null => default,
        _ => throw new FormatException("'ref' must be a string or an integer"),
    };

    private static List<string> ReadNames(ref Utf8JsonReader reader)
    {
        Expect(ref reader, JsonTokenType.StartArray);
        var names = new List<string>();
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            names.Add(NameTable.Read(ref reader));
        }

        return names;
    }

    private static List<ReceivedMessage> ReadMessages(ref Utf8JsonReader reader)
    {
        Expect(ref reader, JsonTokenType.StartArray);
        var messages = new List<ReceivedMessage>();
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            var item = default(ServerObject);
            if (!ReadObject(ref reader, ref item) || !IsCompleteMessage(in item))
            {
                throw new FormatException("a history entry is not a message");
            }

            messages.Add(item.ToMessage());
        }

        return messages;
    }

    private static List<KeyValuePair<string, RoomPosition>> ReadRooms(ref Utf8JsonReader reader)
    {
        Expect(ref reader, JsonTokenType.StartArray);
        var rooms = new List<KeyValuePair<string, RoomPosition>>();
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            var item = default(ServerObject);
            if (!ReadObject(ref reader, ref item) || item.Room is null || item.Epoch is null)
            {
                throw new FormatException("a welcome room needs 'room' and 'epoch'");
            }

            rooms.Add(new(item.Room, new RoomPosition(item.Seq, item.Epoch)));
        }

        return rooms;
    }

    private static ProtocolLimits ReadLimits(ref Utf8JsonReader reader)
    {
        Expect(ref reader, JsonTokenType.StartObject);
        var limits = new ProtocolLimits();
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("maxMessageBytes"u8)) { reader.Read(); limits = limits with { MaxMessageBytes = reader.GetInt32() }; }
            else if (reader.ValueTextEquals("maxFrameBytes"u8)) { reader.Read(); limits = limits with { MaxFrameBytes = reader.GetInt32() }; }
            else if (reader.ValueTextEquals("messagesPerSecond"u8)) { reader.Read(); limits = limits with { MessagesPerSecond = reader.GetInt32() }; }
            else if (reader.ValueTextEquals("burst"u8)) { reader.Read(); limits = limits with { Burst = reader.GetInt32() }; }
            else if (reader.ValueTextEquals("maxRooms"u8)) { reader.Read(); limits = limits with { MaxRooms = reader.GetInt32() }; }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        return limits;
    }

    private static void Expect(ref Utf8JsonReader reader, JsonTokenType type)
    {
        if (reader.TokenType != type)
        {
            throw new FormatException($"expected {type}");
        }
    }
}
