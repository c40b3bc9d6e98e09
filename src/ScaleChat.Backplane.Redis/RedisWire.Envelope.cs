using System.Buffers;
using System.Text.Json;
using ScaleChat.Protocol;

namespace ScaleChat.Backplane.Redis;

/// <summary>
/// An <see cref="Envelope"/> as the nodes exchange it through Redis (and as history keeps it): compact
/// JSON without the seq, which the publish script assigns and carries beside it, and without the
/// origin's local receive time, which means nothing on another node.
/// </summary>
internal static partial class RedisWire
{
    public static byte[] Encode(Envelope envelope)
    {
        var message = envelope.Message;
        var buffer = new ArrayBufferWriter<byte>(256 + (message.Text.Length * 3));
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            WriteIfSet(json, "r", message.Room);
            WriteIfSet(json, "t", message.To);
            json.WriteString("f", message.From);
            json.WriteString("x", message.Text);
            json.WriteString("i", message.Id);
            json.WriteNumber("ts", message.Timestamp);
            if (message.Legacy)
            {
                json.WriteBoolean("l", true);
            }

            WriteIfSet(json, "em", message.Echo?.MessageIdJson);
            WriteIfSet(json, "es", message.Echo?.SentAtJson);
            if (message.Echo is not null)
            {
                json.WriteBoolean("e", true);
            }

            json.WriteString("n", envelope.OriginNode);
            json.WriteNumber("c", envelope.OriginConnection);
            json.WriteNumber("a", envelope.AcceptedAt);
            if (envelope.Ref.IsNumber)
            {
                json.WriteNumber("rn", envelope.Ref.Number);
            }
            else if (envelope.Ref.Text is { } text)
            {
                json.WriteString("rs", text);
            }

            json.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    public static Envelope Decode(ReadOnlySpan<byte> utf8, long seq)
    {
        var reader = new Utf8JsonReader(utf8);
        string? room = null, to = null, from = null, text = null, id = null, node = null, echoId = null, echoAt = null;
        long timestamp = 0, connection = 0, accepted = 0;
        bool legacy = false, echo = false;
        MessageRef @ref = default;
        reader.Read();
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var name = reader.GetString();
            reader.Read();
            switch (name)
            {
                case "r": room = reader.GetString(); break;
                case "t": to = reader.GetString(); break;
                case "f": from = reader.GetString(); break;
                case "x": text = reader.GetString(); break;
                case "i": id = reader.GetString(); break;
                case "ts": timestamp = reader.GetInt64(); break;
                case "l": legacy = reader.GetBoolean(); break;
                case "em": echoId = reader.GetString(); break;
                case "es": echoAt = reader.GetString(); break;
                case "e": echo = reader.GetBoolean(); break;
                case "n": node = reader.GetString(); break;
                case "c": connection = reader.GetInt64(); break;
                case "a": accepted = reader.GetInt64(); break;
                case "rn": @ref = MessageRef.FromNumber(reader.GetInt64()); break;
                case "rs": @ref = MessageRef.FromString(reader.GetString()!); break;
                default: reader.Skip(); break;
            }
        }

        return new Envelope
        {
            Message = new ChatMessage
            {
                Room = room,
                To = to,
                From = from ?? throw new JsonException("message without a sender"),
                Text = text ?? throw new JsonException("message without text"),
                Id = id ?? throw new JsonException("message without an id"),
                Seq = seq,
                Timestamp = timestamp,
                Legacy = legacy,
                Echo = echo ? new LegacyEcho(echoId, echoAt) : null,
            },
            OriginNode = node ?? "",
            OriginConnection = connection,
            AcceptedAt = accepted,
            Ref = @ref,
        };
    }

    private static void WriteIfSet(Utf8JsonWriter json, string name, string? value)
    {
        if (value is not null)
        {
            json.WriteString(name, value);
        }
    }
}
