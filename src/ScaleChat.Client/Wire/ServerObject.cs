using ScaleChat.Protocol;

namespace ScaleChat.Client.Wire;

/// <summary>The kinds of object a version-1 server sends.</summary>
internal enum ServerObjectType
{
    Unknown = 0,
    Welcome,
    Joined,
    Left,
    Message,
    Ack,
    Presence,
    History,
    Pong,
    Error,
}

/// <summary>
/// One object from the server as read off the wire. Only the fields of its <see cref="Type"/> are
/// set; it is a struct so that reading it costs nothing beyond the strings it keeps.
/// </summary>
internal struct ServerObject
{
    public ServerObjectType Type;
    public string? Room;
    public string? To;
    public string? From;
    public string? Text;
    public string? Id;
    public long Seq;
    public long Timestamp;
    public MessageRef Ref;
    public bool Legacy;
    public string? Epoch;
    public bool? Recovered;
    public string? Code;
    public string? ErrorMessage;
    public string? User;
    public string? Session;
    public string? NameKey;
    public string? Node;
    public bool? PresenceJoined;
    public ProtocolLimits? Limits;
    public List<KeyValuePair<string, RoomPosition>>? Rooms;
    public List<string>? Members;
    public List<ReceivedMessage>? Messages;

    /// <summary>The message this object carries; only for <see cref="ServerObjectType.Message"/>.</summary>
    public readonly ReceivedMessage ToMessage() => new()
    {
        Room = Room,
        To = To,
        From = From!,
        Text = Text!,
        Id = Id!,
        Seq = Seq,
        TimestampMs = Timestamp,
        Ref = Ref,
        Legacy = Legacy,
    };
}
