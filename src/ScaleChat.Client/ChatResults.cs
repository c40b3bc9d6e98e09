namespace ScaleChat.Client;

/// <summary>The server's acknowledgement of a sent message.</summary>
/// <param name="Id">The message's unique id.</param>
/// <param name="Seq">The message's sequence number in its room; 0 for a private message.</param>
public readonly record struct SendResult(string Id, long Seq);

/// <summary>An error answered by the server to one of this client's requests.</summary>
public sealed class ChatServerException : Exception
{
    /// <summary>Creates the exception.</summary>
    public ChatServerException(string code, string message)
        : base($"{code}: {message}")
    {
        Code = code;
        ServerMessage = message;
    }

    /// <summary>Creates the exception.</summary>
    public ChatServerException()
        : this(Protocol.ErrorCodes.Internal, "unknown error")
    {
    }

    /// <summary>Creates the exception.</summary>
    public ChatServerException(string message)
        : this(Protocol.ErrorCodes.Internal, message)
    {
    }

    /// <summary>Creates the exception.</summary>
    public ChatServerException(string message, Exception innerException)
        : base(message, innerException)
    {
        Code = Protocol.ErrorCodes.Internal;
        ServerMessage = message;
    }

    /// <summary>The error code, one of <see cref="Protocol.ErrorCodes"/>.</summary>
    public string Code { get; }

    /// <summary>The server's message, for people.</summary>
    public string ServerMessage { get; }
}

/// <summary>
/// The client could not connect, the connection was lost with the request's outcome unknown, the
/// request waited too long for a connection or an answer, or the client was closed.
/// </summary>
public sealed class ChatConnectionException : Exception
{
    /// <summary>Creates the exception.</summary>
    public ChatConnectionException()
    {
    }

    /// <summary>Creates the exception.</summary>
    public ChatConnectionException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception.</summary>
    public ChatConnectionException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}
