using System.Text;
using System.Text.Json;

namespace ScaleChat.Protocol.Frames;

/// <summary>A chat frame from a legacy scale-chat client, of either shape.</summary>
/// <param name="Sender">The self-declared sender (<c>sender</c> or <c>clientId</c>).</param>
/// <param name="Text">The text (<c>text</c> or <c>message</c>).</param>
/// <param name="Echo">What the later shape sent and expects echoed, or null for the original shape.</param>
public sealed record LegacyFrame(string Sender, string Text, LegacyEcho? Echo);

/// <summary>
/// Reads the two frame shapes of the legacy scale-chat format: the original
/// <c>{"clientId", "message"}</c> (keys matched case-insensitively) and the later
/// <c>{"message_id", "text", "sender", "sent_at", "room"}</c>. Anything else is not a chat frame.
/// </summary>
public static class LegacyFrameParser
{
    /// <summary>Parses one legacy frame.</summary>
    /// <returns>False when the frame is neither shape or breaks a limit (legacy clients get no errors).</returns>
    public static bool TryParse(ReadOnlySpan<byte> json, ProtocolLimits limits, out LegacyFrame? frame)
    {
        ArgumentNullException.ThrowIfNull(limits);
        frame = null;
        string? clientId = null, message = null, text = null, sender = null, messageId = null, sentAt = null;
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = 16 });
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return false;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var name = reader.GetString();
                reader.Read();
                if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray)
                {
                    reader.Skip();
                    continue;
                }

                var isString = reader.TokenType == JsonTokenType.String;
                switch (name?.ToLowerInvariant())
                {
                    case "clientid" when isString: clientId = reader.GetString(); break;
                    case "message" when isString: message = reader.GetString(); break;
                    case "text" when isString: text = reader.GetString(); break;
                    case "sender" when isString: sender = reader.GetString(); break;
                    case "message_id": messageId = Raw(json, ref reader); break;
                    case "sent_at": sentAt = Raw(json, ref reader); break;
                }
            }

            if (reader.Read())
            {
                return false;
            }
        }
        catch (JsonException)
        {
            return false;
        }

        frame = text is not null && sender is not null
            ? new LegacyFrame(sender, text, new LegacyEcho(messageId, sentAt))
            : message is not null && clientId is not null
                ? new LegacyFrame(clientId, message, null)
                : null;

        return frame is not null
            && frame.Sender.Length is > 0 and <= Names.MaxLength
            && Encoding.UTF8.GetByteCount(frame.Text) <= limits.MaxMessageBytes;
    }

    private static string Raw(ReadOnlySpan<byte> json, ref Utf8JsonReader reader) =>
        Encoding.UTF8.GetString(json[(int)reader.TokenStartIndex..(int)reader.BytesConsumed]);
}
