using System.Diagnostics;
using ScaleChat.LoadTest.Measurement;

namespace ScaleChat.LoadTest.Running;

public sealed partial class LoadRunner
{
    private long _lastSampleTicks;
    private TimeSpan _lastCpu;
    private long _lastSent;
    private long _lastDelivered;

    // One sample a second, and a last one when the run ends (so the totals hold every value). On a
    // thread of its own at the lowest priority: taking a sample costs milliseconds of CPU, which
    // must not hold the event loop off its core (its sends would go late).
    private Task SampleLoopAsync(long started, CancellationToken stop)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            try
            {
                GeneratorProcess.LowerThisThread();
                (_lastSampleTicks, _lastCpu) = (started, Environment.CpuUsage.TotalTime);
                for (var next = started + Stopwatch.Frequency; !stop.WaitHandle.WaitOne(Until(next)); next += Stopwatch.Frequency)
                {
                    TakeSample(started);
                }

                TakeSample(started);
                done.TrySetResult();
            }
            catch (Exception ex)
            {
                done.TrySetException(ex);
            }
        })
        { IsBackground = true, Name = "load sampler" };
        thread.Start();
        return done.Task;

        static TimeSpan Until(long ticks) => TimeSpan.FromSeconds(Math.Max(0, ticks - Stopwatch.GetTimestamp()) / (double)Stopwatch.Frequency);
    }

    private void TakeSample(long started)
    {
        var now = Stopwatch.GetTimestamp();
        var cpu = Environment.CpuUsage.TotalTime;
        var wall = (now - _lastSampleTicks) / (double)Stopwatch.Frequency;
        var cpuPercent = wall > 0 ? (cpu - _lastCpu).TotalSeconds / wall / Environment.ProcessorCount * 100 : 0;
        var (sent, delivered) = (_counters.Sent, _counters.DeliveriesSeen);
        var lateness = _scheduler?.Lateness.TakeInterval();
        var sample = new Sample
        {
            Second = (int)Math.Round((now - started) / (double)Stopwatch.Frequency),
            Phase = _phase,
            Connected = _counters.Connected,
            Sent = sent - _lastSent,
            Delivered = delivered - _lastDelivered,
            Latency = _tracker.Latency.TakeInterval(),
            Errors = _counters.ErrorTotal,
            ConnectFailures = _counters.ConnectFailureTotal,
            Disconnects = _counters.Closes.Values.Sum(),
            CpuPercent = Math.Round(Math.Clamp(cpuPercent, 0, 100), 1),
            SchedulerLateMs = lateness is { Values.Length: > 0 } ? lateness.Values[^1] / 1000.0 : 0,
        };
        (_lastSampleTicks, _lastCpu, _lastSent, _lastDelivered) = (now, cpu, sent, delivered);
        _samples.Add(sample);
        _onSample?.Invoke(sample);
    }
}
