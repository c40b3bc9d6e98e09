using System.Buffers.Binary;
using ScaleChat.Protocol.Frames;

namespace ScaleChat.Protocol.Tests;

/// <summary>A frame's length takes 7, 16 or 64 bits by its size, and the mask bit sits beside it.</summary>
public sealed class WebSocketFrameHeaderTests
{
    [Theory]
    [InlineData(0, false, 2)]
    [InlineData(125, true, 2)]
    [InlineData(126, false, 4)]
    [InlineData(65_535, true, 4)]
    [InlineData(65_536, false, 10)]
    [InlineData(300_000, true, 10)]
    public void TheLengthTakesTheSmallestFormThatHoldsIt(int payloadLength, bool masked, int headerLength)
    {
        var header = new byte[WebSocketFrameHeader.MaxLength];

        var written = WebSocketFrameHeader.Write(header, WebSocketFrameHeader.Text, payloadLength, masked);

        Assert.Equal(headerLength, written);
        Assert.Equal(headerLength, WebSocketFrameHeader.LengthOf(payloadLength));
        Assert.Equal(0x81, header[0]); // FIN and text
        Assert.Equal(masked, (header[1] & 0x80) != 0);
        var length = (header[1] & 0x7f) switch
        {
            126 => BinaryPrimitives.ReadUInt16BigEndian(header.AsSpan(2)),
            127 => (long)BinaryPrimitives.ReadUInt64BigEndian(header.AsSpan(2)),
            var small => small,
        };
        Assert.Equal(payloadLength, length);
    }
}
