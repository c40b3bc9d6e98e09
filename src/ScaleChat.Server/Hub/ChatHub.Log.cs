using Microsoft.Extensions.Logging;
using ScaleChat.Protocol.Frames;

namespace ScaleChat.Server.Hub;

internal sealed partial class ChatHub
{
    private static partial class Log
    {
        [LoggerMessage(EventId = 2001, Level = LogLevel.Error, Message = "Connection {ConnectionId}: {Command} failed")]
        public static partial void CommandFailed(ILogger logger, long connectionId, ClientCommandType command, Exception exception);

        [LoggerMessage(EventId = 2004, Level = LogLevel.Debug, Message = "The name hold of {User} was not renewed at its last disconnect ({Reason}); it lapses by itself")]
        public static partial void HoldNotRenewed(ILogger logger, string user, string reason);

        [LoggerMessage(EventId = 2003, Level = LogLevel.Debug, Message = "Connection {ConnectionId}: {Command} failed while the backplane is not ready")]
        public static partial void CommandUnavailable(ILogger logger, long connectionId, ClientCommandType command);

        [LoggerMessage(EventId = 2002, Level = LogLevel.Warning, Message = "Renewing name holds or expiring tokens failed; trying again at the next round")]
        public static partial void UpkeepFailed(ILogger logger, Exception exception);
    }
}
