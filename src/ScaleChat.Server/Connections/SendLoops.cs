namespace ScaleChat.Server.Connections;

/// <summary>
/// Wakes the writers of connections whose send queue went from empty to not empty, from one
/// dedicated thread per core, in the order they asked. A woken writer runs on that thread until its
/// queue is empty or its socket write would wait, so a fan-out never writes to a socket itself and never waits. Under load
/// this is what makes batching happen: while a loop works through its list, the next messages are
/// fanned out and land in queues still waiting their turn, so each write carries everything queued
/// since (one write per connection per pass, however many messages). When idle, a wake costs one
/// signal and adds no delay.
/// </summary>
internal sealed class SendLoops : IDisposable
{
    private readonly SendLoop[] _loops;
    private uint _next;

    public SendLoops(int count)
    {
        _loops = new SendLoop[Math.Max(1, count)];
        for (var i = 0; i < _loops.Length; i++)
        {
            _loops[i] = new SendLoop($"scalechat-send-{i}");
        }
    }

    /// <summary>The loop for a new connection: round robin, so connections spread over the cores.</summary>
    public SendLoop Next() => _loops[Interlocked.Increment(ref _next) % (uint)_loops.Length];

    public void Dispose()
    {
        foreach (var loop in _loops)
        {
            loop.Dispose();
        }
    }
}

/// <summary>One thread that signals parked send queues in turn (see <see cref="SendLoops"/>).</summary>
internal sealed class SendLoop : IDisposable
{
    private readonly object _gate = new();
    private readonly Thread _thread;
    private List<SendQueue> _pending = [];
    private List<SendQueue> _running = [];
    private bool _sleeping;
    private bool _stopped;

    public SendLoop(string name)
    {
        _thread = new Thread(Run) { IsBackground = true, Name = name };
        _thread.Start();
    }

    /// <summary>
    /// Asks for <paramref name="queue"/>'s writer to be woken on this loop's thread; never waits. False
    /// when the loop has stopped (the server is stopping): the caller wakes it elsewhere, so that it
    /// still finishes its connection.
    /// </summary>
    public bool Wake(SendQueue queue)
    {
        lock (_gate)
        {
            if (_stopped)
            {
                return false;
            }

            _pending.Add(queue);
            if (_sleeping)
            {
                _sleeping = false;
                Monitor.Pulse(_gate);
            }

            return true;
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _stopped = true;
            Monitor.Pulse(_gate);
        }
    }

    private void Run()
    {
        // A write that has to wait captures no context from here: writers need none.
        ExecutionContext.SuppressFlow();
        while (true)
        {
            lock (_gate)
            {
                while (_pending.Count == 0 && !_stopped)
                {
                    _sleeping = true;
                    Monitor.Wait(_gate);
                }

                if (_stopped)
                {
                    // No writer may wait for a loop that is gone: wake those still pending.
                    foreach (var queue in _pending)
                    {
                        queue.WakeOnThreadPool();
                    }

                    return;
                }

                (_pending, _running) = (_running, _pending);
            }

            foreach (var queue in _running)
            {
                // Runs the writer inline until its next write that has to wait (then it goes on where
                // that write completes) or until its queue is empty again.
                queue.RunReader();
            }

            if (_running.Count > 4096)
            {
                _running = []; // give back what a burst of many connections made it grow
            }
            else
            {
                _running.Clear();
            }
        }
    }
}
