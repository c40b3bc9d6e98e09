namespace ScaleChat.Server.Hosting;

/// <summary>
/// Keeps watch over the lean path's WebSockets with one timer for all of them, where the runtime's
/// WebSocket has a timer each: a socket quiet for the keep-alive interval is pinged, and one still
/// quiet the keep-alive timeout later is aborted. Anything the peer sends (its pong, or any frame)
/// counts. A sweep runs every sixth of the shorter of the two, so each is kept to within that.
/// </summary>
internal sealed class KeepAlive : IDisposable
{
    private readonly Lock _lock = new();
    private readonly ITimer _timer;
    private readonly int _pingAfter;
    private readonly int _abortAfter;
    private TransportWebSocket?[] _sockets = new TransportWebSocket?[64];
    private int _count;

    public KeepAlive(TimeProvider time, TimeSpan interval, TimeSpan timeout)
    {
        var period = TimeSpan.FromTicks(Math.Min(interval.Ticks, timeout.Ticks) / 6);
        _pingAfter = (int)Math.Ceiling(interval / period);
        _abortAfter = _pingAfter + (int)Math.Ceiling(timeout / period);
        _timer = time.CreateTimer(static state => ((KeepAlive)state!).Sweep(), this, period, period);
    }

    /// <summary>How many sockets it watches.</summary>
    public int Count => Volatile.Read(ref _count);

    public void Add(TransportWebSocket socket)
    {
        lock (_lock)
        {
            if (_count == _sockets.Length)
            {
                Array.Resize(ref _sockets, _count * 2);
            }

            socket.KeepAliveSlot = _count;
            _sockets[_count++] = socket;
        }
    }

    public void Remove(TransportWebSocket socket)
    {
        lock (_lock)
        {
            var slot = socket.KeepAliveSlot;
            if (slot < 0)
            {
                return;
            }

            // The last one takes the free slot: removal costs the same however many are watched.
            var last = _sockets[--_count]!;
            _sockets[slot] = last;
            last.KeepAliveSlot = slot;
            _sockets[_count] = null;
            socket.KeepAliveSlot = -1;
        }
    }

    private void Sweep()
    {
        List<TransportWebSocket>? ping = null, abort = null;
        lock (_lock)
        {
            for (var i = 0; i < _count; i++)
            {
                var socket = _sockets[i]!;
                var quiet = socket.QuietSweeps += 1;
                if (quiet == _pingAfter)
                {
                    (ping ??= []).Add(socket);
                }
                else if (quiet >= _abortAfter)
                {
                    (abort ??= []).Add(socket);
                }
            }
        }

        // Outside the lock: a ping is a write, and an abort may end a connection.
        foreach (var socket in ping ?? [])
        {
            socket.Ping();
        }

        foreach (var socket in abort ?? [])
        {
            socket.Abort();
        }
    }

    public void Dispose() => _timer.Dispose();
}
