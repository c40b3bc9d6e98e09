using System.Diagnostics;
using ScaleChat.Protocol;

namespace ScaleChat.Backplane;

/// <summary>
/// A chat message as the server moves it between nodes: the message every recipient sees, and what
/// only the server needs (where it came from, the sender's reference, when it was accepted).
/// </summary>
public sealed record Envelope
{
    /// <summary>The message as recipients see it.</summary>
    public required ChatMessage Message { get; init; }

    /// <summary>The node that accepted it.</summary>
    public required string OriginNode { get; init; }

    /// <summary>The connection (on <see cref="OriginNode"/>) that sent it; its copy carries <see cref="Ref"/>.</summary>
    public long OriginConnection { get; init; }

    /// <summary>The sender's reference, echoed on the sender's own copy only.</summary>
    public MessageRef Ref { get; init; }

    /// <summary>When the origin node accepted it, in Unix microseconds: the delivery latency on other nodes.</summary>
    public long AcceptedAt { get; init; }

    /// <summary>
    /// When the origin node read the client's frame (a <see cref="Stopwatch"/> timestamp): the delivery
    /// latency on that node. Meaningful there only; 0 once the envelope has crossed to another node.
    /// </summary>
    public long ReceivedTimestamp { get; init; }

    /// <summary>A time as Unix microseconds, the unit of <see cref="AcceptedAt"/>.</summary>
    public static long UnixMicroseconds(DateTimeOffset time) => (time.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / 10;

    /// <summary>The envelope's message with its seq.</summary>
    public Envelope WithSeq(long seq) => this with { Message = Message with { Seq = seq } };

    /// <summary>
    /// Seconds from when the message was read (on its own node) or accepted (on others, by the wall
    /// clocks of both) until now; null when the envelope carries neither time.
    /// </summary>
    public double? SecondsSinceReceived(long nowTimestamp, long nowUnixMicroseconds) =>
        ReceivedTimestamp != 0 ? Stopwatch.GetElapsedTime(ReceivedTimestamp, nowTimestamp).TotalSeconds
        : AcceptedAt != 0 ? Math.Max(0, nowUnixMicroseconds - AcceptedAt) / 1e6
        : null;
}
