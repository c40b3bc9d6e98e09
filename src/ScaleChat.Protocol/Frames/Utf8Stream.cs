using System.Buffers;
using System.Text;
using System.Text.Unicode;

namespace ScaleChat.Protocol.Frames;

/// <summary>
/// Checks that a text message is UTF-8 as it arrives in pieces (RFC 6455, section 8.1): a
/// character may be split between two reads or two frames, so up to three bytes of it wait here.
/// </summary>
public struct Utf8Stream
{
    private uint _pending;
    private int _pendingLength;

    /// <summary>Whether every character so far is whole (a message may end here).</summary>
    public readonly bool IsWhole => _pendingLength == 0;

    /// <summary>Takes the next piece; false as soon as the bytes cannot be UTF-8.</summary>
    public bool TryAppend(ReadOnlySpan<byte> bytes)
    {
        if (_pendingLength > 0)
        {
            Span<byte> sequence = stackalloc byte[4];
            for (var i = 0; i < _pendingLength; i++)
            {
                sequence[i] = (byte)(_pending >> (8 * i));
            }

            var take = Math.Min(4 - _pendingLength, bytes.Length);
            bytes[..take].CopyTo(sequence[_pendingLength..]);
            var status = Rune.DecodeFromUtf8(sequence[..(_pendingLength + take)], out _, out var consumed);
            if (status == OperationStatus.InvalidData)
            {
                return false;
            }

            if (status == OperationStatus.NeedMoreData)
            {
                Keep(sequence[..(_pendingLength + take)]);
                return true;
            }

            bytes = bytes[(consumed - _pendingLength)..];
            _pendingLength = 0;
        }

        var tail = UnfinishedTail(bytes);
        if (!Utf8.IsValid(bytes[..^tail]))
        {
            return false;
        }

        if (tail > 0)
        {
            if (Rune.DecodeFromUtf8(bytes[^tail..], out _, out _) != OperationStatus.NeedMoreData)
            {
                return false;
            }

            Keep(bytes[^tail..]);
        }

        return true;
    }

    /// <summary>Forgets a message's unfinished character: the next message starts clean.</summary>
    public void Reset() => _pendingLength = 0;

    private void Keep(ReadOnlySpan<byte> bytes)
    {
        _pending = 0;
        for (var i = 0; i < bytes.Length; i++)
        {
            _pending |= (uint)bytes[i] << (8 * i);
        }

        _pendingLength = bytes.Length;
    }

    /// <summary>How many bytes at the end start a character that needs more bytes than are there (0–3).</summary>
    private static int UnfinishedTail(ReadOnlySpan<byte> bytes)
    {
        for (var back = 1; back <= Math.Min(3, bytes.Length); back++)
        {
            var b = bytes[^back];
            if ((b & 0xC0) == 0x80)
            {
                continue; // a continuation byte: the lead is further back
            }

            var needed = b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : b >= 0xC0 ? 2 : 1;
            return needed > back ? back : 0;
        }

        return 0;
    }
}
