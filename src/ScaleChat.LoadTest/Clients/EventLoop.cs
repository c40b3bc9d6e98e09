using System.Diagnostics;

namespace ScaleChat.LoadTest.Clients;

/// <summary>
/// One thread that runs every lean connection of the process (Linux): epoll, level-triggered,
/// tells it which sockets are ready; it reads each ready socket once into that connection's buffer
/// and parses what came; sends go straight to the socket from this thread. The scheduler runs here
/// too, between passes and every few sockets within one, so it needs no thread of its own to
/// compete with the receive path for the core. What the runtime's sockets add per read (an epoll thread,
/// a thread-pool hop, a second read that finds nothing) is what this saves.
/// </summary>
internal sealed class EventLoop : IDisposable
{
    private const int MaxEvents = 128;

    // How many sockets are served between two looks at the schedule: a pass of 128 ready sockets
    // can take a millisecond when every one of them has a frame.
    private const int ScheduleEvery = 16;
    private const ulong WakeToken = ulong.MaxValue;

    private readonly int _epoll;
    private readonly int _wakeFd;
    private readonly Thread _thread;
    private readonly Queue<Action> _posted = new();
    private readonly List<LeanConnection?> _slots = [];
    private readonly List<uint> _generations = [];
    private readonly Stack<int> _free = new();
    private readonly byte[] _events = new byte[MaxEvents * Epoll.EventSize];
    private volatile bool _stopping;

    // Under the lock of _posted: a wake is signalled and not yet taken; the loop takes no more posts.
    private bool _wakeRequested;
    private bool _closed;
    private ITimedWork? _scheduler;
    private TaskCompletionSource? _schedulerDone;
    private byte[] _scratch = new byte[4096];

    private EventLoop()
    {
        _epoll = Epoll.Create();
        _wakeFd = Epoll.CreateWakeFd();
        Epoll.Add(_epoll, _wakeFd, Epoll.In, WakeToken);
        _thread = new Thread(Run) { IsBackground = true, Name = "load event loop" };
    }

    public static EventLoop Start()
    {
        var loop = new EventLoop();
        loop._thread.Start();
        return loop;
    }

    /// <summary>True on the loop's own thread.</summary>
    public bool IsCurrent => Thread.CurrentThread == _thread;

    /// <summary>
    /// Runs <paramref name="action"/> on the loop's thread, after what was posted before it; false
    /// when the loop has stopped and will run nothing more.
    /// </summary>
    public bool Post(Action action)
    {
        // Posts are few (connects, hellos, closes; reads take none), so one lock keeps it simple,
        // and no post signals a descriptor that Dispose has closed (its number may name another file).
        lock (_posted)
        {
            if (_closed)
            {
                return false;
            }

            _posted.Enqueue(action);
            if (!_wakeRequested)
            {
                _wakeRequested = true;
                Epoll.Signal(_wakeFd);
            }

            return true;
        }
    }

    /// <summary>
    /// Runs <paramref name="scheduler"/>'s work on the loop's thread, each piece when it is due,
    /// until all is done or <paramref name="stop"/> is set.
    /// </summary>
    public Task RunSchedulerAsync(ITimedWork scheduler, CancellationToken stop)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!Post(() => (_scheduler, _schedulerDone) = (scheduler, done)))
        {
            throw new ObjectDisposedException(nameof(EventLoop));
        }

        var registration = stop.Register(() => _ = Post(() =>
        {
            if (_scheduler == scheduler)
            {
                _scheduler = null;
                done.TrySetResult();
            }
        }));
        _ = done.Task.ContinueWith(_ => registration.Dispose(), TaskScheduler.Default);
        return done.Task;
    }

    /// <summary>A buffer of at least <paramref name="length"/> bytes for building a frame on the loop's thread.</summary>
    public Span<byte> Scratch(int length)
    {
        if (_scratch.Length < length)
        {
            _scratch = new byte[Math.Max(length, _scratch.Length * 2)];
        }

        return _scratch;
    }

    /// <summary>Watches <paramref name="fd"/> for <paramref name="events"/>; returns the token that names the connection.</summary>
    public ulong Register(LeanConnection connection, int fd, uint events)
    {
        int slot;
        if (_free.Count > 0)
        {
            slot = _free.Pop();
            _slots[slot] = connection;
            _generations[slot]++;
        }
        else
        {
            slot = _slots.Count;
            _slots.Add(connection);
            _generations.Add(0);
        }

        var token = ((ulong)_generations[slot] << 32) | (uint)slot;
        Epoll.Add(_epoll, fd, events, token);
        return token;
    }

    public void Modify(int fd, uint events, ulong token) => Epoll.Modify(_epoll, fd, events, token);

    /// <summary>Stops watching a connection (before its socket is closed).</summary>
    public void Unregister(int fd, ulong token)
    {
        Epoll.Remove(_epoll, fd);
        var slot = (int)(uint)token;
        _slots[slot] = null;
        _free.Push(slot);
    }

    private void Run()
    {
        while (!_stopping)
        {
            var n = Epoll.Wait(_epoll, _events, TimeoutNs());

            for (var i = 0; i < n; i++)
            {
                var token = Epoll.DataAt(_events, i);
                if (token == WakeToken)
                {
                    RunPosted();
                }
                else
                {
                    var slot = (int)(uint)token;
                    if (slot < _slots.Count && _slots[slot] is { } connection && _generations[slot] == (uint)(token >> 32))
                    {
                        connection.OnEvents(Epoll.EventsAt(_events, i));
                    }
                }

                if (i % ScheduleEvery == ScheduleEvery - 1)
                {
                    SendDue();
                }
            }

            SendDue();
        }

        // Take no more posts, run those already taken (a connect among them registers its
        // connection), then end whatever is still open: no connection is left waiting on the loop.
        lock (_posted)
        {
            _closed = true;
        }

        RunPosted();
        foreach (var connection in _slots.ToArray())
        {
            connection?.Abort(null);
        }

        _schedulerDone?.TrySetResult();
    }

    private long TimeoutNs()
    {
        if (_scheduler is not { } scheduler)
        {
            return -1;
        }

        var remaining = scheduler.NextDue - Stopwatch.GetTimestamp();
        return remaining <= 0 ? 0 : (long)(remaining * (1_000_000_000.0 / Stopwatch.Frequency));
    }

    private void RunPosted()
    {
        Epoll.DrainSignal(_wakeFd);
        while (true)
        {
            Action action;
            lock (_posted)
            {
                if (!_posted.TryDequeue(out action!))
                {
                    _wakeRequested = false;
                    return;
                }
            }

            action();
        }
    }

    private void SendDue()
    {
        if (_scheduler is not { } scheduler)
        {
            return;
        }

        try
        {
            scheduler.SendDue();
            if (scheduler.Done)
            {
                _scheduler = null;
                _schedulerDone!.TrySetResult();
            }
        }
        catch (Exception ex)
        {
            _scheduler = null;
            _schedulerDone!.TrySetException(ex);
        }
    }

    public void Dispose()
    {
        lock (_posted)
        {
            if (_stopping)
            {
                return;
            }

            _stopping = true;
            Epoll.Signal(_wakeFd);
        }

        // The loop closes itself to posts before it ends, so nothing signals the descriptors now.
        if (_thread.Join(TimeSpan.FromSeconds(10)))
        {
            Epoll.Close(_wakeFd);
            Epoll.Close(_epoll);
        }
    }
}
