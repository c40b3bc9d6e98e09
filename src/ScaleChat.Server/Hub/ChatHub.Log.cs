using Microsoft.Extensions.Logging;
using ScaleChat.Protocol.Frames;

namespace ScaleChat.Server.Hub;

internal sealed partial class ChatHub
{
    private static partial class Log
    {
        [LoggerMessage(EventId = 2001, Level = LogLevel.Error, Message = "Connection {ConnectionId}: {Command} failed")]
        public static partial void CommandFailed(ILogger logger, long connectionId, ClientCommandType command, Exception exception);
    }
}
