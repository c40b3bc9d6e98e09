using System.Net.WebSockets;
using ScaleChat.Protocol;
using ScaleChat.Protocol.Frames;

namespace ScaleChat.LoadTest.Clients;

/// <summary>Called for each object of each frame a load client receives, on its receive loop.</summary>
internal delegate void LoadObjectHandler(LoadClient client, ReadOnlySpan<byte> json);

/// <summary>
/// One simulated client: a <see cref="ClientWebSocket"/> whose objects the protocol's
/// <see cref="ObjectSocket"/> carries (zero-byte reads, so an idle client holds no buffer; writes
/// batched while one is in progress). No task per message and none per idle client but its
/// pending receive.
/// </summary>
internal sealed partial class LoadClient
{
    // Version 1 batches objects up to a frame of 60,000 bytes (under the server's default 65,536).
    private const int MaxBatchFrameBytes = 60_000;

    private ClientWebSocket? _socket;
    private ObjectSocket? _objects;

    public LoadClient(int local, int global, int room, int slot, string name)
    {
        (Local, Global, Room, Slot, Name) = (local, global, room, slot, name);
    }

    /// <summary>Index among the clients of this process.</summary>
    public int Local { get; }

    /// <summary>Index among all clients of the run.</summary>
    public int Global { get; }

    public int Room { get; }

    /// <summary>Position among the members of its room.</summary>
    public int Slot { get; }

    public string Name { get; }

    // 0 connecting, 1 joined, 2 ended: join and end race between the connect and the receive loop.
    private int _state;

    /// <summary>True between its welcome (or, for legacy, the upgrade) and its disconnect.</summary>
    public bool Joined => Volatile.Read(ref _state) == 1;

    /// <summary>Marks the client joined; false when its connection has already ended.</summary>
    public bool TryJoin() => Interlocked.CompareExchange(ref _state, 1, 0) == 0;

    /// <summary>Marks the connection ended; true when it had been joined.</summary>
    public bool End() => Interlocked.Exchange(ref _state, 2) == 1;

    /// <summary>Completed by the server's <c>welcome</c> (version 1).</summary>
    public TaskCompletionSource Welcome { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Opens the WebSocket; version 1 asks for the <c>scalechat.v1</c> subprotocol.</summary>
    public async Task ConnectAsync(Uri url, HttpMessageInvoker invoker, bool legacy, CancellationToken cancellationToken)
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

            _socket = socket;
            _objects = new ObjectSocket(socket) { MaxFrameBytes = OneObjectPerFrame ? 0 : MaxBatchFrameBytes };
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>The close code the server sent, or null when the connection failed without one.</summary>
    public int? CloseStatus => (int?)_socket?.CloseStatus;

    /// <summary>
    /// Queues one object (compact JSON, no newline); it goes out with whatever else is queued, on
    /// the thread pool, so the scheduler never waits on a socket.
    /// </summary>
    public void Send(ReadOnlySpan<byte> json) => _objects!.Enqueue(json);

    /// <summary>True for legacy clients: every object goes in a frame of its own.</summary>
    public bool OneObjectPerFrame { get; init; }
}
