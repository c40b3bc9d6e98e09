using ScaleChat.Protocol;

namespace ScaleChat.LoadTest.Measurement;

/// <summary>
/// The raw outcome of one run (or one worker's part of it): counters and whole histograms, so
/// that the parts of several workers merge exactly.
/// </summary>
public sealed record RunResult
{
    /// <summary>Messages of the whole run (warm-up included) sent.</summary>
    public long SentTotal { get; init; }

    /// <summary>Messages that were due while their publisher had no connection.</summary>
    public long NotSent { get; init; }

    /// <summary>What happened to the measured messages.</summary>
    public DeliveryCounts Deliveries { get; init; } = DeliveryCounts.None;

    public long Acks { get; init; }

    /// <summary>Most clients connected at once.</summary>
    public long Connected { get; init; }

    public long ConnectAttempts { get; init; }

    public Dictionary<string, long> ConnectFailures { get; init; } = [];

    public Dictionary<string, long> Errors { get; init; } = [];

    public Dictionary<string, long> Closes { get; init; } = [];

    /// <summary>Delivery latency from the scheduled send time, microseconds.</summary>
    public HistogramData Latency { get; init; } = HistogramData.Empty;

    /// <summary>Time from opening the connection to <c>welcome</c>, microseconds.</summary>
    public HistogramData ConnectTime { get; init; } = HistogramData.Empty;

    /// <summary>How late the scheduler sent each message, microseconds.</summary>
    public HistogramData SchedulerLateness { get; init; } = HistogramData.Empty;

    public double CpuPercentMean { get; init; }

    public double CpuPercentMax { get; init; }

    public double MeasuredSeconds { get; init; }

    /// <summary>The limits the server announced in <c>welcome</c> (version 1 only).</summary>
    public ProtocolLimits? ServerLimits { get; init; }

    public List<Sample> Samples { get; init; } = [];

    public List<string> Warnings { get; init; } = [];

    /// <summary>With workers: the core each was pinned to, or <c>any</c>; empty for a run in one process.</summary>
    public List<string> WorkerCores { get; init; } = [];

    public long Lost => Deliveries.Lost;

    /// <summary>One result for several workers: counters summed, histograms merged, samples merged second by second.</summary>
    public static RunResult Merge(IReadOnlyList<RunResult> parts)
    {
        ArgumentNullException.ThrowIfNull(parts);
        if (parts.Count == 1)
        {
            return parts[0];
        }

        var seconds = parts.Max(p => p.Samples.Count);
        return new RunResult
        {
            Deliveries = DeliveryCounts.Sum(parts.Select(p => p.Deliveries)),
            SentTotal = parts.Sum(p => p.SentTotal),
            NotSent = parts.Sum(p => p.NotSent),
            Acks = parts.Sum(p => p.Acks),
            Connected = parts.Sum(p => p.Connected),
            ConnectAttempts = parts.Sum(p => p.ConnectAttempts),
            ConnectFailures = SumBy(parts.Select(p => p.ConnectFailures)),
            Errors = SumBy(parts.Select(p => p.Errors)),
            Closes = SumBy(parts.Select(p => p.Closes)),
            Latency = HistogramData.Merge(parts.Select(p => p.Latency)),
            ConnectTime = HistogramData.Merge(parts.Select(p => p.ConnectTime)),
            SchedulerLateness = HistogramData.Merge(parts.Select(p => p.SchedulerLateness)),
            CpuPercentMean = parts.Sum(p => p.CpuPercentMean),
            CpuPercentMax = parts.Sum(p => p.CpuPercentMax),
            MeasuredSeconds = parts.Max(p => p.MeasuredSeconds),
            ServerLimits = parts.Select(p => p.ServerLimits).FirstOrDefault(l => l is not null),
            Samples = [.. Enumerable.Range(0, seconds).Select(s => Sample.Merge([.. parts.Where(p => p.Samples.Count > s).Select(p => p.Samples[s])]))],
            Warnings = [.. parts.SelectMany(p => p.Warnings).Distinct()],
        };
    }

    public static Dictionary<string, long> SumBy(IEnumerable<IReadOnlyDictionary<string, long>> parts)
    {
        var sum = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var (key, value) in parts.SelectMany(p => p))
        {
            sum[key] = sum.GetValueOrDefault(key) + value;
        }

        return sum;
    }
}
