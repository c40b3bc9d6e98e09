using ScaleChat.Protocol.Frames;

namespace ScaleChat.Server.Connections;

/// <summary>
/// A connection's output that takes whole server text frames from the writer loop without the
/// WebSocket's send path (its lock, buffer and stream): the lean upgrade path's transport.
/// </summary>
internal interface ITextFrameSink
{
    /// <summary>The most bytes a server frame's header takes: the room a payload leaves in front of it.</summary>
    const int HeaderRoom = WebSocketFrameHeader.MaxLength;

    /// <summary>
    /// Writes one text frame whose payload is <paramref name="payloadLength"/> bytes of
    /// <paramref name="buffer"/> after its first <see cref="HeaderRoom"/>, which the header goes into,
    /// and flushes it. The buffer is the caller's again when the returned task completes.
    /// </summary>
    ValueTask WriteTextFrameAsync(byte[] buffer, int payloadLength);

    /// <summary>
    /// Makes the connection's end a reset rather than a FIN, for a peer that did not finish the close
    /// in time: bytes it never read would hold a FIN back for as long as it does not read.
    /// </summary>
    void Reset();
}
