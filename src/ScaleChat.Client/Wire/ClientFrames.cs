using System.Text.Json;
using ScaleChat.Protocol;
using ScaleChat.Protocol.Frames;

namespace ScaleChat.Client.Wire;

/// <summary>
/// Encodes the objects a version-1 client sends, each as compact UTF-8 JSON with no newline inside,
/// so that several can be batched into one frame.
/// </summary>
internal static class ClientFrames
{
    public static byte[] Hello(string name, string? nameKey, string? token, bool presence)
    {
        var w = FrameWriter.Begin("hello"u8);
        w.WriteString("name"u8, name);
        if (nameKey is not null)
        {
            w.WriteString("nameKey"u8, nameKey);
        }

        if (token is not null)
        {
            w.WriteString("token"u8, token);
        }

        if (presence)
        {
            w.WriteBoolean("presence"u8, true);
        }

        return FrameWriter.End();
    }

    public static byte[] Join(string room, RoomPosition? after, bool presence, long @ref)
    {
        var w = FrameWriter.Begin("join"u8);
        w.WriteString("room"u8, room);
        if (after is { } position)
        {
            w.WriteStartObject("after"u8);
            w.WriteNumber("seq"u8, position.Seq);
            w.WriteString("epoch"u8, position.Epoch);
            w.WriteEndObject();
        }

        if (presence)
        {
            w.WriteBoolean("presence"u8, true);
        }

        w.WriteNumber("ref"u8, @ref);
        return FrameWriter.End();
    }

    public static byte[] Leave(string room, long @ref) => RoomOnly("leave"u8, room, @ref);

    public static byte[] Who(string room, long @ref) => RoomOnly("who"u8, room, @ref);

    public static byte[] Send(string? room, string? to, string text, long @ref)
    {
        var w = FrameWriter.Begin("send"u8);
        if (room is not null)
        {
            w.WriteString("room"u8, room);
        }
        else
        {
            w.WriteString("to"u8, to);
        }

        w.WriteString("text"u8, text);
        w.WriteNumber("ref"u8, @ref);
        return FrameWriter.End();
    }

    public static byte[] History(string room, long before, int limit, long @ref)
    {
        var w = FrameWriter.Begin("history"u8);
        w.WriteString("room"u8, room);
        if (before > 0)
        {
            w.WriteNumber("before"u8, before);
        }

        w.WriteNumber("limit"u8, limit);
        w.WriteNumber("ref"u8, @ref);
        return FrameWriter.End();
    }

    public static byte[] Ping(long @ref)
    {
        var w = FrameWriter.Begin("ping"u8);
        w.WriteNumber("ref"u8, @ref);
        return FrameWriter.End();
    }

    private static byte[] RoomOnly(ReadOnlySpan<byte> type, string room, long @ref)
    {
        var w = FrameWriter.Begin(type);
        w.WriteString("room"u8, room);
        w.WriteNumber("ref"u8, @ref);
        return FrameWriter.End();
    }
}
