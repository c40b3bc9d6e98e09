
namespace ScaleChat.LoadTest.Measurement;

/// <summary>One second of a run: the live line, one row of timeseries.csv, one point of the charts.</summary>
public sealed record Sample
{
    /// <summary>Seconds since the run started (the end of this second).</summary>
    public int Second { get; init; }

    /// <summary><c>connect</c>, <c>warmup</c>, <c>measure</c> or <c>drain</c>.</summary>
    public string Phase { get; init; } = "";

    public long Connected { get; init; }

    public long Sent { get; init; }

    /// <summary>Message copies received in this second, warm-up included.</summary>
    public long Delivered { get; init; }

    /// <summary>Latency of the measured deliveries of this second, in microseconds.</summary>
    public HistogramData Latency { get; init; } = HistogramData.Empty;

    /// <summary>Errors, connect failures and disconnects so far.</summary>
    public long Errors { get; init; }

    public long ConnectFailures { get; init; }

    public long Disconnects { get; init; }

    /// <summary>Share of the machine's CPU the generator used in this second, in percent.</summary>
    public double CpuPercent { get; init; }

    /// <summary>How late the scheduler ran at worst in this second, in milliseconds.</summary>
    public double SchedulerLateMs { get; init; }

    /// <summary>Adds up the samples of several workers for the same second: histograms merged, counts summed.</summary>
    public static Sample Merge(IReadOnlyList<Sample> parts)
    {
        ArgumentNullException.ThrowIfNull(parts);
        return new Sample
        {
            Second = parts[0].Second,
            Phase = parts[0].Phase,
            Connected = parts.Sum(p => p.Connected),
            Sent = parts.Sum(p => p.Sent),
            Delivered = parts.Sum(p => p.Delivered),
            Latency = HistogramData.Merge(parts.Select(p => p.Latency)),
            Errors = parts.Sum(p => p.Errors),
            ConnectFailures = parts.Sum(p => p.ConnectFailures),
            Disconnects = parts.Sum(p => p.Disconnects),
            CpuPercent = parts.Sum(p => p.CpuPercent),
            SchedulerLateMs = parts.Max(p => p.SchedulerLateMs),
        };
    }
}
