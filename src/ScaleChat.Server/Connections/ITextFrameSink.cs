namespace ScaleChat.Server.Connections;

/// <summary>
/// A connection's output that takes whole server text frames from the writer loop without the
/// WebSocket's send path (its lock, buffer and stream): the lean upgrade path's transport.
/// </summary>
internal interface ITextFrameSink
{
    /// <summary>
    /// Writes one text frame whose payload is the first <paramref name="count"/> of
    /// <paramref name="objects"/> joined by '\n' (<paramref name="payloadLength"/> bytes in all), and
    /// flushes it. The objects are copied before it returns.
    /// </summary>
    ValueTask WriteTextFrameAsync(byte[][] objects, int count, int payloadLength);

    /// <summary>
    /// Makes the connection's end a reset rather than a FIN, for a peer that did not finish the close
    /// in time: bytes it never read would hold a FIN back for as long as it does not read.
    /// </summary>
    void Reset();
}
