namespace ScaleChat.Client;

/// <summary>The kinds of request that wait for an answer.</summary>
internal enum RequestKind
{
    Send,
    Join,
    Leave,
    History,
    Who,
    Ping,
    Auth,
}

/// <summary>
/// A request on its way to the server, or waiting for a connection to go out on. It keeps its
/// encoded object so that it can be written again on a new connection.
/// </summary>
internal sealed class PendingRequest(RequestKind kind, string? room, long @ref, byte[] frame)
    : TaskCompletionSource<object?>(TaskCreationOptions.RunContinuationsAsynchronously)
{
    public RequestKind Kind { get; } = kind;

    public string? Room { get; } = room;

    public long Ref { get; } = @ref;

    public byte[] Frame { get; } = frame;

    /// <summary>Made by the client itself to resume a room; answered on the receive loop, awaited by no one.</summary>
    public bool Internal { get; init; }

    /// <summary>For <see cref="RequestKind.Auth"/>: the token it presents, adopted for later hellos once accepted.</summary>
    public string? Token { get; init; }

    /// <summary>When it was written, for <see cref="RequestKind.Ping"/>.</summary>
    public long StartedTimestamp { get; set; }

    /// <summary>
    /// Whether it may be written again on a new connection when the connection it went out on was
    /// lost before the answer. Everything but <c>send</c> is idempotent; a lost <c>send</c> may
    /// or may not have been delivered, so it fails rather than risk a duplicate.
    /// </summary>
    public bool Retryable => Kind != RequestKind.Send;

    /// <summary>Whether its answer is matched by room (the server echoes <c>ref</c> only on acks, pongs and errors).</summary>
    public bool MatchedByRoom => Kind is RequestKind.Join or RequestKind.Leave or RequestKind.History or RequestKind.Who;
}
