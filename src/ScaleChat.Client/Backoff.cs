namespace ScaleChat.Client;

/// <summary>Reconnect delays: exponential, capped, with jitter.</summary>
internal static class Backoff
{
    /// <summary>
    /// The delay before reconnect attempt <paramref name="attempt"/> (from 1): the ceiling
    /// <c>min · 2^(attempt-1)</c>, capped at <paramref name="max"/>, of which a random half is
    /// waited. The jitter spreads the clients of a server that restarted over the whole interval
    /// instead of letting them all return in the same instant.
    /// </summary>
    public static TimeSpan Delay(int attempt, TimeSpan min, TimeSpan max, Random random)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(attempt, 1);
        var exponent = Math.Min(attempt - 1, 30);
        var ceiling = Math.Min(min.TotalMilliseconds * Math.Pow(2, exponent), max.TotalMilliseconds);
        var half = ceiling / 2;
        return TimeSpan.FromMilliseconds(half + (random.NextDouble() * half));
    }
}
