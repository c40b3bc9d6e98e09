using System.Text.Json;
using System.Text.Json.Serialization;

namespace ScaleChat.Server.Stats;

/// <summary>
/// The JSON of <c>/api/stats</c> (docs/operations.md): this node's figures, with rates and
/// latency percentiles over the last interval, and <see cref="Nodes"/> for every node known.
/// </summary>
internal sealed record StatsSnapshot(
    string Node,
    DateTimeOffset Time,
    double UptimeSeconds,
    double IntervalSeconds,
    ConnectionStats Connections,
    MessageStats Messages,
    ByteStats Bytes,
    LatencyStats Latency,
    SendQueueStats SendQueue,
    ErrorStats Errors,
    int Rooms,
    int Users,
    long HistoryMessages,
    ProcessStats Process,
    BackplaneStats Backplane,
    IReadOnlyList<NodeSummary> Nodes);

internal sealed record ConnectionStats(long Total, long V1, long Legacy, int Limit, double OpenedPerSecond, double ClosedPerSecond, long Opened, long Closed);

/// <summary>In: chat messages from clients; out: JSON objects written to clients; delivered: chat messages queued to recipients.</summary>
internal sealed record MessageStats(double InPerSecond, double OutPerSecond, double DeliveredPerSecond, long InTotal, long OutTotal, long DeliveredTotal);

internal sealed record ByteStats(double InPerSecond, double OutPerSecond, long InTotal, long OutTotal);

/// <summary>Percentiles of the last interval, in milliseconds (bucket upper bounds, about 19 % wide).</summary>
internal sealed record LatencySummary(long Count, double P50Ms, double P90Ms, double P99Ms, double MaxMs);

internal sealed record LatencyStats(LatencySummary FanOut, LatencySummary Delivery, LatencySummary BackplanePublish);

internal sealed record SendQueueStats(long Bytes, long MaxBytes, long SlowDisconnects, double SlowDisconnectsPerSecond);

internal sealed record ErrorStats(long RateLimited, long Rejected, double RejectedPerSecond, IReadOnlyDictionary<string, long> ByCode, IReadOnlyDictionary<string, long> Refused);

internal sealed record ProcessStats(
    double CpuPercent, int ProcessorCount, long WorkingSetBytes, long GcHeapBytes, long Gen0Collections, long Gen1Collections,
    long Gen2Collections, double GcPausePercent, int ThreadPoolThreads, long ThreadPoolQueueLength);

internal sealed record BackplaneStats(string Type, bool Ready, double PublishedPerSecond, double ReceivedPerSecond);

/// <summary>One node's headline figures; the array holds this node alone until nodes share their stats.</summary>
internal sealed record NodeSummary(string Node, long Connections, double MessagesInPerSecond, double DeliveredPerSecond, double CpuPercent, long WorkingSetBytes, double UptimeSeconds);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(StatsSnapshot))]
[JsonSerializable(typeof(IReadOnlyList<StatsSnapshot>))]
internal sealed partial class StatsJsonContext : JsonSerializerContext;
