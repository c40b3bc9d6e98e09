namespace ScaleChat.Server.Hosting;

/// <summary>
/// Counts connections against the ceiling, so that at the limit a new client is refused with 503
/// before the upgrade instead of the process running out of files.
/// </summary>
internal sealed class ConnectionLimiter(int maxConnections)
{
    private int _count;
    private volatile bool _stopped;

    public int Max { get; } = maxConnections;

    public int Count => Volatile.Read(ref _count);

    /// <summary>Takes a slot; false at the ceiling or while shutting down.</summary>
    public bool TryAcquire()
    {
        if (_stopped)
        {
            return false;
        }

        if (Interlocked.Increment(ref _count) > Max)
        {
            Interlocked.Decrement(ref _count);
            return false;
        }

        return true;
    }

    public void Release() => Interlocked.Decrement(ref _count);

    /// <summary>Refuses every new connection from now on (shutdown).</summary>
    public void Stop() => _stopped = true;

    public bool IsStopped => _stopped;
}
