using System.Diagnostics;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using ScaleChat.Backplane;
using ScaleChat.Protocol;
using ScaleChat.Server.Metrics;
using Names = ScaleChat.Server.Metrics.ChatMetrics.Names;

namespace ScaleChat.Server.Stats;

/// <summary>
/// Once a second turns the running totals into a <see cref="StatsSnapshot"/> with per-second rates
/// (what <c>/api/stats</c> serves, so polling it costs nothing), and every
/// <see cref="ChatServerOptions.SummaryInterval"/> logs one summary line, with warnings when the
/// node is overloaded.
/// </summary>
internal sealed partial class StatsSampler(
    StatsListener totals, NodeMetrics node, INodeState hub, IBackplane backplane,
    ChatServerOptions options, ILogger<StatsSampler> logger) : BackgroundService
{
    /// <summary>How often the snapshot is renewed.</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);

    // Thread-pool work waiting beyond this many items means the node cannot keep up.
    private const long ThreadPoolBacklogWarning = 1000;

    private Counts _last = Counts.Zero;
    private Counts _lastSummary = Counts.Zero;
    /// <summary>How many snapshots <see cref="Recent"/> keeps: the two minutes the dashboard draws.</summary>
    public const int RecentCount = 120;

    private volatile StatsSnapshot? _latest;
    private readonly Queue<StatsSnapshot> _recent = new(RecentCount);

    /// <summary>The latest snapshot (taken on first use before the first tick).</summary>
    public StatsSnapshot Latest => _latest ?? Sample();

    /// <summary>The snapshots of the last two minutes, oldest first: a dashboard opened now starts from them.</summary>
    public IReadOnlyList<StatsSnapshot> Recent
    {
        get
        {
            lock (_recent)
            {
                return [.. _recent];
            }
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        _last = _lastSummary = Read();
        using var timer = new PeriodicTimer(Interval);
        var sinceSummary = TimeSpan.Zero;
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                var snapshot = Sample();
                _latest = snapshot;
                lock (_recent)
                {
                    if (_recent.Count == RecentCount)
                    {
                        _recent.Dequeue();
                    }

                    _recent.Enqueue(snapshot);
                }

                sinceSummary += Interval;
                if (options.SummaryInterval > TimeSpan.Zero && sinceSummary >= options.SummaryInterval)
                {
                    Summarize(sinceSummary);
                    sinceSummary = TimeSpan.Zero;
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Shutting down.
        }
    }

    /// <summary>Takes a snapshot: rates since the previous one.</summary>
    internal StatsSnapshot Sample()
    {
        lock (totals)
        {
            var now = Read();
            var previous = _last;
            _last = now;
            var seconds = Math.Max(0.001, (now.At - previous.At) / (double)Stopwatch.Frequency);
            double Rate(Func<Counts, long> pick) => Math.Round((pick(now) - pick(previous)) / seconds, 2);
            var cpuPercent = Math.Round(100 * (now.Cpu - previous.Cpu).TotalSeconds / seconds / Environment.ProcessorCount, 1);

            var connections = hub.ConnectionCount;
            var legacy = hub.LegacyConnectionCount;
            var (queued, largest) = node.SendQueues();
            var rejectedByCode = new SortedDictionary<string, long>(totals.ByTag(Names.Rejected).ToDictionary(), StringComparer.Ordinal);
            var gc = GC.GetGCMemoryInfo();
            var process = new ProcessStats(cpuPercent, Environment.ProcessorCount, Environment.WorkingSet, GC.GetTotalMemory(false),
                GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2), Math.Round(gc.PauseTimePercentage, 2),
                ThreadPool.ThreadCount, ThreadPool.PendingWorkItemCount);
            var uptime = Math.Round(node.Uptime.TotalSeconds, 1);
            var messages = new MessageStats(Rate(c => c.In), Rate(c => c.Out), Rate(c => c.Delivered), now.In, now.Out, now.Delivered);
            return new StatsSnapshot(
                hub.NodeId,
                DateTimeOffset.UtcNow,
                uptime,
                Math.Round(seconds, 3),
                new ConnectionStats(connections, Math.Max(0, connections - legacy), legacy, options.MaxConnections,
                    Rate(c => c.Opened), Rate(c => c.Closed), now.Opened, now.Closed),
                messages,
                new ByteStats(Rate(c => c.BytesIn), Rate(c => c.BytesOut), now.BytesIn, now.BytesOut),
                new LatencyStats(totals.Latency(Names.FanOutDuration).TakeInterval(), totals.Latency(Names.DeliveryDuration).TakeInterval(),
                    totals.Latency(BackplaneMetrics.Names.PublishDuration).TakeInterval()),
                new SendQueueStats(queued, largest, now.Slow, Rate(c => c.Slow)),
                new ErrorStats(rejectedByCode.GetValueOrDefault(ErrorCodes.RateLimited), now.Rejected, Rate(c => c.Rejected), rejectedByCode,
                    new SortedDictionary<string, long>(totals.ByTag(Names.ConnectionsRefused).ToDictionary(), StringComparer.Ordinal)),
                hub.RoomCount,
                hub.UserCount,
                node.HistoryMessages,
                process,
                new BackplaneStats(backplane.GetType().Name, backplane.IsReady, Rate(c => c.Published), Rate(c => c.BackplaneReceived)),
                [new NodeSummary(hub.NodeId, connections, messages.InPerSecond, messages.DeliveredPerSecond, cpuPercent, process.WorkingSetBytes, uptime)]);
        }
    }

    private void Summarize(TimeSpan interval)
    {
        var now = _last;
        var before = _lastSummary;
        _lastSummary = now;
        var seconds = interval.TotalSeconds;
        var snapshot = _latest!;
        Log.Summary(logger, hub.ConnectionCount, snapshot.Connections.V1, snapshot.Connections.Legacy,
            (now.In - before.In) / seconds, (now.Delivered - before.Delivered) / seconds, (now.Out - before.Out) / seconds,
            snapshot.Latency.FanOut.P99Ms, now.Slow - before.Slow, now.Rejected - before.Rejected,
            snapshot.Process.CpuPercent, snapshot.Process.WorkingSetBytes / (1024 * 1024));

        if (now.Slow > before.Slow)
        {
            Log.SlowConsumers(logger, now.Slow - before.Slow, seconds, snapshot.SendQueue.MaxBytes, options.SendQueueBytes);
        }

        if (now.RefusedAtLimit > before.RefusedAtLimit)
        {
            Log.ConnectionLimit(logger, now.RefusedAtLimit - before.RefusedAtLimit, seconds, options.MaxConnections);
        }

        if (snapshot.Process.ThreadPoolQueueLength > ThreadPoolBacklogWarning)
        {
            Log.ThreadPoolBacklog(logger, snapshot.Process.ThreadPoolQueueLength, snapshot.Process.ThreadPoolThreads);
        }
    }

    private Counts Read()
    {
        var traffic = node.TrafficTotals();
        return new(
            Stopwatch.GetTimestamp(),
            Environment.CpuUsage.TotalTime,
            totals.Get(Names.MessagesReceived),
            traffic.ObjectsOut,
            totals.Get(Names.MessagesDelivered),
            traffic.BytesIn,
            traffic.BytesOut,
            totals.Get(Names.ConnectionsOpened),
            totals.Get(Names.ConnectionsClosed),
            totals.Get(Names.SlowConsumers),
            totals.Get(Names.Rejected),
            totals.ByTag(Names.ConnectionsRefused).GetValueOrDefault("connection_limit"),
            totals.Get(BackplaneMetrics.Names.Published),
            totals.Get(BackplaneMetrics.Names.Received));
    }

    /// <summary>The running totals at one moment.</summary>
    private sealed record Counts(
        long At, TimeSpan Cpu, long In, long Out, long Delivered, long BytesIn, long BytesOut, long Opened, long Closed, long Slow,
        long Rejected, long RefusedAtLimit, long Published, long BackplaneReceived)
    {
        public static readonly Counts Zero = new(Stopwatch.GetTimestamp(), Environment.CpuUsage.TotalTime, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
    }
}
