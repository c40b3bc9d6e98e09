using System.Buffers;
using System.IO.Pipelines;
using System.Net.WebSockets;
using System.Text;
using Microsoft.AspNetCore.Connections;
using ScaleChat.Protocol.Frames;
using ScaleChat.Server.Connections;
using ScaleChat.Server.Hosting;

namespace ScaleChat.Server.Tests.Infrastructure;

/// <summary>A server-side <see cref="TransportWebSocket"/> joined by pipes to the runtime's client WebSocket.</summary>
internal sealed class WebSocketLink : IAsyncDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);
    private readonly byte[] _buffer = new byte[1 << 20];
    private readonly Pipe _toServer = new();
    private readonly Pipe _toClient = new();

    /// <param name="keepAlive">The keep-alive that watches the server's socket, if any.</param>
    public WebSocketLink(KeepAlive? keepAlive = null)
    {
        var serverEnd = new DuplexPipe(_toServer.Reader, _toClient.Writer);
        var socket = new TransportWebSocket(new DefaultConnectionContext("server", serverEnd, new DuplexPipe(_toClient.Reader, _toServer.Writer)), null, keepAlive);
        Sink = socket;
        Server = socket;
        Client = WebSocket.CreateFromStream(new PipeStream(_toClient.Reader, _toServer.Writer), new WebSocketCreationOptions { IsServer = false });
    }

    public ILeanTransport Sink { get; }

    public TransportWebSocket Server { get; }

    /// <summary>The runtime's own client WebSocket; a test that uses the raw calls below leaves it alone.</summary>
    public WebSocket Client { get; }

    /// <summary>Writes bytes to the server as they are, e.g. a frame that breaks the protocol.</summary>
    public async Task SendRawAsync(byte[] bytes) => await _toServer.Writer.WriteAsync(bytes);

    /// <summary>Ends the client's side of the connection without a close frame.</summary>
    public void EndRaw() => _toServer.Writer.Complete();

    /// <summary>The next frame the server wrote, read raw: its opcode and payload; null once the server ended its output.</summary>
    public async Task<(int Opcode, byte[] Payload)?> ReceiveRawFrameAsync()
    {
        using var timeout = new CancellationTokenSource(Timeout);
        while (true)
        {
            var result = await _toClient.Reader.ReadAsync(timeout.Token);
            var bytes = result.Buffer.ToArray();
            if (WebSocketFrameHeader.TryRead(bytes, out var header) && bytes.Length >= header.Length + header.PayloadLength)
            {
                var end = header.Length + (int)header.PayloadLength;
                _toClient.Reader.AdvanceTo(result.Buffer.GetPosition(end));
                return (header.Opcode, bytes[header.Length..end]);
            }

            _toClient.Reader.AdvanceTo(result.Buffer.Start, result.Buffer.End);
            if (result.IsCompleted)
            {
                return null;
            }
        }
    }

    public async Task<string> ReceiveTextAsync()
    {
        var length = 0;
        while (true)
        {
            using var timeout = new CancellationTokenSource(Timeout);
            var result = await Client.ReceiveAsync(_buffer.AsMemory(length), timeout.Token);
            Assert.Equal(WebSocketMessageType.Text, result.MessageType);
            length += result.Count;
            if (result.EndOfMessage)
            {
                return Encoding.UTF8.GetString(_buffer, 0, length);
            }
        }
    }

    public ValueTask DisposeAsync()
    {
        Client.Abort();
        Server.Abort();
        return ValueTask.CompletedTask;
    }

    private sealed class DuplexPipe(PipeReader input, PipeWriter output) : IDuplexPipe
    {
        public PipeReader Input { get; } = input;

        public PipeWriter Output { get; } = output;
    }

    /// <summary>The client's end of the pipes as the stream the runtime's WebSocket takes.</summary>
    private sealed class PipeStream(PipeReader input, PipeWriter output) : Stream
    {
        private readonly Stream _input = input.AsStream();
        private readonly Stream _output = output.AsStream();

        public override bool CanRead => true;

        public override bool CanWrite => true;

        public override bool CanSeek => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => _input.ReadAsync(buffer, cancellationToken);

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) => _output.WriteAsync(buffer, cancellationToken);

        public override Task FlushAsync(CancellationToken cancellationToken) => _output.FlushAsync(cancellationToken);

        public override int Read(byte[] buffer, int offset, int count) => _input.Read(buffer, offset, count);

        public override void Write(byte[] buffer, int offset, int count) => _output.Write(buffer, offset, count);

        public override void Flush() => _output.Flush();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _input.Dispose();
                _output.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
