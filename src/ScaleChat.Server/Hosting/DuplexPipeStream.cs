using System.Buffers;
using System.IO.Pipelines;
using System.Net.Sockets;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using ScaleChat.Protocol.Frames;
using ScaleChat.Server.Connections;

namespace ScaleChat.Server.Hosting;

/// <summary>
/// A connection's transport as one stream for <see cref="System.Net.WebSockets.WebSocket.CreateFromStream(Stream, System.Net.WebSockets.WebSocketCreationOptions)"/>.
/// Reads come from the transport's input pipe; a zero-byte read waits for data without taking any,
/// so an idle WebSocket holds no buffer. Writes go straight to Kestrel's socket when there is one
/// (the sockets transport), which saves the output pipe and its send loop a hop per write.
/// Disposing it (the WebSocket's abort) ends the connection, even while a write waits on a peer
/// that does not read.
/// </summary>
internal sealed class DuplexPipeStream(ConnectionContext connection) : Stream, ITextFrameSink
{
    private readonly PipeReader _input = connection.Transport.Input;
    private readonly PipeWriter _output = connection.Transport.Output;
    private readonly Socket? _socket = NonBlocking(connection.Features.Get<IConnectionSocketFeature>()?.Socket);
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

    // The WebSocket's own frames (the 101 answer before them, pongs, pings, close) and the writer
    // loop's direct frames share the output: one at a time, each whole.
    public override ValueTask WriteAsync(ReadOnlyMemory<byte> source, CancellationToken cancellationToken = default) => WriteWholeAsync(source);

    /// <summary>
    /// Writes one text frame: a server frame is not masked, so its header goes into the room the
    /// writer left in front of the payload, and the frame is written without another copy.
    /// </summary>
    public ValueTask WriteTextFrameAsync(byte[] buffer, int payloadLength)
    {
        var start = WriteTextFrameHeader(buffer, payloadLength);
        return WriteWholeAsync(buffer.AsMemory(start, ITextFrameSink.HeaderRoom - start + payloadLength));
    }

    /// <summary>Writes <paramref name="bytes"/> whole under the write lock, which is released when the write completes.</summary>
    private ValueTask WriteWholeAsync(ReadOnlyMemory<byte> bytes)
    {
        if (!_writeLock.Wait(0))
        {
            return WriteWholeAfterLockAsync(bytes);
        }

        ValueTask pending;
        try
        {
            ThrowIfDisposed();
            pending = WriteLocked(bytes);
        }
        catch
        {
            _writeLock.Release();
            throw;
        }

        if (pending.IsCompletedSuccessfully)
        {
            _writeLock.Release();
            return default;
        }

        return ReleaseAfterAsync(pending);
    }

    private async ValueTask WriteWholeAfterLockAsync(ReadOnlyMemory<byte> bytes)
    {
        await _writeLock.WaitAsync();
        try
        {
            ThrowIfDisposed();
            await WriteLocked(bytes);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    private async ValueTask ReleaseAfterAsync(ValueTask pending)
    {
        try
        {
            await pending;
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <summary>
    /// Under the write lock: straight to the socket when the transport has one (one system call, on
    /// this thread, when the socket takes it all), else into the transport's output pipe.
    /// </summary>
    private ValueTask WriteLocked(ReadOnlyMemory<byte> bytes)
    {
        if (_socket is null)
        {
            return EndWriteAsync(_output.WriteAsync(bytes));
        }

        var sent = _socket.Send(bytes.Span, SocketFlags.None, out var error);
        if (sent == bytes.Length)
        {
            return default;
        }

        if (error is not (SocketError.Success or SocketError.WouldBlock))
        {
            throw new IOException($"the connection is closed ({error})");
        }

        return SendRestAsync(bytes[sent..]);
    }

    /// <summary>What the socket did not take at once, sent when it can take it; an abort ends the wait.</summary>
    private async ValueTask SendRestAsync(ReadOnlyMemory<byte> rest)
    {
        try
        {
            while (!rest.IsEmpty)
            {
                rest = rest[await _socket!.SendAsync(rest, SocketFlags.None)..];
            }
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            throw new IOException("the connection is closed", ex);
        }
    }

    /// <summary>Writes a text frame's header just before the payload at <see cref="ITextFrameSink.HeaderRoom"/>; returns where it starts.</summary>
    private static int WriteTextFrameHeader(byte[] buffer, int payloadLength)
    {
        var start = ITextFrameSink.HeaderRoom - WebSocketFrameHeader.LengthOf(payloadLength);
        WebSocketFrameHeader.Write(buffer.AsSpan(start), WebSocketFrameHeader.Text, payloadLength, masked: false);
        return start;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    // Every write is whole when it completes (the pipe's is flushed with it): nothing to flush.
    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Waits for a write or flush (made under the write lock, so that an abort can cancel it) and checks its end.</summary>
    private static async ValueTask EndWriteAsync(ValueTask<FlushResult> pending)
    {
        var result = await pending;
        if (result.IsCompleted || result.IsCanceled)
        {
            throw new IOException("the connection is closed");
        }
    }

    /// <summary>
    /// Kestrel's socket, made non-blocking for our synchronous sends: a send the socket cannot take
    /// returns at once and the rest goes asynchronously. Kestrel itself only reads it asynchronously.
    /// </summary>
    private static Socket? NonBlocking(Socket? socket)
    {
        if (socket is not null)
        {
            socket.Blocking = false;
        }

        return socket;
    }

    /// <summary>
    /// Closing a socket with unsent bytes queues its FIN behind them, which a peer that does not read
    /// never sees: its end is a reset instead.
    /// </summary>
    public void Reset()
    {
        try
        {
            _socket?.LingerState = new LingerOption(true, 0);
        }
        catch (Exception ex) when (ex is ObjectDisposedException or SocketException)
        {
            // Already gone.
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
            Reset();
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
