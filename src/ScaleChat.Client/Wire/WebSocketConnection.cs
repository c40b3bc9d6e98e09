using System.Net.Http;
using System.Net.WebSockets;
using ScaleChat.Protocol;
using ScaleChat.Protocol.Frames;

namespace ScaleChat.Client.Wire;

/// <summary>Called for each object of each frame received, on the receive loop.</summary>
internal delegate void ObjectHandler(WebSocketConnection connection, ReadOnlySpan<byte> json);

/// <summary>
/// One connection of the client: a WebSocket opened with the <c>scalechat.v1</c> subprotocol, its
/// objects carried by the protocol's <see cref="ObjectSocket"/> (batched writes, zero-byte reads).
/// </summary>
internal sealed class WebSocketConnection : IDisposable
{
    // One handler for every client in the process: cheaper than one per ClientWebSocket.
    private static readonly Lazy<HttpMessageInvoker> SharedInvoker = new(() => new HttpMessageInvoker(new SocketsHttpHandler
    {
        PooledConnectionLifetime = TimeSpan.FromMinutes(5),
        ConnectTimeout = TimeSpan.FromSeconds(10),
    }));

    private readonly ClientWebSocket _socket;
    private readonly ObjectSocket _objects;

    private WebSocketConnection(ClientWebSocket socket)
    {
        _socket = socket;
        _objects = new ObjectSocket(socket);
    }

    /// <summary>Why the connection ended, once it has: a close frame's status, or null for a failure.</summary>
    public WebSocketCloseStatus? CloseStatus => _socket.CloseStatus;

    /// <summary>The close frame's description, if any.</summary>
    public string? CloseDescription => _socket.CloseStatusDescription;

    /// <summary>The largest frame to write; set from <c>welcome.limits</c>.</summary>
    public int MaxFrameBytes
    {
        set => _objects.MaxFrameBytes = Math.Max(256, value);
    }

    /// <summary>Opens a WebSocket asking for the <c>scalechat.v1</c> subprotocol.</summary>
    public static async Task<WebSocketConnection> OpenAsync(ChatClientOptions options, Uri url, CancellationToken cancellationToken)
    {
        var socket = new ClientWebSocket();
        try
        {
            socket.Options.AddSubProtocol(ProtocolConstants.SubprotocolV1);
            socket.Options.KeepAliveInterval = options.KeepAliveInterval;
            if (options.KeepAliveInterval > TimeSpan.Zero)
            {
                socket.Options.KeepAliveTimeout = options.KeepAliveTimeout;
            }

            await socket.ConnectAsync(url, options.HttpInvoker ?? SharedInvoker.Value, cancellationToken).ConfigureAwait(false);
            if (socket.SubProtocol != ProtocolConstants.SubprotocolV1)
            {
                throw new ChatConnectionException($"the server at {url} does not speak {ProtocolConstants.SubprotocolV1}");
            }

            return new WebSocketConnection(socket);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Queues one object (compact JSON, no newline); it goes out with whatever else is queued.</summary>
    public void Enqueue(ReadOnlySpan<byte> json) => _objects.Enqueue(json);

    /// <summary>
    /// Receives frames until the connection closes or fails, handing each object to
    /// <paramref name="onObject"/>. Returns normally when the server closed the connection.
    /// </summary>
    public Task ReceiveLoopAsync(ObjectHandler onObject, CancellationToken cancellationToken) =>
        _objects.ReceiveLoopAsync((Connection: this, Handler: onObject), static (s, json) => s.Handler(s.Connection, json), cancellationToken);

    /// <summary>Closes the connection politely, waiting at most <paramref name="timeout"/>, then aborts it.</summary>
    public Task CloseAsync(TimeSpan timeout) => _objects.CloseAsync(timeout, "bye");

    /// <summary>Drops the connection at once, as a network failure would.</summary>
    public void Abort() => _socket.Abort();

    /// <inheritdoc />
    public void Dispose()
    {
        _socket.Dispose();
        _objects.ReleaseBuffers();
    }
}
