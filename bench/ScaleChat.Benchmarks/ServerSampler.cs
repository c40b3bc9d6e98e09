using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace ScaleChat.Benchmarks;

/// <summary>
/// Watches a <see cref="ServerProcess"/> while an attack runs: its RSS every 250 ms (so a short
/// peak is seen; VmHWM catches what falls between samples) and its <c>/api/stats</c> every second
/// (one CSV row each; a row without figures is a second in which the server did not answer), and
/// the highest figures since the last <see cref="ResetPeaks"/>.
/// </summary>
internal sealed class ServerSampler : IAsyncDisposable
{
    private static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan StatsTick = TimeSpan.FromSeconds(1);

    private readonly ServerProcess _server;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly StringBuilder _csv = new("seconds,phase,rss_bytes,hwm_bytes,connections,rooms,history_messages,gc_heap_bytes,send_queue_bytes,send_queue_max_bytes,slow_disconnects\n");
    private readonly CancellationTokenSource _stop = new();
    private readonly Lock _lock = new();
    private readonly Task _loop;
    private long _peakRss;
    private long _peakQueueBytes;
    private long _peakQueueMaxBytes;
    private long _peakConnections;

    public ServerSampler(ServerProcess server)
    {
        _server = server;
        _loop = Task.Run(LoopAsync);
    }

    /// <summary>What the rows are labelled with now.</summary>
    public string Phase { get; set; } = "start";

    /// <summary>Highest RSS seen since the last reset.</summary>
    public long PeakRss => Volatile.Read(ref _peakRss);

    /// <summary>Highest <c>sendQueue.bytes</c> (all queues) seen since the last reset.</summary>
    public long PeakQueueBytes => Volatile.Read(ref _peakQueueBytes);

    /// <summary>Highest <c>sendQueue.maxBytes</c> (the fullest queue) seen since the last reset.</summary>
    public long PeakQueueMaxBytes => Volatile.Read(ref _peakQueueMaxBytes);

    /// <summary>Most open connections seen since the last reset.</summary>
    public long PeakConnections => Volatile.Read(ref _peakConnections);

    /// <summary>The rows so far.</summary>
    public string Csv
    {
        get
        {
            lock (_lock)
            {
                return _csv.ToString();
            }
        }
    }

    /// <summary>Starts the peaks again from the current figures.</summary>
    public void ResetPeaks()
    {
        Volatile.Write(ref _peakRss, _server.Memory().Rss);
        Volatile.Write(ref _peakQueueBytes, 0);
        Volatile.Write(ref _peakQueueMaxBytes, 0);
        Volatile.Write(ref _peakConnections, 0);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _loop;
        _stop.Dispose();
    }

    private async Task LoopAsync()
    {
        // Memory and stats apart: a server too busy to answer /api/stats must not stop the RSS samples.
        await Task.WhenAll(MemoryLoopAsync(), StatsLoopAsync());
    }

    private async Task MemoryLoopAsync()
    {
        using var timer = new PeriodicTimer(Tick);
        try
        {
            do
            {
                Max(ref _peakRss, _server.Memory().Rss);
            }
            while (await timer.WaitForNextTickAsync(_stop.Token));
        }
        catch (OperationCanceledException)
        {
            // Stopped.
        }
    }

    private async Task StatsLoopAsync()
    {
        using var timer = new PeriodicTimer(StatsTick);
        try
        {
            do
            {
                var stats = await _server.StatsAsync();
                var (rss, hwm) = _server.Memory();
                if (stats is not null)
                {
                    Max(ref _peakQueueBytes, stats.SendQueueBytes);
                    Max(ref _peakQueueMaxBytes, stats.SendQueueMaxBytes);
                    Max(ref _peakConnections, stats.Connections);
                }

                lock (_lock)
                {
                    _csv.Append(CultureInfo.InvariantCulture,
                        $"{_clock.Elapsed.TotalSeconds:0.0},{Phase},{rss},{hwm},{stats?.Connections},{stats?.Rooms},{stats?.HistoryMessages},{stats?.GcHeapBytes},{stats?.SendQueueBytes},{stats?.SendQueueMaxBytes},{stats?.SlowDisconnects}\n");
                }
            }
            while (await timer.WaitForNextTickAsync(_stop.Token));
        }
        catch (OperationCanceledException)
        {
            // Stopped.
        }
    }

    private static void Max(ref long target, long value)
    {
        long current;
        while (value > (current = Volatile.Read(ref target)) && Interlocked.CompareExchange(ref target, value, current) != current)
        {
        }
    }
}
