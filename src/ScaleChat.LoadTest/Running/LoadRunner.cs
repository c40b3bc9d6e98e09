using System.Diagnostics;
using ScaleChat.LoadTest.Clients;
using ScaleChat.LoadTest.Measurement;
using ScaleChat.LoadTest.Workload;
using ScaleChat.Protocol;

namespace ScaleChat.LoadTest.Running;

/// <summary>
/// Runs one load test in this process: connect the clients at the ramp rate, send on schedule
/// through warm-up and the measured duration, wait for the last deliveries, disconnect. A sample
/// goes to <c>onSample</c> every second.
/// </summary>
public sealed partial class LoadRunner
{
    private readonly LoadSettings _settings;
    private readonly Plan _plan;
    private readonly LoadClient[] _clients;
    private readonly int[] _joinedPerRoom;
    private readonly RunCounters _counters = new();
    private readonly DeliveryTracker _tracker;
    private readonly IntervalRecorder _connectTime = new();
    private readonly Action<Sample>? _onSample;
    private readonly List<Sample> _samples = [];
    private Scheduler? _scheduler;
    private EventLoop? _loop;
    private RawEventLog? _raw;
    private volatile string _phase = "connect";
    private volatile bool _stopping;
    private long _peakConnected;

    public LoadRunner(LoadSettings settings, Action<Sample>? onSample = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        _settings = settings;
        _plan = new Plan(settings);
        _tracker = new DeliveryTracker(_plan);
        _onSample = onSample;
        _joinedPerRoom = new int[settings.Rooms];
        _clients = new LoadClient[_plan.ClientIndexes.Length];
        for (var local = 0; local < _clients.Length; local++)
        {
            var global = _plan.ClientIndexes[local];
            _clients[local] = new LoadClient(local, global, _plan.RoomOf(global), _plan.SlotOf(global), _plan.NameOf(global));
        }
    }

    /// <summary>The limits the server announced, for the result (set by the caller after its probe).</summary>
    public ProtocolLimits? ServerLimits { get; init; }

    /// <summary>Warnings found before the run (plan checks), carried into the result.</summary>
    public IReadOnlyList<string> Warnings { get; init; } = [];

    public async Task<RunResult> RunAsync(CancellationToken cancellationToken)
    {
        using var sources = new SourceAddresses(_settings.SourceAddresses);
        using var loop = _loop = _settings.UsesLeanPath ? EventLoop.Start() : null;
        using var raw = _raw = _settings.RawFile is { } rawFile ? new RawEventLog(rawFile) : null;
        using var sampling = new CancellationTokenSource();
        var started = Stopwatch.GetTimestamp();
        var sampler = SampleLoopAsync(started, sampling.Token);
        var measuredFrom = 0L;
        var measuredTo = 0L;
        try
        {
            await ConnectAllAsync(sources, cancellationToken).ConfigureAwait(false);
            if (!cancellationToken.IsCancellationRequested && _plan.TotalMessages > 0)
            {
                // Connecting leaves the clients' state young among much garbage; the collections that
                // would promote it later pause every thread, the event loop too, for milliseconds.
                // Done now, before the schedule starts, they delay no send.
                GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
                GC.WaitForPendingFinalizers();
                var start = Stopwatch.GetTimestamp() + (Stopwatch.Frequency / 100);
                _tracker.Start(start);
                measuredFrom = _tracker.ScheduledTicks(_plan.WarmupMessages);
                measuredTo = start + (long)((_settings.Warmup + _settings.Duration).TotalSeconds * Stopwatch.Frequency);
                _scheduler = new Scheduler(_plan.TotalMessages, _plan.WarmupMessages, _tracker.ScheduledTicks, Send);
                _phase = _plan.WarmupMessages > 0 ? "warmup" : "measure";
                var sending = loop is not null ? loop.RunSchedulerAsync(_scheduler, cancellationToken) : _scheduler.RunAsync(cancellationToken);
                if (_plan.WarmupMessages > 0)
                {
                    await DelayUntilAsync(measuredFrom, cancellationToken).ConfigureAwait(false);
                    _phase = "measure";
                }

                await sending.ConfigureAwait(false);
                await DelayUntilAsync(measuredTo, cancellationToken).ConfigureAwait(false);
                _phase = "drain";
                await DrainAsync(cancellationToken).ConfigureAwait(false);
            }
            else if (!cancellationToken.IsCancellationRequested)
            {
                // Nothing to send: hold the connections for the duration (an idle-connection test).
                _phase = "measure";
                measuredFrom = Stopwatch.GetTimestamp();
                await Task.Delay(_settings.Warmup + _settings.Duration, cancellationToken).ConfigureAwait(false);
                measuredTo = Stopwatch.GetTimestamp();
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Ctrl+C: report what was measured so far.
            measuredTo = Stopwatch.GetTimestamp();
        }
        finally
        {
            _tracker.Close();
            _stopping = true;
            await CloseAllAsync().ConfigureAwait(false);
            await sampling.CancelAsync().ConfigureAwait(false);
            await sampler.ConfigureAwait(false);
        }

        return BuildResult(measuredTo > measuredFrom ? (measuredTo - measuredFrom) / (double)Stopwatch.Frequency : 0);
    }

    private static async Task DelayUntilAsync(long ticks, CancellationToken cancellationToken)
    {
        var remaining = ticks - Stopwatch.GetTimestamp();
        if (remaining > 0)
        {
            await Task.Delay(TimeSpan.FromSeconds(remaining / (double)Stopwatch.Frequency), cancellationToken).ConfigureAwait(false);
        }
    }

    // Waits for the copies still on their way, at most the drain time.
    private async Task DrainAsync(CancellationToken cancellationToken)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(_settings.Drain.TotalSeconds * Stopwatch.Frequency);
        while (_tracker.Delivered < _tracker.Expected && Stopwatch.GetTimestamp() < deadline)
        {
            await Task.Delay(20, cancellationToken).ConfigureAwait(false);
        }
    }

    private RunResult BuildResult(double measuredSeconds)
    {
        _connectTime.TakeInterval();
        var cpu = _samples.Where(s => s.Phase is "warmup" or "measure").Select(s => s.CpuPercent).DefaultIfEmpty(0).ToList();
        return new RunResult
        {
            Deliveries = _tracker.Snapshot(),
            SentTotal = _counters.Sent,
            NotSent = _counters.NotSent,
            Acks = _counters.Acks,
            Connected = Interlocked.Read(ref _peakConnected),
            ConnectAttempts = _counters.ConnectAttempts,
            ConnectFailures = new(_counters.ConnectFailures),
            Errors = new(_counters.Errors),
            Closes = new(_counters.Closes),
            Latency = _tracker.Latency.Total,
            ConnectTime = _connectTime.Total,
            SchedulerLateness = _scheduler?.Lateness.Total ?? HistogramData.Empty,
            CpuPercentMean = Math.Round(cpu.Average(), 1),
            CpuPercentMax = Math.Round(cpu.Max(), 1),
            MeasuredSeconds = Math.Round(measuredSeconds, 3),
            ServerLimits = ServerLimits,
            Samples = [.. _samples],
            Warnings = [.. Warnings],
        };
    }
}
