using System.Buffers.Binary;
using System.Numerics;

namespace ScaleChat.Protocol.Frames;

/// <summary>The XOR mask of a client's frame (RFC 6455, section 5.3), applied in place.</summary>
public static class WebSocketMask
{
    /// <summary>
    /// Masks or unmasks <paramref name="bytes"/> with <paramref name="key"/> (its bytes in order,
    /// little-endian); returns the key turned so that it applies to the bytes that follow.
    /// </summary>
    public static uint Apply(Span<byte> bytes, uint key)
    {
        var wide = key | ((ulong)key << 32);
        var i = 0;
        for (; i + 8 <= bytes.Length; i += 8)
        {
            var chunk = BinaryPrimitives.ReadUInt64LittleEndian(bytes[i..]);
            BinaryPrimitives.WriteUInt64LittleEndian(bytes[i..], chunk ^ wide);
        }

        for (; i < bytes.Length; i++)
        {
            bytes[i] ^= (byte)(key >> (8 * (i & 3)));
        }

        return BitOperations.RotateRight(key, 8 * (bytes.Length & 3));
    }
}
