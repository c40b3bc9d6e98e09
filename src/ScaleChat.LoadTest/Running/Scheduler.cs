using System.Diagnostics;
using ScaleChat.LoadTest.Clients;
using ScaleChat.LoadTest.Measurement;

namespace ScaleChat.LoadTest.Running;

/// <summary>
/// The open model: message k is due at a fixed time whatever the server does, and is sent then by
/// one thread: the event loop's, when the lean clients have one, or a dedicated one. How late it
/// runs behind the schedule is the generator's own health, recorded apart from the server's latency,
/// and like it only from the first measured message (<paramref name="measuredFrom"/>): warm-up is
/// where the generator's own code settles too.
/// </summary>
internal sealed class Scheduler(long total, long measuredFrom, Func<long, long> dueTicks, Action<long> send) : ITimedWork
{
    private static readonly long SleepThreshold = Stopwatch.Frequency * 3 / 2000;
    private static readonly long SpinThreshold = Stopwatch.Frequency / 20_000;

    // The next message to send: read and written by the one thread that sends.
    private long _next;

    public IntervalRecorder Lateness { get; } = new();

    /// <summary>Runs on a thread of its own until every message is sent or <paramref name="stop"/> is set.</summary>
    public Task RunAsync(CancellationToken stop)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            try
            {
                Run(stop);
                done.TrySetResult();
            }
            catch (Exception ex)
            {
                done.TrySetException(ex);
            }
        })
        { IsBackground = true, Name = "load scheduler", Priority = ThreadPriority.AboveNormal };
        thread.Start();
        return done.Task;
    }

    /// <summary>True when every message has been sent.</summary>
    public bool Done => _next >= total;

    /// <summary>When the next message is due (<see cref="Stopwatch"/> ticks), or <see cref="long.MaxValue"/> when all are sent.</summary>
    public long NextDue => _next < total ? dueTicks(_next) : long.MaxValue;

    /// <summary>Sends every message that is due now, recording how late each one went.</summary>
    public void SendDue()
    {
        for (var now = Stopwatch.GetTimestamp(); _next < total; now = Stopwatch.GetTimestamp())
        {
            var due = dueTicks(_next);
            if (due > now)
            {
                return;
            }

            if (_next >= measuredFrom)
            {
                Lateness.Record((now - due) * 1_000_000 / Stopwatch.Frequency);
            }

            send(_next++);
        }
    }

    private void Run(CancellationToken stop)
    {
        while (!Done && !stop.IsCancellationRequested)
        {
            var remaining = NextDue - Stopwatch.GetTimestamp();
            if (remaining <= 0)
            {
                SendDue();
            }
            else if (PreciseSleep.Available)
            {
                // On Linux, one sleep of microsecond resolution (it wakes some 60 µs late, where
                // Thread.Sleep wakes up to a millisecond late and yielding hands the core to the
                // receive threads); elsewhere sleep while far from the due time, then yield.
                if (remaining > SpinThreshold)
                {
                    PreciseSleep.Microseconds(remaining * 1_000_000 / Stopwatch.Frequency);
                }
            }
            else if (remaining > SleepThreshold)
            {
                Thread.Sleep((int)Math.Max(1, (remaining * 1000 / Stopwatch.Frequency) - 1));
            }
            else
            {
                Thread.Yield();
            }
        }
    }
}
