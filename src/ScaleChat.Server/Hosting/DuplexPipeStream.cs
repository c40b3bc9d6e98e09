using System.Buffers;
using System.Buffers.Binary;
using System.IO.Pipelines;
using Microsoft.AspNetCore.Connections;
using ScaleChat.Protocol;
using ScaleChat.Server.Connections;

namespace ScaleChat.Server.Hosting;

/// <summary>
/// A connection's transport pipes as one stream for <see cref="System.Net.WebSockets.WebSocket.CreateFromStream(Stream, System.Net.WebSockets.WebSocketCreationOptions)"/>.
/// A zero-byte read waits for data without taking any, so an idle WebSocket holds no buffer.
/// Disposing it (the WebSocket's abort) ends the connection, even while a write waits on a peer
/// that does not read.
/// </summary>
internal sealed class DuplexPipeStream(ConnectionContext connection) : Stream, ITextFrameSink
{
    private readonly PipeReader _input = connection.Transport.Input;
    private readonly PipeWriter _output = connection.Transport.Output;
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private volatile bool _disposed;

    public override bool CanRead => true;

    public override bool CanWrite => true;

    public override bool CanSeek => false;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override async ValueTask<int> ReadAsync(Memory<byte> destination, CancellationToken cancellationToken = default)
    {
        while (true)
        {
            var result = await _input.ReadAsync(cancellationToken);
            var buffer = result.Buffer;
            if (destination.IsEmpty && !buffer.IsEmpty)
            {
                _input.AdvanceTo(buffer.Start); // data is there; leave it for the real read
                return 0;
            }

            if (!buffer.IsEmpty)
            {
                var count = (int)Math.Min(buffer.Length, destination.Length);
                buffer.Slice(0, count).CopyTo(destination.Span);
                _input.AdvanceTo(buffer.GetPosition(count));
                return count;
            }

            _input.AdvanceTo(buffer.End);
            if (result.IsCompleted || result.IsCanceled)
            {
                return 0;
            }
        }
    }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> source, CancellationToken cancellationToken = default)
    {
        // The WebSocket's own frames (pongs, pings, close) share the output with the writer loop's
        // direct frames: one at a time, each whole.
        await _writeLock.WaitAsync(cancellationToken);
        try
        {
            ThrowIfDisposed();
            await EndWriteAsync(_output.WriteAsync(source, cancellationToken));
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <summary>
    /// Writes one text frame whose payload is <paramref name="objects"/> joined by '\n' straight into
    /// the transport's output and flushes it. A server frame is not masked, so the objects are copied
    /// once, into the output, behind a header of at most ten bytes.
    /// </summary>
    public ValueTask WriteTextFrameAsync(byte[][] objects, int count, int payloadLength)
    {
        if (!_writeLock.Wait(0))
        {
            return WriteTextFrameAfterLockAsync(objects.AsSpan(0, count).ToArray(), payloadLength);
        }

        var locked = true;
        try
        {
            ThrowIfDisposed();
            WriteTextFrame(_output, objects.AsSpan(0, count), payloadLength);
            var flush = EndWriteAsync(_output.FlushAsync());
            if (flush.IsCompletedSuccessfully)
            {
                return default;
            }

            locked = false;
            return ReleaseAfterAsync(flush);
        }
        finally
        {
            if (locked)
            {
                _writeLock.Release();
            }
        }
    }

    private async ValueTask WriteTextFrameAfterLockAsync(byte[][] objects, int payloadLength)
    {
        await _writeLock.WaitAsync();
        try
        {
            ThrowIfDisposed();
            WriteTextFrame(_output, objects, payloadLength);
            await EndWriteAsync(_output.FlushAsync());
        }
        finally
        {
            _writeLock.Release();
        }
    }

    private async ValueTask ReleaseAfterAsync(ValueTask flush)
    {
        try
        {
            await flush;
        }
        finally
        {
            _writeLock.Release();
        }
    }

    private static void WriteTextFrame(PipeWriter output, ReadOnlySpan<byte[]> objects, int payloadLength)
    {
        Span<byte> header = stackalloc byte[10];
        header[0] = 0x81; // FIN, text
        int headerLength;
        if (payloadLength < 126)
        {
            header[1] = (byte)payloadLength;
            headerLength = 2;
        }
        else if (payloadLength <= ushort.MaxValue)
        {
            header[1] = 126;
            BinaryPrimitives.WriteUInt16BigEndian(header[2..], (ushort)payloadLength);
            headerLength = 4;
        }
        else
        {
            header[1] = 127;
            BinaryPrimitives.WriteUInt64BigEndian(header[2..], (ulong)payloadLength);
            headerLength = 10;
        }

        output.Write(header[..headerLength]);
        for (var i = 0; i < objects.Length; i++)
        {
            if (i > 0)
            {
                output.Write([ProtocolConstants.ObjectSeparator]);
            }

            output.Write(objects[i]);
        }
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async Task FlushAsync(CancellationToken cancellationToken)
    {
        await _writeLock.WaitAsync(cancellationToken);
        try
        {
            ThrowIfDisposed();
            await EndWriteAsync(_output.FlushAsync(cancellationToken));
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <summary>Waits for a write or flush (made under the write lock, so that an abort can cancel it) and checks its end.</summary>
    private static async ValueTask EndWriteAsync(ValueTask<FlushResult> pending)
    {
        var result = await pending;
        if (result.IsCompleted || result.IsCanceled)
        {
            throw new IOException("the connection is closed");
        }
    }

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(_disposed, this);

    public override void Flush() => FlushAsync(CancellationToken.None).GetAwaiter().GetResult();

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException("asynchronous only");

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException("asynchronous only");

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (!disposing || _disposed)
        {
            base.Dispose(disposing);
            return;
        }

        _disposed = true; // later writes throw; one that holds the lock now is cancelled below
        if (!_writeLock.Wait(0))
        {
            // A write waits on a peer that does not read: completing the pipes would not release it.
            // Cancel it and abort the connection; Kestrel completes the pipes when the connection ends.
            _output.CancelPendingFlush();
            _input.CancelPendingRead();
            connection.Abort(new ConnectionAbortedException("the WebSocket was aborted during a write"));
        }
        else
        {
            // Nothing pending: what was written (the close frame) still goes out before the FIN.
            _input.Complete();
            _output.Complete();
            _writeLock.Release();
        }

        base.Dispose(disposing);
    }
}
