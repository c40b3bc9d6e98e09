using System.Buffers.Text;
using System.Text.Json;

namespace ScaleChat.LoadTest.Clients;

/// <summary>
/// Reads only what the generator measures from a server object with <see cref="Utf8JsonReader"/>:
/// its type, the message number in its text (the text starts with <c>#k#</c>) and an error's code.
/// Version-1 messages and legacy objects both carry the text in <c>text</c>; legacy objects have no
/// <c>type</c> and are messages.
/// </summary>
internal static class LoadObjectReader
{
    public static bool TryRead(ReadOnlySpan<byte> json, bool legacy, out LoadObject result)
    {
        if (TryReadMessageFast(json, legacy, out result))
        {
            return true;
        }

        result = new LoadObject { Kind = legacy ? ServerObjectKind.Message : ServerObjectKind.Other, MessageIndex = -1 };
        var reader = new Utf8JsonReader(json);
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return false;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("type"u8))
                {
                    reader.Read();
                    result.Kind = reader.ValueTextEquals("message"u8) ? ServerObjectKind.Message
                        : reader.ValueTextEquals("ack"u8) ? ServerObjectKind.Ack
                        : reader.ValueTextEquals("error"u8) ? ServerObjectKind.Error
                        : reader.ValueTextEquals("welcome"u8) ? ServerObjectKind.Welcome
                        : ServerObjectKind.Other;
                }
                else if (reader.ValueTextEquals("text"u8))
                {
                    reader.Read();
                    result.MessageIndex = reader.TokenType == JsonTokenType.String && !reader.ValueIsEscaped ? ParseIndex(reader.ValueSpan) : -1;
                }
                else if (reader.ValueTextEquals("code"u8))
                {
                    reader.Read();
                    result.Code = reader.TokenType == JsonTokenType.String ? reader.ValueSpan : default;
                }
                else
                {
                    reader.Read();
                    reader.Skip();
                }
            }

            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    /// <summary>
    /// Most objects are messages, written compactly with <c>type</c> first (legacy objects have no
    /// nesting at all), so their key <c>"text":"#</c> can be found without a full parse: a quote
    /// inside a string is always escaped, so those bytes cannot come from inside a value. This
    /// takes a tenth of the time of the reader; anything else goes the long way.
    /// </summary>
    private static bool TryReadMessageFast(ReadOnlySpan<byte> json, bool legacy, out LoadObject result)
    {
        result = default;
        if (!legacy && !json.StartsWith("{\"type\":\"message\","u8))
        {
            return false;
        }

        var at = json.IndexOf("\"text\":\"#"u8);
        var k = at < 0 ? -1 : ParseIndex(json[(at + 8)..]);
        result = new LoadObject { Kind = ServerObjectKind.Message, MessageIndex = k };
        return k >= 0;
    }

    /// <summary>The number in a text of the form <c>#k#...</c>, or -1.</summary>
    public static long ParseIndex(ReadOnlySpan<byte> text)
    {
        if (text.Length < 3 || text[0] != (byte)'#')
        {
            return -1;
        }

        return Utf8Parser.TryParse(text[1..], out long k, out var consumed) && consumed + 1 < text.Length && text[consumed + 1] == (byte)'#' && k >= 0 ? k : -1;
    }
}
