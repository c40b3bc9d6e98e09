using ScaleChat.Client.Wire;
using ScaleChat.Protocol;
using ScaleChat.Protocol.Frames;

namespace ScaleChat.Client.Tests;

/// <summary>Every object the client writes is read back by the server's own parser.</summary>
public class ClientFramesTests
{
    private static ClientCommand ReadAsServer(byte[] json)
    {
        Assert.DoesNotContain((byte)'\n', json);
        Assert.True(ClientFrameParser.TryParse(json, new ProtocolLimits(), out var command, out var error), error.Message);
        return command;
    }

    [Fact]
    public void HelloCarriesNameTokenAndPresence()
    {
        var c = ReadAsServer(ClientFrames.Hello("alice", nameKey: null, "tok", presence: true));
        Assert.Equal((ClientCommandType.Hello, "alice", "tok", true), (c.Type, c.Name, c.Token, c.Presence));
    }

    [Fact]
    public void AResumingJoinCarriesItsPosition()
    {
        var c = ReadAsServer(ClientFrames.Join("dev", new RoomPosition(41, "e7"), presence: false, 3));
        Assert.Equal((ClientCommandType.Join, "dev", true, 41L, "e7", 3L), (c.Type, c.Room, c.HasAfter, c.AfterSeq, c.AfterEpoch, c.Ref.Number));
    }

    [Fact]
    public void ASendToARoomOrAUserCarriesTextWithNewlinesEscaped()
    {
        var room = ReadAsServer(ClientFrames.Send("dev", null, "line1\nline2 é", 9));
        var user = ReadAsServer(ClientFrames.Send(null, "bob", "hi", 10));
        Assert.Equal(("dev", (string?)null, "line1\nline2 é", 9L), (room.Room, room.To, room.Text, room.Ref.Number));
        Assert.Equal(((string?)null, "bob"), (user.Room, user.To));
    }

    [Fact]
    public void HistoryWhoLeaveAndPingAreWellFormed()
    {
        var history = ReadAsServer(ClientFrames.History("dev", 100, 20, 1));
        Assert.Equal((ClientCommandType.History, 100L, 20), (history.Type, history.Before, history.Limit));
        Assert.Equal(ClientCommandType.Who, ReadAsServer(ClientFrames.Who("dev", 2)).Type);
        Assert.Equal(ClientCommandType.Leave, ReadAsServer(ClientFrames.Leave("dev", 3)).Type);
        Assert.Equal(4L, ReadAsServer(ClientFrames.Ping(4)).Ref.Number);
    }

    [Fact]
    public void BatchedObjectsAreCutIntoFramesBetweenObjects()
    {
        var objects = "{\"a\":1}\n{\"b\":22}\n{\"c\":333}\n"u8.ToArray();
        Assert.Equal("{\"a\":1}\n{\"b\":22}\n{\"c\":333}".Length, ObjectSocket.FrameEnd(objects, 65536));
        Assert.Equal("{\"a\":1}\n{\"b\":22}".Length, ObjectSocket.FrameEnd(objects, 20));
        Assert.Equal("{\"a\":1}".Length, ObjectSocket.FrameEnd(objects, 3));
    }
}
