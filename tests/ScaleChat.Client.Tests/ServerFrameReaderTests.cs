using System.Text;
using ScaleChat.Client.Wire;
using ScaleChat.Protocol.Frames;

namespace ScaleChat.Client.Tests;

public class ServerFrameReaderTests
{
    private static List<string> Split(string frame)
    {
        var span = (ReadOnlySpan<byte>)Encoding.UTF8.GetBytes(frame);
        var objects = new List<string>();
        while (ObjectSocket.TryTakeNext(ref span, out var json))
        {
            objects.Add(Encoding.UTF8.GetString(json));
        }

        return objects;
    }

    private static ServerObject Parse(string json)
    {
        Assert.True(ServerFrameReader.TryParse(Encoding.UTF8.GetBytes(json), out var o), json);
        return o;
    }

    [Fact]
    public void AFrameOfSeveralObjectsIsSplitOnNewlines()
    {
        Assert.Equal(["{\"a\":1}", "{\"b\":2}", "{\"c\":3}"], Split("{\"a\":1}\n{\"b\":2}\r\n\n{\"c\":3}\n"));
    }

    [Fact]
    public void AFrameOfOneObjectIsThatObject()
    {
        Assert.Equal(["{\"type\":\"pong\"}"], Split("{\"type\":\"pong\"}"));
        Assert.Empty(Split("\n\n"));
    }

    [Fact]
    public void AMessageIsReadWithEveryField()
    {
        var o = Parse("""{"type":"message","room":"dev","from":"alice","text":"hi \"there\"\n","seq":42,"id":"m-1","ts":1700000000123,"ref":7,"legacy":true,"extra":{"x":[1,2]}}""");
        Assert.Equal(ServerObjectType.Message, o.Type);
        var m = o.ToMessage();
        Assert.Equal(("dev", "alice", "hi \"there\"\n", 42L, "m-1", 1700000000123L, 7L, true), (m.Room, m.From, m.Text, m.Seq, m.Id, m.TimestampMs, m.Ref.Number, m.Legacy));
        Assert.False(m.IsPrivate);
    }

    [Fact]
    public void FieldsMayComeBeforeTheType()
    {
        var o = Parse("""{"to":"bob","from":"alice","text":"psst","id":"p1","ts":1,"type":"message"}""");
        Assert.Equal((ServerObjectType.Message, "bob", true), (o.Type, o.To, o.ToMessage().IsPrivate));
    }

    [Fact]
    public void AWelcomeCarriesLimitsAndRooms()
    {
        var o = Parse("""{"type":"welcome","user":"alice","session":"s1","node":"n1","limits":{"maxMessageBytes":100,"maxFrameBytes":2048,"messagesPerSecond":5,"burst":9,"maxRooms":3},"rooms":[{"room":"global","seq":12,"epoch":"e1"},{"room":"dev","seq":0,"epoch":"e2"}]}""");
        Assert.Equal(("alice", "s1", "n1"), (o.User, o.Session, o.Node));
        Assert.Equal((100, 2048, 5, 9, 3), (o.Limits!.MaxMessageBytes, o.Limits.MaxFrameBytes, o.Limits.MessagesPerSecond, o.Limits.Burst, o.Limits.MaxRooms));
        Assert.Equal(2, o.Rooms!.Count);
        Assert.Equal(("global", 12L, "e1"), (o.Rooms[0].Key, o.Rooms[0].Value.Seq, o.Rooms[0].Value.Epoch));
    }

    [Fact]
    public void AnOpenModeWelcomeCarriesTheNameKey()
    {
        var o = Parse("""{"type":"welcome","user":"alice","session":"s1","nameKey":"Zm9vYmFyYmF6cXV4cXV1eA","node":"n1","rooms":[]}""");
        Assert.Equal(("alice", "Zm9vYmFyYmF6cXV4cXV1eA"), (o.User, o.NameKey));
        Assert.Null(Parse("""{"type":"welcome","user":"alice"}""").NameKey);
    }

    [Fact]
    public void AnAuthedCarriesTheNewExpiryAndItsRef()
    {
        var o = Parse("""{"type":"authed","exp":1900000000,"ref":12}""");
        Assert.Equal((ServerObjectType.Authed, 1_900_000_000L, 12L), (o.Type, o.Exp, o.Ref.Number));
    }

    [Fact]
    public void AHistoryAnswerCarriesItsMessagesInOrder()
    {
        var o = Parse("""{"type":"history","room":"dev","messages":[{"type":"message","room":"dev","from":"a","text":"1","seq":1,"id":"x1","ts":5},{"type":"message","room":"dev","from":"b","text":"2","seq":2,"id":"x2","ts":6}]}""");
        Assert.Equal([1L, 2L], o.Messages!.Select(m => m.Seq));
    }

    [Fact]
    public void PresenceIsEitherAnEventOrAMemberList()
    {
        var joined = Parse("""{"type":"presence","room":"dev","event":"join","user":"bob"}""");
        var members = Parse("""{"type":"presence","room":"dev","members":["a","b"]}""");
        Assert.Equal((true, "bob"), (joined.PresenceJoined, joined.User));
        Assert.Equal(["a", "b"], members.Members!);
    }

    [Fact]
    public void AnErrorKeepsItsCodeMessageAndRef()
    {
        var o = Parse("""{"type":"error","code":"not_joined","message":"join first","ref":"r-9"}""");
        Assert.Equal(("not_joined", "join first", "r-9"), (o.Code, o.ErrorMessage, o.Ref.Text));
    }

    [Fact]
    public void AnUnknownTypeIsReadAsUnknown()
    {
        Assert.Equal(ServerObjectType.Unknown, Parse("""{"type":"telemetry","x":1}""").Type);
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("[1,2]")]
    [InlineData("{\"type\":\"message\",\"room\":\"dev\"")]
    [InlineData("{\"type\":\"message\",\"room\":\"dev\",\"from\":\"a\",\"text\":\"no id\"}")]
    [InlineData("{\"type\":\"ack\",\"ref\":1}")]
    [InlineData("{\"type\":\"message\",\"room\":\"dev\",\"from\":\"a\",\"text\":\"t\",\"id\":\"i\",\"seq\":\"NaN\"}")]
    [InlineData("{\"type\":7}")]
    [InlineData("{\"type\":\"authed\",\"ref\":1}")]
    [InlineData("{\"type\":\"authed\",\"exp\":\"soon\",\"ref\":1}")]
    [InlineData("{\"type\":\"welcome\",\"user\":\"a\",\"nameKey\":5}")]
    [InlineData("{\"a\":1} {\"b\":2}")]
    public void MalformedOrIncompleteObjectsAreRejectedWithoutThrowing(string json)
    {
        Assert.False(ServerFrameReader.TryParse(Encoding.UTF8.GetBytes(json), out _));
    }

    [Fact]
    public void RoomAndSenderNamesAreSharedBetweenMessages()
    {
        var json = """{"type":"message","room":"shared-room","from":"shared-user","text":"t","seq":1,"id":"1","ts":1}""";
        var first = Parse(json);
        var second = Parse(json);
        Assert.Same(first.Room, second.Room);
        Assert.Same(first.From, second.From);
        Assert.NotSame(first.Text, second.Text);
    }
}
