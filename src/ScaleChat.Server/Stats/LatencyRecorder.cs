namespace ScaleChat.Server.Stats;

/// <summary>
/// Latencies in logarithmic buckets (four per doubling, about 19 % wide, from 1 µs to about 17 s),
/// counted with one interlocked increment each, so that the percentiles of the last interval can be
/// read without keeping every sample.
/// </summary>
internal sealed class LatencyRecorder
{
    private const int BucketsPerDoubling = 4;
    private const int BucketCount = 24 * BucketsPerDoubling; // 2^24 µs ≈ 16.8 s

    private readonly long[] _counts = new long[BucketCount];
    private readonly long[] _previous = new long[BucketCount];

    /// <summary>Counts one latency, in seconds.</summary>
    public void Record(double seconds)
    {
        var micros = seconds * 1e6;
        var index = micros <= 1 ? 0 : Math.Min(BucketCount - 1, (int)Math.Ceiling(Math.Log2(micros) * BucketsPerDoubling));
        Interlocked.Increment(ref _counts[index]);
    }

    /// <summary>What was recorded since the previous call (one caller: the stats sampler).</summary>
    public LatencySummary TakeInterval()
    {
        var interval = new long[BucketCount];
        long count = 0;
        for (var i = 0; i < BucketCount; i++)
        {
            var now = Volatile.Read(ref _counts[i]);
            interval[i] = now - _previous[i];
            _previous[i] = now;
            count += interval[i];
        }

        if (count == 0)
        {
            return new LatencySummary(0, 0, 0, 0, 0);
        }

        var max = 0.0;
        for (var i = BucketCount - 1; i >= 0; i--)
        {
            if (interval[i] > 0)
            {
                max = UpperMs(i);
                break;
            }
        }

        return new LatencySummary(count, Percentile(interval, count, 0.50), Percentile(interval, count, 0.90), Percentile(interval, count, 0.99), max);
    }

    private static double Percentile(long[] counts, long total, double quantile)
    {
        var rank = (long)Math.Ceiling(total * quantile);
        long seen = 0;
        for (var i = 0; i < counts.Length; i++)
        {
            seen += counts[i];
            if (seen >= rank)
            {
                return UpperMs(i);
            }
        }

        return UpperMs(counts.Length - 1);
    }

    // A bucket's upper bound in milliseconds, rounded to what a reader needs.
    private static double UpperMs(int index) => Math.Round(Math.Pow(2, (double)index / BucketsPerDoubling) / 1000, 4);
}
