namespace ScaleChat.Server.Connections;

/// <summary>
/// A per-connection token bucket over every object a client sends, plus the run of rejections
/// that turns into a 4029 close. A struct in the connection: no timer, no allocation; time comes
/// from the <see cref="TimeProvider"/> (the system's, or a test's) as timestamps.
/// </summary>
internal struct TokenBucket(int ratePerSecond, int burst, TimeProvider time)
{
    private readonly long _frequency = time.TimestampFrequency;
    private double _tokens = burst;
    private long _lastRefill = time.GetTimestamp();
    private long _lastRejection;
    private int _rejectionRun;

    /// <summary>Takes one token; false when the bucket is empty.</summary>
    public bool TryTake()
    {
        var now = time.GetTimestamp();
        var elapsed = (now - _lastRefill) / (double)_frequency;
        _lastRefill = now;
        _tokens = Math.Min(burst, _tokens + (elapsed * ratePerSecond));
        if (_tokens >= 1)
        {
            _tokens -= 1;
            return true;
        }

        return false;
    }

    /// <summary>
    /// Counts a rejection; true when the client has been rejected <paramref name="limit"/> times with
    /// no full second free of rejections between them.
    /// </summary>
    public bool CountRejection(int limit)
    {
        var now = time.GetTimestamp();
        if (_rejectionRun > 0 && now - _lastRejection >= _frequency)
        {
            _rejectionRun = 0;
        }

        _lastRejection = now;
        return ++_rejectionRun >= limit;
    }
}
