using ScaleChat.Protocol.Frames;

namespace ScaleChat.Server.Connections;

/// <summary>What a connection hands on: its commands, its legacy frames, and its end (the hub implements it).</summary>
internal interface IConnectionHandler
{
    /// <summary>Runs one validated command of a version-1 connection.</summary>
    ValueTask HandleAsync(Connection connection, ClientCommand command, string? urlRoom);

    /// <summary>Puts a legacy connection in the room of its URL.</summary>
    ValueTask JoinLegacyAsync(Connection connection, string room);

    /// <summary>Publishes a legacy client's frame to its room.</summary>
    ValueTask SendLegacyAsync(Connection connection, LegacyFrame frame);

    /// <summary>Forgets a closed connection: its rooms, presence and user.</summary>
    ValueTask DisconnectAsync(Connection connection);
}
