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

    [Theory]
    [InlineData(0, false)]
    [InlineData(125, true)]
    [InlineData(126, true)]
    [InlineData(65_536, true)]
    [InlineData(300_000, false)]
    public void AWrittenHeaderReadsBackOnlyOnceItIsWhole(int payloadLength, bool masked)
    {
        var head = new byte[WebSocketFrameHeader.MaxLength + 4];
        var length = WebSocketFrameHeader.Write(head, WebSocketFrameHeader.Text, payloadLength, masked);
        if (masked)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(head.AsSpan(length), 0x44332211);
            length += 4;
        }

        for (var partial = 0; partial < length; partial++)
        {
            Assert.False(WebSocketFrameHeader.TryRead(head.AsSpan(0, partial), out _));
        }

        Assert.True(WebSocketFrameHeader.TryRead(head, out var header));
        Assert.Equal(new FrameHeader(true, 0, WebSocketFrameHeader.Text, masked, payloadLength, length, masked ? 0x44332211u : 0), header);
        Assert.False(header.IsControl);
    }

    [Fact]
    public void ReservedBitsOpcodeAndATopLengthBitAreReadAsTheyAreForTheReaderToRefuse()
    {
        byte[] head = [0x7A, 0x7F, 0x80, 0, 0, 0, 0, 0, 0, 1];

        Assert.True(WebSocketFrameHeader.TryRead(head, out var header));

        Assert.False(header.Fin);
        Assert.Equal(7, header.Rsv);
        Assert.Equal(0xA, header.Opcode);
        Assert.True(header.IsControl);
        Assert.True(header.PayloadLength < 0);
    }

    [Fact]
    public void MaskingInPiecesEqualsMaskingWholeAndTwiceUndoesIt()
    {
        var random = new Random(5);
        for (var round = 0; round < 200; round++)
        {
            var bytes = new byte[random.Next(0, 40)];
            random.NextBytes(bytes);
            var key = (uint)random.Next();
            var whole = bytes.ToArray();
            WebSocketMask.Apply(whole, key);

            var pieces = bytes.ToArray();
            var at = 0;
            var turned = key;
            while (at < pieces.Length)
            {
                var size = Math.Min(random.Next(1, 9), pieces.Length - at);
                turned = WebSocketMask.Apply(pieces.AsSpan(at, size), turned);
                at += size;
            }

            Assert.Equal(whole, pieces);
            for (var i = 0; i < bytes.Length; i++)
            {
                Assert.Equal(bytes[i] ^ (byte)(key >> (8 * (i % 4))), whole[i]);
            }

            WebSocketMask.Apply(whole, key);
            Assert.Equal(bytes, whole);
        }
    }
}
