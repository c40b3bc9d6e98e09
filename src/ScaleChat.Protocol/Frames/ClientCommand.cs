namespace ScaleChat.Protocol.Frames;

/// <summary>The kinds of object a version-1 client sends.</summary>
public enum ClientCommandType
{
    /// <summary>Not a known type.</summary>
    Unknown = 0,
    /// <summary><c>hello</c>: the handshake.</summary>
    Hello,
    /// <summary><c>join</c> a room, optionally resuming after a position.</summary>
    Join,
    /// <summary><c>leave</c> a room.</summary>
    Leave,
    /// <summary><c>send</c> a message to a room or a user.</summary>
    Send,
    /// <summary>Ask for a room's <c>history</c>.</summary>
    History,
    /// <summary>Ask <c>who</c> is in a room.</summary>
    Who,
    /// <summary><c>ping</c>, answered by <c>pong</c>.</summary>
    Ping,
    /// <summary><c>auth</c>: a fresh token for a connection in token mode, answered by <c>authed</c>.</summary>
    Auth,
}

/// <summary>
/// One validated version-1 object from a client. Only the fields of its <see cref="Type"/> are set,
/// and they already satisfy the shape rules (names, lengths, ranges).
/// </summary>
public struct ClientCommand
{
    /// <summary>The kind of object.</summary>
    public ClientCommandType Type;
    /// <summary><c>hello.name</c>.</summary>
    public string? Name;
    /// <summary><c>hello.token</c> or <c>auth.token</c>.</summary>
    public string? Token;
    /// <summary><c>hello.nameKey</c>: the secret that lets this connection share a held name.</summary>
    public string? NameKey;
    /// <summary><c>presence</c> of <c>hello</c> or <c>join</c>.</summary>
    public bool Presence;
    /// <summary>The room addressed.</summary>
    public string? Room;
    /// <summary><c>send.to</c>: the addressee of a private message.</summary>
    public string? To;
    /// <summary><c>send.text</c>.</summary>
    public string? Text;
    /// <summary>The client's reference.</summary>
    public MessageRef Ref;
    /// <summary><c>join.after.seq</c>, when <see cref="HasAfter"/>.</summary>
    public long AfterSeq;
    /// <summary><c>join.after.epoch</c>, when <see cref="HasAfter"/>.</summary>
    public string? AfterEpoch;
    /// <summary>Whether the join asks to resume after a position.</summary>
    public bool HasAfter;
    /// <summary><c>history.before</c> (exclusive), or 0 for the newest.</summary>
    public long Before;
    /// <summary><c>history.limit</c>, already capped.</summary>
    public int Limit;
}

/// <summary>Why an object was refused before it reached the hub.</summary>
/// <param name="Code">One of <see cref="ErrorCodes"/>.</param>
/// <param name="Message">For people.</param>
/// <param name="Ref">The object's reference, when it had a valid one.</param>
public readonly record struct FrameError(string Code, string Message, MessageRef Ref);
