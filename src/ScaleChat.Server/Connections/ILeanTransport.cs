using System.IO.Pipelines;
using ScaleChat.Protocol.Frames;

namespace ScaleChat.Server.Connections;

/// <summary>
/// The lean upgrade path's transport, beside its WebSocket: it takes whole server text frames from
/// the connection's writer without the WebSocket's send path, and lets the read loop wait for input with
/// nothing pending but the transport's own read.
/// </summary>
internal interface ILeanTransport
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

    /// <summary>
    /// Waits until the client has sent something: an idle connection waits here, holding no buffer
    /// and no receive of the WebSocket's. Hand the result to <see cref="EndWait"/> before receiving.
    /// </summary>
    ValueTask<ReadResult> WaitForInputAsync();

    /// <summary>
    /// Takes what <see cref="WaitForInputAsync"/> saw: true when the WebSocket's next receive has
    /// something to read, false when it was only pongs (the keep-alive's answers), taken here, so the
    /// connection waits again as before. Throws when the wait was cancelled by an abort.
    /// </summary>
    bool EndWait(in ReadResult result);
}
