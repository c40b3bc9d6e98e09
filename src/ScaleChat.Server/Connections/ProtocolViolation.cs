using System.Net.WebSockets;
using ScaleChat.Protocol;

namespace ScaleChat.Server.Connections;

/// <summary>
/// Which close code the WebSocket sent when it refused a client's frame. The runtime's WebSocket
/// closes by itself and tells only through its exception: every rule it checks (reserved bits and
/// opcodes, masking, control frames, continuations) has its own message and closes with 1002, while
/// text that is not UTF-8 closes with 1007 and carries the generic message of a fault.
/// </summary>
internal static class ProtocolViolation
{
    private static readonly string GenericFault = new WebSocketException(WebSocketError.Faulted).Message;

    public static int CloseCodeOf(WebSocketException exception) =>
        exception.Message == GenericFault ? CloseCodes.InvalidPayload : CloseCodes.ProtocolError;

    /// <summary>What to log and count as the reason.</summary>
    public static string ReasonOf(WebSocketException exception) =>
        exception.Message == GenericFault ? "a text frame that is not valid UTF-8" : exception.Message;
}
