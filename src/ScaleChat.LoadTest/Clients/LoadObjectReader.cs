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
