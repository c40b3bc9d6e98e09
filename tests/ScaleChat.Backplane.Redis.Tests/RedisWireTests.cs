using System.Text;
using ScaleChat.Protocol;

namespace ScaleChat.Backplane.Redis.Tests;

/// <summary>What travels on Redis is read back as it was written, whoever wrote it (C# or a script's constants).</summary>
public sealed class RedisWireTests
{
    [Fact]
    public void ARoomMessageFrameGivesItsSeqEpochAndEnvelope()
    {
        var envelope = new Envelope
        {
            Message = new ChatMessage { Room = "dev", From = "alice", Text = "hi\nthere", Id = "x-1", Timestamp = 5 },
            OriginNode = "n1",
            OriginConnection = 9,
            AcceptedAt = 1_700_000_000_000_001,
            Ref = MessageRef.FromString("r"),
        };
        var data = Encoding.UTF8.GetBytes($"{RedisWire.MessageKind}\n42\nabc123\n").Concat(RedisWire.Encode(envelope)).ToArray();

        var frame = RedisWire.ParseRoomChannel(data);

        Assert.Equal(('m', 42L, "abc123"), (frame.Kind, frame.Seq, frame.Epoch));
        Assert.Equal(envelope.WithSeq(42), RedisWire.Decode(data.AsSpan(frame.PayloadOffset), 42));
    }

    [Fact]
    public void PresenceAndMarkerFramesAreReadBack()
    {
        var leave = RedisWire.ParseRoomChannel(Encoding.UTF8.GetBytes($"{RedisWire.PresenceKind}\n{RedisWire.Left}\nbob\nn2\n17"));
        Assert.Equal(('p', false, "bob", "n2", 17L), (leave.Kind, leave.Joined, leave.User, leave.Node, leave.Connection));
        var join = RedisWire.ParseRoomChannel(Encoding.UTF8.GetBytes($"{RedisWire.PresenceKind}\n{RedisWire.Joined}\nbob\nn2\n0"));
        Assert.True(join.Joined);
        Assert.Equal("m-1", RedisWire.ParseRoomChannel(Encoding.UTF8.GetBytes(RedisWire.MarkerFrame("m-1"))).Marker);
        Assert.Equal(("dev", "bob"), RedisWire.ParsePresenceEntry(RedisWire.PresenceEntry("dev", "bob")));
        Assert.Throws<FormatException>(() => RedisWire.ParseRoomChannel("z\n1"u8.ToArray()));
    }
}
