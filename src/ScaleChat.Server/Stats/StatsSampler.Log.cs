using Microsoft.Extensions.Logging;

namespace ScaleChat.Server.Stats;

internal sealed partial class StatsSampler
{
    private static partial class Log
    {
        [LoggerMessage(EventId = 3001, Level = LogLevel.Information,
            Message = "{Connections} connections ({V1} v1, {Legacy} legacy); messages/s in {InPerSecond:F1}, delivered {DeliveredPerSecond:F1}, out {OutPerSecond:F1}; fan-out p99 {FanOutP99Ms} ms; slow disconnects {SlowDisconnects}, rejected {Rejected}; CPU {CpuPercent} %, working set {WorkingSetMiB} MiB")]
        public static partial void Summary(ILogger logger, int connections, long v1, long legacy, double inPerSecond, double deliveredPerSecond,
            double outPerSecond, double fanOutP99Ms, long slowDisconnects, long rejected, double cpuPercent, long workingSetMiB);

        [LoggerMessage(EventId = 3002, Level = LogLevel.Warning,
            Message = "Overload: {Count} slow consumers closed with 4008 in the last {Seconds} s (largest queue now {LargestQueueBytes} of {SendQueueBytes} bytes)")]
        public static partial void SlowConsumers(ILogger logger, long count, double seconds, long largestQueueBytes, int sendQueueBytes);

        [LoggerMessage(EventId = 3003, Level = LogLevel.Warning,
            Message = "Overload: {Count} connections refused at the connection limit ({MaxConnections}) in the last {Seconds} s")]
        public static partial void ConnectionLimit(ILogger logger, long count, double seconds, int maxConnections);

        [LoggerMessage(EventId = 3004, Level = LogLevel.Warning,
            Message = "Overload: {QueueLength} work items wait for the thread pool ({Threads} threads)")]
        public static partial void ThreadPoolBacklog(ILogger logger, long queueLength, int threads);
    }
}
