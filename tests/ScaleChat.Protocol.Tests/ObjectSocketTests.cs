using System.Text;
using ScaleChat.Protocol.Frames;

namespace ScaleChat.Protocol.Tests;

/// <summary>Several objects in one frame, one per line (section 1, batching), as clients split and build them.</summary>
public sealed class ObjectSocketTests
{
    private static List<string> Split(string frame)
    {
        ReadOnlySpan<byte> rest = Encoding.UTF8.GetBytes(frame);
        var objects = new List<string>();
        while (ObjectSocket.TryTakeNext(ref rest, out var json))
        {
            objects.Add(Encoding.UTF8.GetString(json));
        }

        return objects;
    }

    [Fact]
    public void AFrameIsSplitOnNewlinesAndBlankLinesAreSkipped()
    {
        Assert.Equal(["{\"a\":1}", "{\"b\":2}", "{\"c\":3}"], Split("{\"a\":1}\n\n  \r\n{\"b\":2}\r\n\t{\"c\":3}\n"));
        Assert.Equal(["{\"a\":1}"], Split("{\"a\":1}"));
        Assert.Empty(Split("\n \n"));
    }

    [Fact]
    public void EveryObjectOfABatchParsesOnItsOwn()
    {
        var frame = "{\"type\":\"join\",\"room\":\"dev\",\"ref\":1}\n{\"type\":\"send\",\"room\":\"dev\",\"text\":\"a\\nb\",\"ref\":2}\n{\"type\":\"ping\",\"ref\":3}";
        var commands = Split(frame).Select(json => Parse.Command(json)).ToArray();
        Assert.Equal([ClientCommandType.Join, ClientCommandType.Send, ClientCommandType.Ping], commands.Select(c => c.Type));
        Assert.Equal([1L, 2, 3], commands.Select(c => c.Ref.Number));
        Assert.Equal("a\nb", commands[1].Text);
    }

    [Fact]
    public void ABadObjectInABatchDoesNotSpoilTheOthers()
    {
        var results = Split("{\"type\":\"ping\",\"ref\":1}\n{\"type\":\n{\"type\":\"ping\",\"ref\":3}")
            .Select(json => ClientFrameParser.TryParse(Encoding.UTF8.GetBytes(json), Parse.Limits, out _, out _))
            .ToArray();
        Assert.Equal([true, false, true], results);
    }

    [Fact]
    public void AFrameHoldsAsManyWholeObjectsAsFit()
    {
        var objects = Encoding.UTF8.GetBytes("aaaa\nbbbb\ncccc\n");
        Assert.Equal(9, ObjectSocket.FrameEnd(objects, 10)); // "aaaa\nbbbb": the separator after the last is not sent
        Assert.Equal(4, ObjectSocket.FrameEnd(objects, 8));
        Assert.Equal(4, ObjectSocket.FrameEnd(objects, 2)); // at least one object, even over the limit
        Assert.Equal(14, ObjectSocket.FrameEnd(objects, 100));
    }
}
