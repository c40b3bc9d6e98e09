using System.Diagnostics;
using System.Net.WebSockets;
using ScaleChat.Protocol;
using ScaleChat.Protocol.Frames;

namespace ScaleChat.LoadTest.Clients;

/// <summary>
/// The fallback connection: a <see cref="ClientWebSocket"/> whose objects the protocol's
/// <see cref="ObjectSocket"/> carries (zero-byte reads, so an idle client holds no buffer; writes
/// batched while one is in progress). Costs several times the lean path per frame, but is the
/// runtime's own WebSocket: runs with it check the lean path, and it speaks wss://.
/// </summary>
internal sealed class FullConnection : ILoadConnection
{
    // Version 1 batches objects up to a frame of 60,000 bytes (under the server's default 65,536).
    private const int MaxBatchFrameBytes = 60_000;

    private readonly ClientWebSocket _socket;
    private readonly ObjectSocket _objects;

    private FullConnection(ClientWebSocket socket, bool oneObjectPerFrame)
    {
        _socket = socket;
        _objects = new ObjectSocket(socket) { MaxFrameBytes = oneObjectPerFrame ? 0 : MaxBatchFrameBytes };
    }

    /// <summary>Opens the WebSocket; version 1 asks for the <c>scalechat.v1</c> subprotocol.</summary>
    public static async Task<FullConnection> ConnectAsync(Uri url, HttpMessageInvoker invoker, bool legacy, CancellationToken cancellationToken)
    {
        var socket = new ClientWebSocket();
        try
        {
            socket.Options.KeepAliveInterval = TimeSpan.Zero;
            if (!legacy)
            {
                socket.Options.AddSubProtocol(ProtocolConstants.SubprotocolV1);
            }

            await socket.ConnectAsync(url, invoker, cancellationToken).ConfigureAwait(false);
            if (!legacy && socket.SubProtocol != ProtocolConstants.SubprotocolV1)
            {
                throw new WebSocketException(WebSocketError.UnsupportedProtocol, $"the server did not accept {ProtocolConstants.SubprotocolV1}");
            }

            return new FullConnection(socket, legacy);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    public int? CloseStatus => (int?)_socket.CloseStatus;

    public void Send(ReadOnlySpan<byte> json) => _objects.Enqueue(json);

    public Task ReceiveLoopAsync(LoadClient client, LoadObjectHandler onObject) =>
        _objects.ReceiveLoopAsync((Client: client, Handler: onObject), static (s, json) => s.Handler(s.Client, json, Stopwatch.GetTimestamp()), CancellationToken.None);

    public async Task CloseAsync(TimeSpan timeout)
    {
        await _objects.CloseAsync(timeout, "load done").ConfigureAwait(false);
        _socket.Dispose();
        _objects.ReleaseBuffers();
    }
}
