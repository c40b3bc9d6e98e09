using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using ScaleChat.Server.Hub;
using ScaleChat.Server.Metrics;

namespace ScaleChat.Server.Hosting;

/// <summary>
/// <c>GET /api/stats</c>: this node's figures of the last second as JSON, for the dashboard. A
/// sampler listens to the server's own instruments and turns counters into rates once a second,
/// so any number of dashboards can poll without disturbing the figures. Its JSON is a subset of
/// the full stats snapshot with the same names, so the dashboard reads either; when the full
/// sampler is in, this class and its two registrations in <see cref="ScaleChatServer"/> go.
/// </summary>
internal static class StatsEndpoint
{
    public static void AddStats(IServiceCollection services)
    {
        services.AddSingleton<StatsSampler>();
        services.AddHostedService(sp => sp.GetRequiredService<StatsSampler>());
    }

    public static void Map(WebApplication app) =>
        app.MapGet("/api/stats", (StatsSampler sampler) => Results.Json(sampler.Latest, StatsJson.Default.StatsSnapshot));
}

/// <summary>One node's figures; <see cref="Nodes"/> lists every node (only this one without a shared view).</summary>
internal sealed record StatsSnapshot(
    string Node, double UptimeSeconds, ConnectionStats Connections, MessageStats Messages, LatencyStats Latency,
    SendQueueStats SendQueue, ErrorStats Errors, int Rooms, int Users, ProcessStats Process)
{
    public IReadOnlyList<StatsSnapshot>? Nodes { get; init; }
}

internal sealed record ConnectionStats(int Total, int V1, int Legacy);

internal sealed record MessageStats(double InPerSecond, double OutPerSecond, double DeliveredPerSecond);

internal sealed record LatencySummary(double? P50Ms, double? P99Ms);

internal sealed record LatencyStats(LatencySummary FanOut);

internal sealed record SendQueueStats(long Bytes, long MaxBytes, long SlowDisconnects);

internal sealed record ErrorStats(long RateLimited);

internal sealed record ProcessStats(double CpuPercent, long WorkingSetBytes, long GcHeapBytes, int ThreadPoolThreads, long ThreadPoolQueueLength);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(StatsSnapshot))]
internal sealed partial class StatsJson : JsonSerializerContext;

/// <summary>Samples the hub, the instruments and the process once a second.</summary>
internal sealed class StatsSampler : BackgroundService
{
    private const int LatencySamples = 4096;
    private readonly ChatHub _hub;
    private readonly MeterListener _listener = new();
    private readonly double[] _latencies = new double[LatencySamples];
    private readonly long _started = Stopwatch.GetTimestamp();
    private long _received, _delivered, _slow, _rateLimited, _latencyCount, _latencyTaken;
    private volatile StatsSnapshot _latest;

    public StatsSampler(ChatHub hub)
    {
        _hub = hub;
        _latest = Sample(default, TimeSpan.FromSeconds(1), TimeSpan.Zero);
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == ChatMetrics.MeterName)
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>(OnCount);
        _listener.SetMeasurementEventCallback<double>(OnDuration);
        _listener.Start();
    }

    public StatsSnapshot Latest => _latest;

    private void OnCount(Instrument instrument, long value, ReadOnlySpan<KeyValuePair<string, object?>> tags, object? state)
    {
        switch (instrument.Name)
        {
            case "scalechat.messages.received": Interlocked.Add(ref _received, value); break;
            case "scalechat.messages.delivered": Interlocked.Add(ref _delivered, value); break;
            case "scalechat.slow_consumer.disconnects": Interlocked.Add(ref _slow, value); break;
            case "scalechat.frames.rejected" when tags.Length > 0 && tags[0].Value is "rate_limited": Interlocked.Add(ref _rateLimited, value); break;
        }
    }

    private void OnDuration(Instrument instrument, double seconds, ReadOnlySpan<KeyValuePair<string, object?>> tags, object? state)
    {
        // A ring of recent fan-out times: percentiles over the last few thousand, at no lock.
        var index = Interlocked.Increment(ref _latencyCount) - 1;
        _latencies[index % LatencySamples] = seconds * 1000;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1));
        var last = Counts.Take(this);
        var lastAt = Stopwatch.GetTimestamp();
        var lastCpu = Process.GetCurrentProcess().TotalProcessorTime;
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                var now = Counts.Take(this);
                var elapsed = Stopwatch.GetElapsedTime(lastAt);
                lastAt = Stopwatch.GetTimestamp();
                var cpu = Process.GetCurrentProcess().TotalProcessorTime;
                _latest = Sample(now - last, elapsed, cpu - lastCpu);
                (last, lastCpu) = (now, cpu);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    public override void Dispose()
    {
        _listener.Dispose();
        base.Dispose();
    }

    private StatsSnapshot Sample(Counts delta, TimeSpan elapsed, TimeSpan cpu)
    {
        var seconds = Math.Max(elapsed.TotalSeconds, 0.001);
        int v1 = 0, legacy = 0;
        long queued = 0, maxQueued = 0;
        foreach (var connection in _hub.Connections)
        {
            _ = connection.IsLegacy ? legacy++ : v1++;
            var bytes = connection.QueuedBytes;
            queued += bytes;
            maxQueued = Math.Max(maxQueued, bytes);
        }

        var (p50, p99) = Percentiles();
        var snapshot = new StatsSnapshot(
            _hub.NodeId, Stopwatch.GetElapsedTime(_started).TotalSeconds,
            new ConnectionStats(v1 + legacy, v1, legacy),
            new MessageStats(delta.Received / seconds, delta.Delivered / seconds, delta.Delivered / seconds),
            new LatencyStats(new LatencySummary(p50, p99)),
            new SendQueueStats(queued, maxQueued, Interlocked.Read(ref _slow)),
            new ErrorStats(Interlocked.Read(ref _rateLimited)), _hub.RoomCount, _hub.UserCount,
            new ProcessStats(cpu.TotalSeconds / seconds / Environment.ProcessorCount * 100, Environment.WorkingSet,
                GC.GetTotalMemory(false), ThreadPool.ThreadCount, ThreadPool.PendingWorkItemCount));
        return snapshot with { Nodes = [snapshot] };
    }

    /// <summary>Percentiles of the fan-outs since the last sample (the most recent few thousand of them).</summary>
    private (double?, double?) Percentiles()
    {
        var total = Interlocked.Read(ref _latencyCount);
        var count = (int)Math.Min(total - _latencyTaken, LatencySamples);
        _latencyTaken = total;
        if (count <= 0)
        {
            return (null, null);
        }

        var values = new double[count];
        for (var i = 0; i < count; i++)
        {
            values[i] = _latencies[(total - 1 - i) % LatencySamples];
        }

        Array.Sort(values);
        return (values[(int)(count * 0.5)], values[Math.Min(count - 1, (int)(count * 0.99))]);
    }

    private readonly record struct Counts(long Received, long Delivered)
    {
        public static Counts Take(StatsSampler s) => new(Interlocked.Read(ref s._received), Interlocked.Read(ref s._delivered));

        public static Counts operator -(Counts a, Counts b) => new(a.Received - b.Received, a.Delivered - b.Delivered);
    }
}
