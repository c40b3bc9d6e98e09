using ScaleChat.Protocol;

namespace ScaleChat.Client;

/// <summary>Something the client reports to the application: a message, a presence change, an error, a state change.</summary>
public abstract class ChatEvent
{
    private protected ChatEvent()
    {
    }
}

/// <summary>A chat message received from the server, live or replayed after a reconnect.</summary>
public sealed class ReceivedMessage : ChatEvent
{
    /// <summary>The room, for a room message; null for a private message.</summary>
    public string? Room { get; init; }

    /// <summary>The addressee, for a private message; null for a room message.</summary>
    public string? To { get; init; }

    /// <summary>The sender's name, verified by the server unless <see cref="Legacy"/>.</summary>
    public required string From { get; init; }

    /// <summary>The text.</summary>
    public required string Text { get; init; }

    /// <summary>The server's unique id of the message.</summary>
    public required string Id { get; init; }

    /// <summary>The room's sequence number; 0 for private messages.</summary>
    public long Seq { get; init; }

    /// <summary>Server time the message was accepted, Unix milliseconds.</summary>
    public long TimestampMs { get; init; }

    /// <summary>Server time the message was accepted.</summary>
    public DateTimeOffset Timestamp => DateTimeOffset.FromUnixTimeMilliseconds(TimestampMs);

    /// <summary>The sender's reference; set only on the copy delivered to the connection that sent it.</summary>
    public MessageRef Ref { get; init; }

    /// <summary>Whether it came from a legacy client, whose sender name is self-declared and unverified.</summary>
    public bool Legacy { get; init; }

    /// <summary>Whether this is a private message.</summary>
    public bool IsPrivate => Room is null;
}

/// <summary>A user entered or left a room in which this client asked for presence events.</summary>
/// <param name="Room">The room.</param>
/// <param name="User">The user.</param>
/// <param name="Joined">True when the user joined, false when it left.</param>
public sealed class PresenceChange(string Room, string User, bool Joined) : ChatEvent
{
    /// <summary>The room.</summary>
    public string Room { get; } = Room;

    /// <summary>The user.</summary>
    public string User { get; } = User;

    /// <summary>True when the user joined, false when it left.</summary>
    public bool Joined { get; } = Joined;
}

/// <summary>
/// An <c>error</c> from the server that answers no request of this client's own (errors that
/// answer a request fail that request's task instead).
/// </summary>
/// <param name="Code">One of <see cref="ErrorCodes"/>.</param>
/// <param name="Message">For people.</param>
public sealed class ServerError(string Code, string Message) : ChatEvent
{
    /// <summary>One of <see cref="ErrorCodes"/>.</summary>
    public string Code { get; } = Code;

    /// <summary>For people.</summary>
    public string Message { get; } = Message;
}

/// <summary>Where the client's connection stands.</summary>
public enum ConnectionState
{
    /// <summary>Not connected yet.</summary>
    Disconnected,
    /// <summary>Opening the first connection.</summary>
    Connecting,
    /// <summary>Connected and welcomed; requests go straight out.</summary>
    Connected,
    /// <summary>The connection was lost and the client is trying again; requests wait.</summary>
    Reconnecting,
    /// <summary>Closed for good: disposed, refused by the server, or out of reconnect attempts.</summary>
    Closed,
}

/// <summary>The client's connection changed state.</summary>
public sealed class ConnectionStateChanged : ChatEvent
{
    /// <summary>The new state.</summary>
    public required ConnectionState State { get; init; }

    /// <summary>Why the connection was lost or closed, when it was.</summary>
    public Exception? Error { get; init; }

    /// <summary>For <see cref="ConnectionState.Reconnecting"/>: the attempt about to be made, from 1.</summary>
    public int Attempt { get; init; }

    /// <summary>For <see cref="ConnectionState.Reconnecting"/>: how long the client waits before the attempt.</summary>
    public TimeSpan Delay { get; init; }
}

/// <summary>
/// After a reconnect, a room the client was in has been resumed. When <see cref="Recovered"/> is
/// true the application has received, or is about to receive, every message it missed, in order
/// and exactly once. When false the server's history no longer held them (or the room's history
/// was lost): messages between the last one seen and <see cref="Position"/> are missing.
/// </summary>
public sealed class RoomResumed : ChatEvent
{
    /// <summary>The room.</summary>
    public required string Room { get; init; }

    /// <summary>Whether every missed message was (or is about to be) delivered.</summary>
    public required bool Recovered { get; init; }

    /// <summary>The last position the client had seen before the connection was lost.</summary>
    public required RoomPosition LastSeen { get; init; }

    /// <summary>The room's position when it was resumed.</summary>
    public required RoomPosition Position { get; init; }
}
