using Microsoft.Extensions.Logging;

namespace ScaleChat.Server.Connections;

internal sealed partial class Connection
{
    private static partial class Log
    {
        [LoggerMessage(EventId = 1001, Level = LogLevel.Debug, Message = "Connection {ConnectionId} ({User}) closed with {CloseCode} {Reason}")]
        public static partial void Closed(ILogger logger, long connectionId, string? user, int closeCode, string reason);

        [LoggerMessage(EventId = 1003, Level = LogLevel.Debug, Message = "Connection {ConnectionId} opened ({Protocol}, room {Room})")]
        public static partial void Opened(ILogger logger, long connectionId, string protocol, string? room);

        // Client faults are Debug and carry no stack trace: a client can cause them at will.
        [LoggerMessage(EventId = 1004, Level = LogLevel.Debug, Message = "Connection {ConnectionId} broke the WebSocket rules and was closed with {CloseCode}: {Reason}")]
        public static partial void Violation(ILogger logger, long connectionId, int closeCode, string reason);

        [LoggerMessage(EventId = 1002, Level = LogLevel.Error, Message = "Connection {ConnectionId} failed")]
        public static partial void ConnectionFailed(ILogger logger, long connectionId, Exception exception);
    }
}
