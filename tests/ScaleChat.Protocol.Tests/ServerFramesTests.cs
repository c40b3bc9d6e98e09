using System.Text;
using System.Text.Json;
using ScaleChat.Protocol.Frames;

namespace ScaleChat.Protocol.Tests;

/// <summary>
/// What the server writes reads back as section 4 describes it: one compact object, no raw newline
/// inside (so that objects can be batched one per line), every value as it was given.
/// </summary>
public sealed class ServerFramesTests
{
    private static readonly ChatMessage Room = new()
    {
        Room = "dev",
        From = "alice",
        Text = "line one\nline \"two\" \\ héllo ✓ 🎉 \u0001 </script>",
        Seq = 42,
        Id = "9c1f03ab52-1f",
        Timestamp = 1_767_261_600_000,
    };

    private static JsonElement Read(byte[] frame)
    {
        Assert.DoesNotContain((byte)'\n', frame);
        return JsonDocument.Parse(frame).RootElement.Clone();
    }

    [Fact]
    public void ARoomMessageReadsBackWithEveryField()
    {
        var json = Read(ServerFrames.Message(Room, MessageRef.FromString("a1")));
        Assert.Equal("message", json.GetProperty("type").GetString());
        Assert.Equal("dev", json.GetProperty("room").GetString());
        Assert.Equal("alice", json.GetProperty("from").GetString());
        Assert.Equal(Room.Text, json.GetProperty("text").GetString());
        Assert.Equal(42, json.GetProperty("seq").GetInt64());
        Assert.Equal("9c1f03ab52-1f", json.GetProperty("id").GetString());
        Assert.Equal(1_767_261_600_000, json.GetProperty("ts").GetInt64());
        Assert.Equal("a1", json.GetProperty("ref").GetString());
        Assert.False(json.TryGetProperty("legacy", out _));
        Assert.False(json.TryGetProperty("to", out _));
    }

    [Fact]
    public void NonAsciiTextStaysUtf8AndOnlyWhatMustBeIsEscaped()
    {
        // Characters beyond the BMP (the emoji) are written as escaped surrogate pairs, which read back the same.
        var text = Encoding.UTF8.GetString(ServerFrames.Message(Room));
        Assert.Contains("héllo ✓", text, StringComparison.Ordinal);
        Assert.Contains("\\n", text, StringComparison.Ordinal);
        Assert.Contains("\\u0001", text, StringComparison.Ordinal);
    }

    [Fact]
    public void APrivateMessageHasToAndNoSeqAndALegacyOneSaysSo()
    {
        var json = Read(ServerFrames.Message(Room with { Room = null, To = "bob", Seq = 0, Legacy = true }));
        Assert.Equal("bob", json.GetProperty("to").GetString());
        Assert.False(json.TryGetProperty("room", out _));
        Assert.False(json.TryGetProperty("seq", out _));
        Assert.False(json.TryGetProperty("ref", out _));
        Assert.True(json.GetProperty("legacy").GetBoolean());
    }

    [Fact]
    public void AnAckEchoesItsRefAndHasASeqOnlyForRoomMessages()
    {
        var room = Read(ServerFrames.Ack(MessageRef.FromNumber(long.MaxValue), "id-1", 7));
        Assert.Equal(long.MaxValue, room.GetProperty("ref").GetInt64());
        Assert.Equal(7, room.GetProperty("seq").GetInt64());
        var @private = Read(ServerFrames.Ack(default, "id-2", 0));
        Assert.False(@private.TryGetProperty("seq", out _));
        Assert.False(@private.TryGetProperty("ref", out _));
        Assert.Equal("id-2", @private.GetProperty("id").GetString());
    }

    [Fact]
    public void AWelcomeCarriesTheLimitsAndTheRoomsPositions()
    {
        var limits = new ProtocolLimits { MaxMessageBytes = 1, MaxFrameBytes = 2, MessagesPerSecond = 3, Burst = 4, MaxRooms = 5 };
        var json = Read(ServerFrames.Welcome("alice", "s-1", "key", "chat-1", limits,
            [KeyValuePair.Create("global", new RoomPosition(0, "c41d07be93aa")), KeyValuePair.Create("dev", new RoomPosition(44, "7f3e"))]));
        Assert.Equal(("alice", "s-1", "key", "chat-1"),
            (json.GetProperty("user").GetString(), json.GetProperty("session").GetString(), json.GetProperty("nameKey").GetString(), json.GetProperty("node").GetString()));
        var l = json.GetProperty("limits");
        Assert.Equal([1, 2, 3, 4, 5], new[] { "maxMessageBytes", "maxFrameBytes", "messagesPerSecond", "burst", "maxRooms" }.Select(n => l.GetProperty(n).GetInt32()));
        var rooms = json.GetProperty("rooms").EnumerateArray().Select(r => (r.GetProperty("room").GetString(), r.GetProperty("seq").GetInt64(), r.GetProperty("epoch").GetString()));
        Assert.Equal([("global", 0L, "c41d07be93aa"), ("dev", 44L, "7f3e")], rooms);
        Assert.False(Read(ServerFrames.Welcome("a", "s", null, "n", limits, [])).TryGetProperty("nameKey", out _));
    }

    [Fact]
    public void JoinedSaysRecoveredOnlyWhenAsked()
    {
        var json = Read(ServerFrames.Joined("dev", new RoomPosition(44, "e1"), recovered: true));
        Assert.Equal((44L, "e1", true), (json.GetProperty("seq").GetInt64(), json.GetProperty("epoch").GetString(), json.GetProperty("recovered").GetBoolean()));
        Assert.False(Read(ServerFrames.Joined("dev", new RoomPosition(0, "e1"), recovered: null)).TryGetProperty("recovered", out _));
        Assert.Equal("dev", Read(ServerFrames.Left("dev")).GetProperty("room").GetString());
    }

    [Fact]
    public void AHistoryAnswerHoldsTheMessagesOldestFirstWithoutRefs()
    {
        var messages = Enumerable.Range(1, 5).Select(i => Room with { Seq = i, Text = $"m{i}" }).ToArray();
        var json = Read(ServerFrames.History("dev", messages));
        var read = json.GetProperty("messages").EnumerateArray().ToArray();
        Assert.Equal([1L, 2, 3, 4, 5], read.Select(m => m.GetProperty("seq").GetInt64()));
        Assert.All(read, m => Assert.Equal("message", m.GetProperty("type").GetString()));
        Assert.All(read, m => Assert.False(m.TryGetProperty("ref", out _)));
        Assert.False(json.TryGetProperty("more", out _));
    }

    [Fact]
    public void AHistoryAnswerThatWouldNotFitKeepsTheNewestAndSaysMore()
    {
        var messages = Enumerable.Range(1, 100).Select(i => Room with { Seq = i }).ToArray();
        var frame = ServerFrames.History("dev", messages, maxBytes: 2000);
        Assert.True(frame.Length <= 2000, $"{frame.Length} bytes");
        var json = Read(frame);
        Assert.True(json.GetProperty("more").GetBoolean());
        var seqs = json.GetProperty("messages").EnumerateArray().Select(m => m.GetProperty("seq").GetInt64()).ToArray();
        Assert.NotEmpty(seqs);
        Assert.Equal(100, seqs[^1]);
        Assert.Equal(Enumerable.Range((int)seqs[0], seqs.Length).Select(s => (long)s), seqs);
    }

    [Fact]
    public void AMembersAnswerThatWouldNotFitIsCutAndSaysMore()
    {
        var names = Enumerable.Range(0, 1000).Select(i => $"user-{i:D4}").ToArray();
        var whole = Read(ServerFrames.Members("dev", names));
        Assert.Equal(names, whole.GetProperty("members").EnumerateArray().Select(m => m.GetString()));
        Assert.False(whole.TryGetProperty("more", out _));
        var frame = ServerFrames.Members("dev", names, maxBytes: 500);
        Assert.True(frame.Length <= 500, $"{frame.Length} bytes");
        var cut = Read(frame);
        Assert.True(cut.GetProperty("more").GetBoolean());
        Assert.Equal(names.Take(cut.GetProperty("members").GetArrayLength()), cut.GetProperty("members").EnumerateArray().Select(m => m.GetString()));
    }

    [Fact]
    public void PresenceEventsPongsErrorsAndAuthedReadBack()
    {
        var presence = Read(ServerFrames.PresenceEvent("dev", "bob", joined: false));
        Assert.Equal(("presence", "leave", "bob"), (presence.GetProperty("type").GetString(), presence.GetProperty("event").GetString(), presence.GetProperty("user").GetString()));
        Assert.False(Read(ServerFrames.Pong(default)).TryGetProperty("ref", out _));
        Assert.Equal(17, Read(ServerFrames.Pong(MessageRef.FromNumber(17))).GetProperty("ref").GetInt64());
        var error = Read(ServerFrames.Error(new FrameError(ErrorCodes.NotJoined, "not in room 'ops'", MessageRef.FromString("b7"))));
        Assert.Equal(("not_joined", "not in room 'ops'", "b7"), (error.GetProperty("code").GetString(), error.GetProperty("message").GetString(), error.GetProperty("ref").GetString()));
        var authed = Read(ServerFrames.Authed(1_798_761_600, MessageRef.FromNumber(5)));
        Assert.Equal((1_798_761_600L, 5L), (authed.GetProperty("exp").GetInt64(), authed.GetProperty("ref").GetInt64()));
    }

    [Fact]
    public void ALegacyFrameEchoesTheSendersValuesOrFillsThemFromTheServer()
    {
        var echoed = Read(ServerFrames.Legacy(Room with { Legacy = true, Echo = new LegacyEcho("7", "\"2022-02-08T10:00:00Z\"") }));
        Assert.Equal(7, echoed.GetProperty("message_id").GetInt64());
        Assert.Equal("2022-02-08T10:00:00Z", echoed.GetProperty("sent_at").GetString());
        Assert.Equal(("alice", "alice", Room.Text, Room.Text, "dev"),
            (echoed.GetProperty("sender").GetString(), echoed.GetProperty("clientId").GetString(), echoed.GetProperty("text").GetString(),
                echoed.GetProperty("message").GetString(), echoed.GetProperty("room").GetString()));
        var filled = Read(ServerFrames.Legacy(Room));
        Assert.Equal(42, filled.GetProperty("message_id").GetInt64());
        Assert.Equal("2026-01-01T10:00:00.000Z", filled.GetProperty("sent_at").GetString());
        Assert.False(filled.TryGetProperty("type", out _));
    }

    [Fact]
    public void AnEchoReadByTheLegacyParserIsWrittenBackAsTheSameValue()
    {
        Assert.Equal(LegacyParseResult.Chat, Parse.Legacy("""{"message_id":"m-\"1\"","sent_at":1644314400,"text":"hi","sender":"alice"}""", out var frame));
        var json = Read(ServerFrames.Legacy(Room with { Echo = frame!.Echo }));
        Assert.Equal("m-\"1\"", json.GetProperty("message_id").GetString());
        Assert.Equal(1_644_314_400, json.GetProperty("sent_at").GetInt64());
    }

    [Fact]
    public void AnObjectWrittenWithFrameWriterParsesBackAsTheCommand()
    {
        var w = FrameWriter.Begin("send"u8);
        w.WriteString("room"u8, "dev");
        w.WriteString("text"u8, Room.Text);
        MessageRef.FromString("r-1").WriteTo(w);
        var command = Parse.Command(Encoding.UTF8.GetString(FrameWriter.End()));
        Assert.Equal((ClientCommandType.Send, "dev", Room.Text, MessageRef.FromString("r-1")), (command.Type, command.Room, command.Text, command.Ref));
    }

    [Fact]
    public void AFrameAfterAVeryLargeOneIsWrittenWhole()
    {
        var big = Room with { Text = new string('x', 300_000) };
        Assert.Equal(big.Text, Read(ServerFrames.Message(big)).GetProperty("text").GetString());
        var small = Read(ServerFrames.Pong(MessageRef.FromNumber(1)));
        Assert.Equal(("pong", 1L), (small.GetProperty("type").GetString(), small.GetProperty("ref").GetInt64()));
    }
}
