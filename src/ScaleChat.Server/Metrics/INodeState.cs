namespace ScaleChat.Server.Metrics;

/// <summary>What the node's gauges and the stats read from the node (the hub implements it), so that figures depend on no component.</summary>
internal interface INodeState
{
    /// <summary>This node's name.</summary>
    string NodeId { get; }

    /// <summary>Open connections now.</summary>
    int ConnectionCount { get; }

    /// <summary>Open connections of legacy clients now.</summary>
    int LegacyConnectionCount { get; }

    /// <summary>Rooms with members on this node.</summary>
    int RoomCount { get; }

    /// <summary>Users with a connection on this node.</summary>
    int UserCount { get; }

    /// <summary>Every open connection's traffic and queued bytes (a moment's walk).</summary>
    IEnumerable<ConnectionFigures> ConnectionFigures { get; }
}

/// <summary>One open connection's figures.</summary>
/// <param name="Traffic">What it received and sent so far.</param>
/// <param name="QueuedBytes">Bytes waiting in its send queue.</param>
internal readonly record struct ConnectionFigures(Traffic Traffic, long QueuedBytes);
