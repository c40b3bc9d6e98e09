using System.Text;
using System.Text.Json;

namespace ScaleChat.Protocol.Frames;

/// <summary>
/// Reads one version-1 object from UTF-8 JSON and checks its shape. Written on
/// <see cref="Utf8JsonReader"/> so that every wrong field gets its own clear message and the
/// hot path allocates only the strings it keeps.
/// </summary>
public static class ClientFrameParser
{
    /// <summary>Default and largest <c>history.limit</c>.</summary>
    public const int DefaultHistoryLimit = 50, MaxHistoryLimit = 500;

    /// <summary>The longest <c>token</c> accepted (a JWT with a long <c>rooms</c> claim fits easily).</summary>
    public const int MaxTokenLength = 8192;

    /// <summary>The longest <c>nameKey</c> accepted (the server's are 22 characters).</summary>
    public const int MaxNameKeyLength = 64;

    [Flags]
    private enum Field
    {
        None = 0,
        Name = 1, Token = 2, Presence = 4, Room = 8, To = 16, Text = 32, After = 64, Before = 128, Limit = 256, NameKey = 512,
    }

    /// <summary>Parses and validates one object.</summary>
    /// <returns>True with <paramref name="command"/> set, or false with <paramref name="error"/> set.</returns>
    public static bool TryParse(ReadOnlySpan<byte> json, ProtocolLimits limits, out ClientCommand command, out FrameError error)
    {
        ArgumentNullException.ThrowIfNull(limits);
        command = default;
        error = default;
        string? type = null;
        var present = Field.None;
        var wrong = Field.None;
        var refValid = true;
        long before = 0, limit = DefaultHistoryLimit;

        var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = 16 });
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                error = new FrameError(ErrorCodes.BadRequest, "expected a JSON object", default);
                return false;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("type"u8))
                {
                    reader.Read();
                    type = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
                    if (type is null)
                    {
                        error = new FrameError(ErrorCodes.BadRequest, "'type' must be a string", default);
                        reader.Skip();
                    }
                }
                else if (reader.ValueTextEquals("ref"u8))
                {
                    reader.Read();
                    refValid = TryReadRef(ref reader, out command.Ref);
                }
                else if (reader.ValueTextEquals("name"u8)) ReadString(ref reader, Field.Name, ref command.Name, ref present, ref wrong);
                else if (reader.ValueTextEquals("token"u8)) ReadString(ref reader, Field.Token, ref command.Token, ref present, ref wrong);
                else if (reader.ValueTextEquals("nameKey"u8)) ReadString(ref reader, Field.NameKey, ref command.NameKey, ref present, ref wrong);
                else if (reader.ValueTextEquals("room"u8)) ReadString(ref reader, Field.Room, ref command.Room, ref present, ref wrong);
                else if (reader.ValueTextEquals("to"u8)) ReadString(ref reader, Field.To, ref command.To, ref present, ref wrong);
                else if (reader.ValueTextEquals("text"u8)) ReadString(ref reader, Field.Text, ref command.Text, ref present, ref wrong);
                else if (reader.ValueTextEquals("presence"u8))
                {
                    reader.Read();
                    if (reader.TokenType is JsonTokenType.True or JsonTokenType.False)
                    {
                        command.Presence = reader.GetBoolean();
                        present |= Field.Presence;
                    }
                    else if (reader.TokenType != JsonTokenType.Null)
                    {
                        wrong |= Field.Presence;
                        reader.Skip();
                    }
                }
                else if (reader.ValueTextEquals("after"u8))
                {
                    reader.Read();
                    if (reader.TokenType == JsonTokenType.Null)
                    {
                        continue;
                    }

                    present |= Field.After;
                    if (!TryReadAfter(ref reader, out command.AfterSeq, out command.AfterEpoch))
                    {
                        wrong |= Field.After;
                    }
                }
                else if (reader.ValueTextEquals("before"u8)) ReadInteger(ref reader, Field.Before, ref before, ref present, ref wrong);
                else if (reader.ValueTextEquals("limit"u8)) ReadInteger(ref reader, Field.Limit, ref limit, ref present, ref wrong);
                else
                {
                    reader.Read();
                    reader.Skip();
                }
            }

            if (reader.Read())
            {
                error = new FrameError(ErrorCodes.BadRequest, "one JSON object per line", default);
                return false;
            }
        }
        catch (JsonException)
        {
            error = new FrameError(ErrorCodes.BadRequest, "malformed JSON", refValid ? command.Ref : default);
            return false;
        }
        catch (InvalidOperationException)
        {
            // The reader refuses to turn a lone surrogate escape ("\ud800") into a string.
            error = new FrameError(ErrorCodes.BadRequest, "malformed JSON: a string holds an unpaired surrogate escape", refValid ? command.Ref : default);
            return false;
        }

        // Known as early as possible, so that a bad hello can be told from a non-hello.
        command.Type = type switch
        {
            "hello" => ClientCommandType.Hello,
            "join" => ClientCommandType.Join,
            "leave" => ClientCommandType.Leave,
            "send" => ClientCommandType.Send,
            "history" => ClientCommandType.History,
            "who" => ClientCommandType.Who,
            "ping" => ClientCommandType.Ping,
            "auth" => ClientCommandType.Auth,
            _ => ClientCommandType.Unknown,
        };

        if (!refValid)
        {
            error = new FrameError(ErrorCodes.BadRequest, "'ref' must be a string of at most 64 characters or an integer", default);
            return false;
        }

        var @ref = command.Ref;
        if (error.Code is not null)
        {
            error = error with { Ref = @ref };
            return false;
        }

        if (type is null)
        {
            error = new FrameError(ErrorCodes.BadRequest, "missing 'type'", @ref);
            return false;
        }

        if (command.Type == ClientCommandType.Unknown)
        {
            error = new FrameError(ErrorCodes.UnknownType, $"unknown type '{Truncate(type)}'", @ref);
            return false;
        }

        var message = command.Type switch
        {
            ClientCommandType.Hello => CheckHello(ref command, present, wrong),
            ClientCommandType.Join => CheckRoom(command.Room, present, wrong, Field.Presence | Field.After),
            ClientCommandType.Send => CheckSend(ref command, present, wrong),
            ClientCommandType.History => CheckHistory(ref command, present, wrong, before, limit),
            ClientCommandType.Ping => null,
            ClientCommandType.Auth => CheckAuth(present, wrong, command.Token),
            _ => CheckRoom(command.Room, present, wrong, Field.None),
        };

        if (message is not null)
        {
            error = new FrameError(ErrorCodes.BadRequest, message, @ref);
            return false;
        }

        if (command.Type == ClientCommandType.Send && IsTooLarge(command.Text!, limits))
        {
            error = new FrameError(ErrorCodes.TooLarge, $"'text' is longer than {limits.MaxMessageBytes} bytes", @ref);
            return false;
        }

        command.HasAfter = (present & Field.After) != 0;
        return true;
    }

    private static string? CheckHello(ref ClientCommand command, Field present, Field wrong)
    {
        const Field fields = Field.Name | Field.Token | Field.NameKey | Field.Presence;
        if ((wrong & fields) != 0)
        {
            return WrongTypeMessage(wrong & fields);
        }

        if (command.Token?.Length > MaxTokenLength)
        {
            return $"'token' is longer than {MaxTokenLength} characters";
        }

        if (command.NameKey?.Length > MaxNameKeyLength)
        {
            return $"'nameKey' is longer than {MaxNameKeyLength} characters";
        }

        // In token mode the name comes from the token (given here or with the upgrade), so whether a
        // missing name is an error is for the server to say.
        return (present & Field.Name) == 0 || Names.IsValid(command.Name) ? null : "'name' must be 1-64 ASCII letters, digits, '-', '_' or '.'";
    }

    private static string? CheckAuth(Field present, Field wrong, string? token)
    {
        if ((wrong & Field.Token) != 0)
        {
            return WrongTypeMessage(Field.Token);
        }

        if ((present & Field.Token) == 0 || token!.Length == 0)
        {
            return "missing 'token'";
        }

        return token.Length > MaxTokenLength ? $"'token' is longer than {MaxTokenLength} characters" : null;
    }

    private static string? CheckRoom(string? room, Field present, Field wrong, Field optional)
    {
        if ((wrong & (Field.Room | optional)) != 0)
        {
            return (wrong & Field.After) != 0
                ? "'after' must be an object {\"seq\": integer >= 0, \"epoch\": string}"
                : WrongTypeMessage(wrong & (Field.Room | optional));
        }

        if ((present & Field.Room) == 0)
        {
            return "missing 'room'";
        }

        return Names.IsValid(room) ? null : "'room' must be 1-64 ASCII letters, digits, '-', '_' or '.'";
    }

    private static string? CheckSend(ref ClientCommand command, Field present, Field wrong)
    {
        if ((wrong & (Field.Room | Field.To | Field.Text)) != 0)
        {
            return WrongTypeMessage(wrong & (Field.Room | Field.To | Field.Text));
        }

        var hasRoom = (present & Field.Room) != 0;
        var hasTo = (present & Field.To) != 0;
        if (hasRoom == hasTo)
        {
            return "'send' needs exactly one of 'room' or 'to'";
        }

        if ((present & Field.Text) == 0)
        {
            return "missing 'text'";
        }

        if (hasRoom ? !Names.IsValid(command.Room) : !Names.IsValid(command.To))
        {
            return hasRoom
                ? "'room' must be 1-64 ASCII letters, digits, '-', '_' or '.'"
                : "'to' must be 1-64 ASCII letters, digits, '-', '_' or '.'";
        }

        return null;
    }

    private static string? CheckHistory(ref ClientCommand command, Field present, Field wrong, long before, long limit)
    {
        if (CheckRoom(command.Room, present, wrong, Field.Before | Field.Limit) is { } message)
        {
            return message;
        }

        if ((present & Field.Before) != 0 && before < 1)
        {
            return "'before' must be a positive integer";
        }

        if (limit < 1)
        {
            return "'limit' must be a positive integer";
        }

        command.Before = (present & Field.Before) != 0 ? before : 0;
        command.Limit = (int)Math.Min(limit, MaxHistoryLimit);
        return null;
    }

    private static bool IsTooLarge(string text, ProtocolLimits limits) =>
        text.Length > limits.MaxMessageBytes || Encoding.UTF8.GetByteCount(text) > limits.MaxMessageBytes;

    private static void ReadString(ref Utf8JsonReader reader, Field field, ref string? value, ref Field present, ref Field wrong)
    {
        reader.Read();
        switch (reader.TokenType)
        {
            case JsonTokenType.String:
                value = reader.GetString();
                present |= field;
                break;
            case JsonTokenType.Null:
                break;
            default:
                wrong |= field;
                reader.Skip();
                break;
        }
    }

    private static void ReadInteger(ref Utf8JsonReader reader, Field field, ref long value, ref Field present, ref Field wrong)
    {
        reader.Read();
        if (reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out value))
        {
            present |= field;
        }
        else if (reader.TokenType != JsonTokenType.Null)
        {
            wrong |= field;
            reader.Skip();
        }
    }

    private static bool TryReadRef(ref Utf8JsonReader reader, out MessageRef value)
    {
        value = default;
        switch (reader.TokenType)
        {
            case JsonTokenType.String:
                var text = reader.GetString()!;
                if (text.Length > MessageRef.MaxLength)
                {
                    return false;
                }

                value = MessageRef.FromString(text);
                return true;
            case JsonTokenType.Number when reader.TryGetInt64(out var number):
                value = MessageRef.FromNumber(number);
                return true;
            case JsonTokenType.Null:
                return true;
            default:
                reader.Skip();
                return false;
        }
    }

    private static bool TryReadAfter(ref Utf8JsonReader reader, out long seq, out string? epoch)
    {
        seq = -1;
        epoch = null;
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            reader.Skip();
            return false;
        }

        var ok = true;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("seq"u8))
            {
                reader.Read();
                ok &= reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out seq) && seq >= 0;
                reader.Skip();
            }
            else if (reader.ValueTextEquals("epoch"u8))
            {
                reader.Read();
                if (reader.TokenType == JsonTokenType.String)
                {
                    epoch = reader.GetString();
                }
                else
                {
                    ok = false;
                    reader.Skip();
                }
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        return ok && seq >= 0 && epoch is not null;
    }

    private static string WrongTypeMessage(Field wrong)
    {
        var field = (Field)((int)wrong & -(int)wrong); // the lowest flag set
        return field switch
        {
            Field.Presence => "'presence' must be true or false",
            Field.Before => "'before' must be an integer",
            Field.Limit => "'limit' must be an integer",
            Field.NameKey => "'nameKey' must be a string",
            _ => $"'{field.ToString().ToLowerInvariant()}' must be a string",
        };
    }

    private static string Truncate(string value) => value.Length <= 64 ? value : value[..64];
}
