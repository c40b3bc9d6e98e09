namespace ScaleChat.LoadTest.Clients;

/// <summary>
/// One simulated client: its place in the plan, its state, and its connection (lean by default,
/// <see cref="FullConnection"/> as the fallback). No task per message and none per idle client
/// but its pending receive.
/// </summary>
internal sealed partial class LoadClient
{
    private ILoadConnection? _connection;

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

    /// <summary>
    /// Opens the connection: the lean path on <paramref name="loop"/> when there is one (ws:// on
    /// Linux, unless the full path was asked for), else the full one; version 1 asks for the
    /// <c>scalechat.v1</c> subprotocol.
    /// </summary>
    public async Task ConnectAsync(Uri url, SourceAddresses sources, bool legacy, EventLoop? loop, CancellationToken cancellationToken)
    {
        _connection = loop is not null
            ? await LeanConnection.ConnectAsync(url, sources, legacy, loop, cancellationToken).ConfigureAwait(false)
            : await FullConnection.ConnectAsync(url, sources.Invoker, legacy, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The close code the server sent, or null when the connection failed without one.</summary>
    public int? CloseStatus => _connection?.CloseStatus;

    /// <summary>Sends one object (compact JSON, no newline) without waiting on the socket.</summary>
    public void Send(ReadOnlySpan<byte> json) => _connection!.Send(json);
}
