using System.Globalization;
using System.Text;
using System.Text.Json;

namespace ScaleChat.Protocol.Frames;

/// <summary>A chat frame from a legacy scale-chat client, of either shape.</summary>
/// <param name="Sender">The self-declared sender (<c>sender</c> or <c>clientId</c>).</param>
/// <param name="Text">The text (<c>text</c> or <c>message</c>).</param>
/// <param name="Echo">What the later shape sent and expects echoed, or null for the original shape.</param>
public sealed record LegacyFrame(string Sender, string Text, LegacyEcho? Echo);

/// <summary>What <see cref="LegacyFrameParser.TryParse"/> found.</summary>
public enum LegacyParseResult
{
    /// <summary>A chat frame within the rules.</summary>
    Chat,
    /// <summary>Not a chat frame, or one that breaks a rule: dropped and counted (legacy clients get no errors).</summary>
    Invalid,
    /// <summary>A chat frame whose text is over <see cref="ProtocolLimits.MaxMessageBytes"/>: the connection is closed with 1009.</summary>
    TooLarge,
}

/// <summary>
/// Reads the two frame shapes of the legacy scale-chat format: the original
/// <c>{"clientId", "message"}</c> (keys matched case-insensitively) and the later
/// <c>{"message_id", "text", "sender", "sent_at", "room"}</c>. The same rules as version 1 hold:
/// the sender is a valid name, and <c>message_id</c> and <c>sent_at</c> are an integer or a short
/// string without control characters, so that what is echoed to every client is bounded.
/// </summary>
public static class LegacyFrameParser
{
    /// <summary>Longest <c>message_id</c> or <c>sent_at</c> string, in characters.</summary>
    public const int MaxEchoLength = 64;

    /// <summary>Parses one legacy frame.</summary>
    public static LegacyParseResult TryParse(ReadOnlySpan<byte> json, ProtocolLimits limits, out LegacyFrame? frame)
    {
        ArgumentNullException.ThrowIfNull(limits);
        frame = null;
        string? clientId = null, message = null, text = null, sender = null, messageId = null, sentAt = null;
        var echoValid = true;
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = 16 });
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return LegacyParseResult.Invalid;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var name = reader.GetString()?.ToLowerInvariant();
                reader.Read();
                if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray)
                {
                    // An echo is an integer or a short string; an object or array there breaks that rule too.
                    echoValid &= name is not ("message_id" or "sent_at");
                    reader.Skip();
                    continue;
                }

                var isString = reader.TokenType == JsonTokenType.String;
                switch (name)
                {
                    case "clientid" when isString: clientId = reader.GetString(); break;
                    case "message" when isString: message = reader.GetString(); break;
                    case "text" when isString: text = reader.GetString(); break;
                    case "sender" when isString: sender = reader.GetString(); break;
                    case "message_id": echoValid &= TryReadEcho(ref reader, out messageId); break;
                    case "sent_at": echoValid &= TryReadEcho(ref reader, out sentAt); break;
                }
            }

            if (reader.Read())
            {
                return LegacyParseResult.Invalid;
            }
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            // Malformed JSON, or a lone surrogate escape that has no string form.
            return LegacyParseResult.Invalid;
        }

        frame = text is not null && sender is not null
            ? new LegacyFrame(sender, text, new LegacyEcho(messageId, sentAt))
            : message is not null && clientId is not null
                ? new LegacyFrame(clientId, message, null)
                : null;

        if (frame is null || !echoValid || !Names.IsValid(frame.Sender))
        {
            frame = null;
            return LegacyParseResult.Invalid;
        }

        return frame.Text.Length > limits.MaxMessageBytes || Encoding.UTF8.GetByteCount(frame.Text) > limits.MaxMessageBytes
            ? LegacyParseResult.TooLarge
            : LegacyParseResult.Chat;
    }

    /// <summary>An integer, or a string of at most <see cref="MaxEchoLength"/> characters with no control characters, as JSON.</summary>
    private static bool TryReadEcho(ref Utf8JsonReader reader, out string? json)
    {
        json = null;
        switch (reader.TokenType)
        {
            case JsonTokenType.Null:
                return true;
            case JsonTokenType.Number when reader.TryGetInt64(out var number):
                json = number.ToString(CultureInfo.InvariantCulture);
                return true;
            case JsonTokenType.String:
                var value = reader.GetString()!;
                if (value.Length > MaxEchoLength || value.AsSpan().ContainsAnyInRange('\0', '\x1f') || value.Contains('\x7f', StringComparison.Ordinal))
                {
                    return false;
                }

                json = "\"" + JsonEncodedText.Encode(value).Value + "\"";
                return true;
            default:
                return false;
        }
    }
}
