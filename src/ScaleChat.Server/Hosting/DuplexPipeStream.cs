using System.Buffers;
using System.IO.Pipelines;
using Microsoft.AspNetCore.Connections;

namespace ScaleChat.Server.Hosting;

/// <summary>
/// A connection's transport pipes as one stream for <see cref="System.Net.WebSockets.WebSocket.CreateFromStream(Stream, System.Net.WebSockets.WebSocketCreationOptions)"/>.
/// A zero-byte read waits for data without taking any, so an idle WebSocket holds no buffer.
/// Disposing it (the WebSocket's abort) ends the connection, even while a write waits on a peer
/// that does not read.
/// </summary>
internal sealed class DuplexPipeStream(ConnectionContext connection) : Stream
{
    private readonly PipeReader _input = connection.Transport.Input;
    private readonly PipeWriter _output = connection.Transport.Output;
    private int _writing;

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

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> source, CancellationToken cancellationToken = default)
    {
        Interlocked.Increment(ref _writing);
        return EndWriteAsync(_output.WriteAsync(source, cancellationToken));
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override Task FlushAsync(CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _writing);
        return EndWriteAsync(_output.FlushAsync(cancellationToken)).AsTask();
    }

    /// <summary>Waits for a write or flush counted in <c>_writing</c> (so that an abort can cancel it) and checks its end.</summary>
    private async ValueTask EndWriteAsync(ValueTask<FlushResult> pending)
    {
        try
        {
            var result = await pending;
            if (result.IsCompleted || result.IsCanceled)
            {
                throw new IOException("the connection is closed");
            }
        }
        finally
        {
            Interlocked.Decrement(ref _writing);
        }
    }

    public override void Flush() => FlushAsync(CancellationToken.None).GetAwaiter().GetResult();

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException("asynchronous only");

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException("asynchronous only");

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing && Volatile.Read(ref _writing) > 0)
        {
            // A write waits on a peer that does not read: completing the pipes would not release it.
            // Cancel it and abort the connection; Kestrel completes the pipes when the connection ends.
            _output.CancelPendingFlush();
            _input.CancelPendingRead();
            connection.Abort(new ConnectionAbortedException("the WebSocket was aborted during a write"));
        }
        else if (disposing)
        {
            // Nothing pending: what was written (the close frame) still goes out before the FIN.
            _input.Complete();
            _output.Complete();
        }

        base.Dispose(disposing);
    }
}
