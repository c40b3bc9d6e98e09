using System.Buffers.Binary;

namespace ScaleChat.Protocol.Frames;

/// <summary>
/// The header of one final WebSocket frame (RFC 6455, section 5.2): the opcode, the mask bit and the
/// payload length in 7, 16 or 64 bits. Shared by the server's unmasked frames and the load
/// generator's masked ones; a masked frame's four key bytes follow the header.
/// </summary>
public static class WebSocketFrameHeader
{
    /// <summary>The longest header: two bytes and a 64-bit length, without a mask key.</summary>
    public const int MaxLength = 10;

    /// <summary>The text frame's opcode.</summary>
    public const byte Text = 0x1;

    /// <summary>How many bytes the header of a <paramref name="payloadLength"/>-byte payload takes, without a mask key.</summary>
    public static int LengthOf(int payloadLength) => payloadLength < 126 ? 2 : payloadLength <= ushort.MaxValue ? 4 : MaxLength;

    /// <summary>Writes the header of a final frame into <paramref name="destination"/>; returns its length (<see cref="LengthOf"/>).</summary>
    public static int Write(Span<byte> destination, byte opcode, int payloadLength, bool masked)
    {
        var mask = masked ? (byte)0x80 : (byte)0;
        destination[0] = (byte)(0x80 | opcode); // FIN
        var length = LengthOf(payloadLength);
        switch (length)
        {
            case 2:
                destination[1] = (byte)(mask | payloadLength);
                break;
            case 4:
                destination[1] = (byte)(mask | 126);
                BinaryPrimitives.WriteUInt16BigEndian(destination[2..], (ushort)payloadLength);
                break;
            default:
                destination[1] = (byte)(mask | 127);
                BinaryPrimitives.WriteUInt64BigEndian(destination[2..], (ulong)payloadLength);
                break;
        }

        return length;
    }
}
