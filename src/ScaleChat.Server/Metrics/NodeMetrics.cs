using System.Diagnostics;
using System.Diagnostics.Metrics;
using ScaleChat.Backplane;

namespace ScaleChat.Server.Metrics;

/// <summary>
/// The node's state as observable instruments, computed when they are read (on a scrape or a stats
/// tick), so nothing on the message path pays for them: connections, frames and bytes (summed from
/// each connection's own counts), rooms, users, send-queue pressure, history, backplane readiness,
/// connection limit and uptime.
/// </summary>
internal sealed class NodeMetrics
{
    private static readonly KeyValuePair<string, object?>[] V1 = [new("protocol", "v1")];
    private static readonly KeyValuePair<string, object?>[] Legacy = [new("protocol", "legacy")];

    private readonly INodeState _node;
    private readonly ChatMetrics _metrics;
    private readonly IRoomStreams _streams;
    private readonly Lock _trafficLock = new();
    private Traffic _lastTraffic;
    private readonly long _started = Stopwatch.GetTimestamp();

    public NodeMetrics(IMeterFactory meterFactory, INodeState node, ChatMetrics metrics, IBackplane backplane, IRoomStreams streams, ChatServerOptions options)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        _node = node;
        _metrics = metrics;
        _streams = streams;
        var meter = meterFactory.Create(ChatMetrics.MeterName);
        meter.CreateObservableGauge(Names.ConnectionsActive, ActiveConnections, "{connection}", "Open WebSocket connections, by protocol.");
        meter.CreateObservableCounter(ChatMetrics.Names.FramesReceived, () => TrafficTotals().FramesIn, "{frame}", "WebSocket frames received.");
        meter.CreateObservableCounter(ChatMetrics.Names.BytesReceived, () => TrafficTotals().BytesIn, "By", "WebSocket payload bytes received.");
        meter.CreateObservableCounter(ChatMetrics.Names.FramesSent, () => TrafficTotals().FramesOut, "{frame}", "WebSocket frames sent (each may batch many objects).");
        meter.CreateObservableCounter(ChatMetrics.Names.ObjectsSent, () => TrafficTotals().ObjectsOut, "{object}", "JSON objects (messages, acks, events) written to clients.");
        meter.CreateObservableCounter(ChatMetrics.Names.BytesSent, () => TrafficTotals().BytesOut, "By", "WebSocket payload bytes sent.");
        meter.CreateObservableGauge(Names.ConnectionsLimit, () => (long)options.MaxConnections, "{connection}", "Most connections this node accepts.");
        meter.CreateObservableGauge(Names.Rooms, () => (long)node.RoomCount, "{room}", "Rooms with members on this node.");
        meter.CreateObservableGauge(Names.Users, () => (long)node.UserCount, "{user}", "Users with a connection on this node.");
        meter.CreateObservableGauge(Names.SendQueueSize, () => SendQueues().Total, "By", "Bytes waiting in every connection's send queue.");
        meter.CreateObservableGauge(Names.SendQueueLargest, () => SendQueues().Largest, "By", "Bytes waiting in the fullest send queue.");
        meter.CreateObservableGauge(Names.HistorySize, () => HistoryMessages, "{message}", "Messages held in room history by the backplane.");
        meter.CreateObservableGauge(Names.HistoryBytes, () => _streams.History.Bytes, "By",
            "Memory that room history takes on this node (kept within ScaleChat:HistoryBudgetBytes).");
        meter.CreateObservableGauge(Names.BackplaneReady, () => backplane.IsReady ? 1L : 0L, null, "1 when the backplane can carry messages, else 0.");
        meter.CreateObservableGauge(Names.Uptime, () => Uptime.TotalSeconds, "s", "Time since this node started.");
    }

    private IEnumerable<Measurement<long>> ActiveConnections()
    {
        var legacy = _node.LegacyConnectionCount;
        return [new(Math.Max(0, _node.ConnectionCount - legacy), V1), new(legacy, Legacy)];
    }

    public TimeSpan Uptime => Stopwatch.GetElapsedTime(_started);

    public long HistoryMessages => _streams.History.Messages;

    /// <summary>
    /// Frames, objects and bytes since start: the closed connections' total plus every open
    /// connection's own count (walks every connection). Never lower than the previous answer, though
    /// a connection closing meanwhile may be missed for one read.
    /// </summary>
    public Traffic TrafficTotals()
    {
        var total = _metrics.ClosedTraffic;
        foreach (var connection in _node.ConnectionFigures)
        {
            total.Add(connection.Traffic);
        }

        lock (_trafficLock)
        {
            _lastTraffic = total.AtLeast(_lastTraffic);
            return _lastTraffic;
        }
    }

    /// <summary>Bytes queued over all connections and in the fullest queue (walks every connection).</summary>
    public (long Total, long Largest) SendQueues()
    {
        long total = 0, largest = 0;
        foreach (var connection in _node.ConnectionFigures)
        {
            var bytes = connection.QueuedBytes;
            total += bytes;
            largest = Math.Max(largest, bytes);
        }

        return (total, largest);
    }

    internal static class Names
    {
        public const string ConnectionsActive = "scalechat.connections.active";
        public const string ConnectionsLimit = "scalechat.connections.limit";
        public const string Rooms = "scalechat.rooms";
        public const string Users = "scalechat.users.online";
        public const string SendQueueSize = "scalechat.send_queue.size";
        public const string SendQueueLargest = "scalechat.send_queue.largest";
        public const string HistorySize = "scalechat.history.size";
        public const string HistoryBytes = "scalechat.history.bytes";
        public const string BackplaneReady = "scalechat.backplane.ready";
        public const string Uptime = "scalechat.uptime";
    }
}
