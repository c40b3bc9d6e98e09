using System.Diagnostics;
using ScaleChat.LoadTest.Measurement;

namespace ScaleChat.LoadTest.Running;

/// <summary>
/// The open model: message k is due at a fixed time whatever the server does, and is sent then by
/// one dedicated thread. How late the thread runs behind the schedule is the generator's own
/// health, recorded apart from the server's latency.
/// </summary>
internal sealed class Scheduler(long total, Func<long, long> dueTicks, Action<long> send)
{
    private static readonly long SleepThreshold = Stopwatch.Frequency * 3 / 2000;
    private static readonly long SpinThreshold = Stopwatch.Frequency / 20_000;

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

    private void Run(CancellationToken stop)
    {
        for (long k = 0; k < total && !stop.IsCancellationRequested; k++)
        {
            var due = dueTicks(k);
            while (true)
            {
                var remaining = due - Stopwatch.GetTimestamp();
                if (remaining <= 0)
                {
                    break;
                }

                // On Linux, one sleep of microsecond resolution (it wakes some 60 µs late, where
                // Thread.Sleep wakes up to a millisecond late and yielding hands the core to the
                // receive threads); elsewhere sleep while far from the due time, then yield.
                if (PreciseSleep.Available)
                {
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

            Lateness.Record((Stopwatch.GetTimestamp() - due) * 1_000_000 / Stopwatch.Frequency);
            send(k);
        }
    }
}
