using System.Buffers.Binary;
using System.Net.Sockets;
using ScaleChat.Protocol.Frames;

namespace ScaleChat.LoadTest.Clients;

internal sealed partial class LeanConnection
{
    // The most a client frame adds to its payload: the longest header and the mask key.
    private const int MaxFrameOverhead = WebSocketFrameHeader.MaxLength + 4;

    // What the socket has not taken yet, in order; while it is not empty, later frames queue behind it.
    private byte[]? _pending;
    private int _pendingLength;
    private bool _closeSent;

    /// <summary>
    /// Sends one object as a text frame of its own (so legacy servers read it too): at once on the
    /// loop's thread (the scheduler's), else through the loop.
    /// </summary>
    public void Send(ReadOnlySpan<byte> json)
    {
        if (_loop.IsCurrent)
        {
            SendFrame(WebSocketFrameHeader.Text, json);
            return;
        }

        var copy = json.ToArray();
        OnLoop(c => c.SendFrame(WebSocketFrameHeader.Text, copy));
    }

    /// <summary>Sends a close (1000) and waits, at most <paramref name="timeout"/>, for the server's; then aborts.</summary>
    public async Task CloseAsync(TimeSpan timeout)
    {
        OnLoop(static c =>
        {
            if (c._state is State.Ready or State.Open)
            {
                c.SendFrame(WebSocketFrameHeader.Close, [0x03, 0xE8]);
            }
        });
        try
        {
            await _ended.Task.WaitAsync(timeout).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // The server did not answer: abort.
        }

        OnLoop(static c => c.Abort(null));
    }

    // Writes one masked frame to the socket, or behind what is still waiting for it.
    private void SendFrame(byte opcode, ReadOnlySpan<byte> payload)
    {
        if (_closeSent || _state is State.Connecting or State.Upgrading or State.Ended)
        {
            return;
        }

        _closeSent = opcode == WebSocketFrameHeader.Close;
        if (_pendingLength > 0)
        {
            EnsureCapacity(ref _pending, _pendingLength, _pendingLength + payload.Length + MaxFrameOverhead);
            _pendingLength += WriteFrame(_pending.AsSpan(_pendingLength), opcode, payload, Random.Shared.Next());
            return;
        }

        var frame = _loop.Scratch(payload.Length + MaxFrameOverhead);
        var length = WriteFrame(frame, opcode, payload, Random.Shared.Next());
        if (!TrySend(frame[..length], out var sent))
        {
            return;
        }

        if (sent < length)
        {
            EnsureCapacity(ref _pending, 0, length - sent);
            frame[sent..length].CopyTo(_pending);
            _pendingLength = length - sent;
            Watch();
        }
    }

    // The socket is writable again: send what waited.
    private void Flush()
    {
        if (_pendingLength == 0 || !TrySend(_pending.AsSpan(0, _pendingLength), out var sent))
        {
            return;
        }

        _pending.AsSpan(sent, _pendingLength - sent).CopyTo(_pending);
        _pendingLength -= sent;
        if (_pendingLength == 0)
        {
            Watch();
        }
    }

    // One non-blocking send; false when the connection failed (and has been aborted).
    private bool TrySend(ReadOnlySpan<byte> bytes, out int sent)
    {
        sent = _socket.Send(bytes, SocketFlags.None, out var error);
        if (error == SocketError.WouldBlock)
        {
            sent = 0;
        }
        else if (error != SocketError.Success)
        {
            Abort(null);
            return false;
        }

        return true;
    }

    /// <summary>Writes one final, masked client frame into <paramref name="destination"/>; returns its length.</summary>
    internal static int WriteFrame(Span<byte> destination, byte opcode, ReadOnlySpan<byte> payload, int mask)
    {
        var header = WebSocketFrameHeader.Write(destination, opcode, payload.Length, masked: true);
        BinaryPrimitives.WriteInt32LittleEndian(destination[header..], mask);
        var body = destination.Slice(header + 4, payload.Length);
        payload.CopyTo(body);
        WebSocketMask.Apply(body, (uint)mask);
        return header + 4 + payload.Length;
    }
}
