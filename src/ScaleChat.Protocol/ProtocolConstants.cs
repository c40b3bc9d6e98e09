namespace ScaleChat.Protocol;

/// <summary>Names fixed by the wire protocol.</summary>
public static class ProtocolConstants
{
    /// <summary>The WebSocket subprotocol of version 1.</summary>
    public const string SubprotocolV1 = "scalechat.v1";

    /// <summary>The room every version-1 client is joined to at <c>hello</c>.</summary>
    public const string GlobalRoom = "global";

    /// <summary>The byte that separates objects batched in one frame.</summary>
    public const byte ObjectSeparator = (byte)'\n';
}

/// <summary>The <c>code</c> values of an <c>error</c> object.</summary>
public static class ErrorCodes
{
    /// <summary>The object is malformed: bad JSON, a missing or wrong-typed field, a broken name rule.</summary>
    public const string BadRequest = "bad_request";
    /// <summary>The object's <c>type</c> is not one the server knows.</summary>
    public const string UnknownType = "unknown_type";
    /// <summary>The connection is not in the room it addressed.</summary>
    public const string NotJoined = "not_joined";
    /// <summary>The text is longer than <c>maxMessageBytes</c>.</summary>
    public const string TooLarge = "too_large";
    /// <summary>The connection is already in <c>maxRooms</c> rooms.</summary>
    public const string TooManyRooms = "too_many_rooms";
    /// <summary>The object was over the connection's token bucket and was not processed.</summary>
    public const string RateLimited = "rate_limited";
    /// <summary>Authentication is required or the token is invalid.</summary>
    public const string Unauthorized = "unauthorized";
    /// <summary>The connection may not do this.</summary>
    public const string Forbidden = "forbidden";
    /// <summary>The name is held by another connection and no valid <c>nameKey</c> was given.</summary>
    public const string NameTaken = "name_taken";
    /// <summary>A private message's addressee has no connection anywhere.</summary>
    public const string NoSuchUser = "no_such_user";
    /// <summary>The server cannot reach its backplane (Redis) now; the object was not processed. Try again in a few seconds.</summary>
    public const string Unavailable = "unavailable";
    /// <summary>The server failed; the object may or may not have been processed.</summary>
    public const string Internal = "internal";
}

/// <summary>WebSocket close codes the server uses, as documented in the protocol.</summary>
public static class CloseCodes
{
    /// <summary>Normal close.</summary>
    public const int Normal = 1000;
    /// <summary>The server is shutting down; reconnect elsewhere and resume.</summary>
    public const int GoingAway = 1001;
    /// <summary>The client broke the WebSocket rules (a reserved bit or opcode, an unmasked frame, a bad control frame).</summary>
    public const int ProtocolError = 1002;
    /// <summary>A binary frame was received.</summary>
    public const int UnsupportedData = 1003;
    /// <summary>
    /// Never sent: the connection ended without a close frame (the peer vanished, or a write failed).
    /// Counted under this code in metrics.
    /// </summary>
    public const int Abnormal = 1006;
    /// <summary>A text frame was not valid UTF-8.</summary>
    public const int InvalidPayload = 1007;
    /// <summary>Policy: no valid hello in time, an object before hello, a bad or expired token, a name held by someone else.</summary>
    public const int PolicyViolation = 1008;
    /// <summary>A frame was larger than <c>maxFrameBytes</c>.</summary>
    public const int MessageTooBig = 1009;
    /// <summary>Unexpected server error.</summary>
    public const int InternalError = 1011;
    /// <summary>A room's history was lost (a new epoch began); reconnect and join again to learn it.</summary>
    public const int ServiceRestart = 1012;
    /// <summary>The server is at its connection limit or overloaded; try again later.</summary>
    public const int TryAgainLater = 1013;
    /// <summary>Slow consumer: the client did not read fast enough and its send queue overflowed.</summary>
    public const int SlowConsumer = 4008;
    /// <summary>The client kept sending over its rate limit.</summary>
    public const int RateLimitExceeded = 4029;
}
