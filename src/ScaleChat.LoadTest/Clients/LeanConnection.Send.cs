using System.Buffers;
using System.Buffers.Binary;
using System.Net.Sockets;

namespace ScaleChat.LoadTest.Clients;

internal sealed partial class LeanConnection
{
    private readonly Lock _gate = new();
    private byte[]? _pending;
    private int _pendingLength;
    private bool _flushing;
    private bool _closeSent;

    /// <summary>Queues one object as a text frame of its own (so legacy servers read it too).</summary>
    public void Send(ReadOnlySpan<byte> json) => Enqueue(OpText, json);

    // Appends one masked frame to what is queued and starts a write unless one is in progress.
    private void Enqueue(byte opcode, ReadOnlySpan<byte> payload)
    {
        bool flush;
        lock (_gate)
        {
            if (_closeSent)
            {
                return;
            }

            _closeSent = opcode == OpClose;
            EnsureCapacity(ref _pending, _pendingLength, _pendingLength + payload.Length + 14);
            _pendingLength += WriteFrame(_pending.AsSpan(_pendingLength), opcode, payload, Random.Shared.Next());
            flush = !_flushing;
            _flushing = true;
        }

        if (flush)
        {
            ThreadPool.UnsafeQueueUserWorkItem(static s => _ = s.FlushAsync(), this, preferLocal: false);
        }
    }

    /// <summary>Writes one final, masked client frame into <paramref name="destination"/>; returns its length.</summary>
    internal static int WriteFrame(Span<byte> destination, byte opcode, ReadOnlySpan<byte> payload, int mask)
    {
        destination[0] = (byte)(0x80 | opcode);
        int header;
        if (payload.Length < 126)
        {
            destination[1] = (byte)(0x80 | payload.Length);
            header = 2;
        }
        else if (payload.Length <= ushort.MaxValue)
        {
            destination[1] = 0x80 | 126;
            BinaryPrimitives.WriteUInt16BigEndian(destination[2..], (ushort)payload.Length);
            header = 4;
        }
        else
        {
            destination[1] = 0x80 | 127;
            BinaryPrimitives.WriteUInt64BigEndian(destination[2..], (ulong)payload.Length);
            header = 10;
        }

        BinaryPrimitives.WriteInt32LittleEndian(destination[header..], mask);
        var key = destination.Slice(header, 4);
        var body = destination.Slice(header + 4, payload.Length);
        for (var i = 0; i < payload.Length; i++)
        {
            body[i] = (byte)(payload[i] ^ key[i & 3]);
        }

        return header + 4 + payload.Length;
    }

    private async Task FlushAsync()
    {
        try
        {
            while (true)
            {
                byte[] buffer;
                int length;
                lock (_gate)
                {
                    if (_pendingLength == 0 || _pending is null)
                    {
                        _flushing = false;
                        return;
                    }

                    (buffer, length, _pending, _pendingLength) = (_pending, _pendingLength, null, 0);
                }

                try
                {
                    for (var sent = 0; sent < length;)
                    {
                        sent += await _socket.SendAsync(buffer.AsMemory(sent, length - sent), SocketFlags.None).ConfigureAwait(false);
                    }
                }
                finally
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                }
            }
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            // A failed write is a dead connection: abort, so that the receive loop ends now.
            lock (_gate)
            {
                (_flushing, _pendingLength) = (false, 0);
            }

            _socket.Dispose();
        }
    }

    /// <summary>Sends a close (1000) and waits, at most <paramref name="timeout"/>, for the server's; then aborts.</summary>
    public async Task CloseAsync(TimeSpan timeout)
    {
        Span<byte> normal = stackalloc byte[2];
        BinaryPrimitives.WriteUInt16BigEndian(normal, 1000);
        Enqueue(OpClose, normal);
        try
        {
            await _ended.Task.WaitAsync(timeout).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // The server did not answer: abort.
        }

        _socket.Dispose();
        lock (_gate)
        {
            if (_pending is not null && !_flushing)
            {
                ArrayPool<byte>.Shared.Return(_pending);
                _pending = null;
            }
        }
    }
}
