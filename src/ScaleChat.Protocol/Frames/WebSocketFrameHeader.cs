using System.Buffers.Binary;

namespace ScaleChat.Protocol.Frames;

/// <summary>
/// The header of a WebSocket frame (RFC 6455, section 5.2): the opcode, the mask bit and the
/// payload length in 7, 16 or 64 bits. Written for the server's unmasked frames and the load
/// generator's masked ones; read by both, each checking its own side's rules.
/// </summary>
public static class WebSocketFrameHeader
{
    /// <summary>The opcodes (section 5.2); 0x3–0x7 and 0xB–0xF are reserved.</summary>
    public const byte Continuation = 0x0, Binary = 0x2, Close = 0x8, Ping = 0x9, Pong = 0xA;

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

    /// <summary>
    /// Reads the header at the start of <paramref name="head"/>, the mask key included; false while
    /// it is not all there. What the fields may hold is the reader's rule to check.
    /// </summary>
    public static bool TryRead(ReadOnlySpan<byte> head, out FrameHeader header)
    {
        header = default;
        if (head.Length < 2)
        {
            return false;
        }

        var masked = (head[1] & 0x80) != 0;
        var length = 2;
        long payloadLength = head[1] & 0x7F;
        if (payloadLength == 126)
        {
            length = 4;
            payloadLength = head.Length >= 4 ? BinaryPrimitives.ReadUInt16BigEndian(head[2..]) : 0;
        }
        else if (payloadLength == 127)
        {
            length = MaxLength;
            payloadLength = head.Length >= MaxLength ? (long)BinaryPrimitives.ReadUInt64BigEndian(head[2..]) : 0;
        }

        var mask = 0u;
        if (masked)
        {
            mask = head.Length >= length + 4 ? BinaryPrimitives.ReadUInt32LittleEndian(head[length..]) : 0;
            length += 4;
        }

        if (head.Length < length)
        {
            return false;
        }

        header = new FrameHeader((head[0] & 0x80) != 0, (head[0] >> 4) & 0x7, head[0] & 0x0F, masked, payloadLength, length, mask);
        return true;
    }
}

/// <summary>
/// A frame header as read: <see cref="Rsv"/> holds the three reserved bits, a
/// <see cref="PayloadLength"/> below 0 had its forbidden top bit set, <see cref="Length"/> counts the
/// mask key, and <see cref="MaskKey"/> holds the key's bytes in order (little-endian), as
/// <see cref="WebSocketMask.Apply"/> takes it.
/// </summary>
public readonly record struct FrameHeader(bool Fin, int Rsv, int Opcode, bool Masked, long PayloadLength, int Length, uint MaskKey)
{
    /// <summary>Close, ping and pong (and the reserved 0xB–0xF).</summary>
    public bool IsControl => Opcode >= WebSocketFrameHeader.Close;
}
