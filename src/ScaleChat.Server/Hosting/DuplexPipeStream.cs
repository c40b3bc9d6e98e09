using System.Buffers;
using System.IO.Pipelines;

namespace ScaleChat.Server.Hosting;

/// <summary>
/// A connection's transport pipes as one stream for <see cref="System.Net.WebSockets.WebSocket.CreateFromStream(Stream, System.Net.WebSockets.WebSocketCreationOptions)"/>.
/// A zero-byte read waits for data without taking any, so an idle WebSocket holds no buffer.
/// </summary>
internal sealed class DuplexPipeStream(IDuplexPipe transport) : Stream
{
    private readonly PipeReader _input = transport.Input;
    private readonly PipeWriter _output = transport.Output;

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
        var result = await _output.WriteAsync(source, cancellationToken);
        if (result.IsCompleted)
        {
            throw new IOException("the connection is closed");
        }
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async Task FlushAsync(CancellationToken cancellationToken) => await _output.FlushAsync(cancellationToken);

    public override void Flush() => FlushAsync(CancellationToken.None).GetAwaiter().GetResult();

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException("asynchronous only");

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException("asynchronous only");

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _input.Complete();
            _output.Complete();
        }

        base.Dispose(disposing);
    }
}
