using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace ScaleChat.Backplane.Redis;

public sealed partial class RedisBackplane
{
    private static partial class Log
    {
        [LoggerMessage(EventId = 101, Level = LogLevel.Warning,
            Message = "Cannot reach Redis at {Endpoint} ({Reason}); this node is not ready and clients get 'unavailable' until it is back; retrying every {RetrySeconds:0.#} s")]
        public static partial void RedisUnreachable(ILogger logger, string endpoint, string reason, double retrySeconds);

        [LoggerMessage(EventId = 102, Level = LogLevel.Information, Message = "Redis at {Endpoint} is back after {Seconds} s; catching up the subscribed rooms")]
        public static partial void RedisBack(ILogger logger, string endpoint, int seconds);

        [LoggerMessage(EventId = 110, Level = LogLevel.Warning, Message = "Still cannot reach Redis at {Endpoint} ({Seconds} s so far: {Reason})")]
        public static partial void RedisStillUnreachable(ILogger logger, string endpoint, int seconds, string reason);

        [LoggerMessage(EventId = 103, Level = LogLevel.Warning, Message = "Backplane upkeep failed; trying again")]
        public static partial void MaintenanceFailed(ILogger logger, Exception exception);

        [LoggerMessage(EventId = 104, Level = LogLevel.Error, Message = "A message of room {Room} could not be delivered")]
        public static partial void RoomMessageFailed(ILogger logger, string room, Exception exception);

        [LoggerMessage(EventId = 105, Level = LogLevel.Error, Message = "A private message could not be delivered")]
        public static partial void PrivateMessageFailed(ILogger logger, Exception exception);

        [LoggerMessage(EventId = 106, Level = LogLevel.Warning, Message = "Room {Room} started a new epoch {Epoch} (was {OldEpoch}): Redis lost its history")]
        public static partial void EpochChanged(ILogger logger, string room, string? oldEpoch, string epoch);

        [LoggerMessage(EventId = 107, Level = LogLevel.Warning, Message = "Room {Room}: seq {From} to {To} missed on pub/sub and only {Found} still in history")]
        public static partial void GapNotInHistory(ILogger logger, string room, long from, long to, int found);

        [LoggerMessage(EventId = 108, Level = LogLevel.Information, Message = "Node {Node} stopped heartbeating; its users are forgotten")]
        public static partial void NodeSwept(ILogger logger, string node);

        [LoggerMessage(EventId = 109, Level = LogLevel.Warning, Message = "Telling Redis again what this node holds: {Users} users, {Presence} presences")]
        public static partial void Reconciling(ILogger logger, int users, int presence);
    }
}
