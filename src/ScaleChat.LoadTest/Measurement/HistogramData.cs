using HdrHistogram;

namespace ScaleChat.LoadTest.Measurement;

/// <summary>
/// A histogram in a form that travels (JSON, from a worker to its parent) and merges exactly:
/// each recorded value (the bucket's equivalent value) with its count. Values are microseconds.
/// </summary>
public sealed record HistogramData(long[] Values, long[] Counts)
{
    /// <summary>Highest value tracked: one hour in microseconds.</summary>
    public const long HighestMicros = 3_600_000_000;

    [ThreadStatic]
    private static LongHistogram? _scratch;

    public static HistogramData Empty { get; } = new([], []);

    public static LongHistogram NewHistogram() => new(1, HighestMicros, 3);

    /// <summary>Takes every recorded value of <paramref name="histogram"/>.</summary>
    public static HistogramData From(HistogramBase histogram)
    {
        ArgumentNullException.ThrowIfNull(histogram);
        var values = new List<long>();
        var counts = new List<long>();
        foreach (var v in histogram.RecordedValues())
        {
            values.Add(v.ValueIteratedTo);
            counts.Add(v.CountAtValueIteratedTo);
        }

        return new HistogramData([.. values], [.. counts]);
    }

    /// <summary>Adds these values to <paramref name="into"/>.</summary>
    public void AddTo(HistogramBase into)
    {
        ArgumentNullException.ThrowIfNull(into);
        for (var i = 0; i < Values.Length; i++)
        {
            into.RecordValueWithCount(Math.Clamp(Values[i], 1, HighestMicros), Counts[i]);
        }
    }

    /// <summary>One histogram holding the values of all of <paramref name="parts"/>: merged, never averaged.</summary>
    public static HistogramData Merge(IEnumerable<HistogramData> parts)
    {
        var histogram = NewHistogram();
        foreach (var part in parts)
        {
            part.AddTo(histogram);
        }

        return From(histogram);
    }

    public long TotalCount => Counts.Sum();

    /// <summary>
    /// The percentile distribution as HdrHistogram prints it: points ever closer to 100% (five per
    /// halving of the distance), each a percentile and its latency in milliseconds; the last is the maximum at 100.
    /// </summary>
    public IReadOnlyList<PercentilePoint> PercentileCurve()
    {
        var histogram = NewHistogram();
        AddTo(histogram);
        if (histogram.TotalCount == 0)
        {
            return [];
        }

        return [.. histogram.Percentiles(5).Select(v => new PercentilePoint(v.PercentileLevelIteratedTo, v.ValueIteratedTo / 1000.0))];
    }

    /// <summary>The percentiles of the report, in milliseconds.</summary>
    public LatencySummary Summarize()
    {
        // A histogram is 180 KB (the large-object heap): reused, so the live line's summary each
        // second makes no garbage whose collection would pause the event loop.
        var histogram = _scratch ??= NewHistogram();
        histogram.Reset();
        AddTo(histogram);
        return LatencySummary.Of(histogram);
    }
}

/// <summary>Latency percentiles in milliseconds, as report.json has them.</summary>
public sealed record LatencySummary(long Count, double P50, double P90, double P99, double P999, double Max, double Mean)
{
    public static LatencySummary Of(HistogramBase h)
    {
        ArgumentNullException.ThrowIfNull(h);
        if (h.TotalCount == 0)
        {
            return new LatencySummary(0, 0, 0, 0, 0, 0, 0);
        }

        static double Ms(double micros) => Math.Round(micros / 1000.0, 3);
        return new LatencySummary(h.TotalCount, Ms(h.GetValueAtPercentile(50)), Ms(h.GetValueAtPercentile(90)),
            Ms(h.GetValueAtPercentile(99)), Ms(h.GetValueAtPercentile(99.9)), Ms(h.GetMaxValue()), Ms(h.GetMean()));
    }
}

/// <summary>One point of a percentile distribution: <paramref name="Percentile"/> (0 to 100) and the latency at it.</summary>
public readonly record struct PercentilePoint(double Percentile, double Ms);
