using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using ScaleChat.Server.Metrics;

namespace ScaleChat.Server.Stats;

/// <summary>
/// Listens to this server's own instruments (those of its meter factory, not another server's in the
/// same process) and keeps running totals and latency buckets for <c>/api/stats</c> and the summary
/// log line. It is one more listener beside the Prometheus exporter: each measurement costs an
/// interlocked add here.
/// </summary>
internal sealed class StatsListener : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly Dictionary<string, Total> _totals = new(StringComparer.Ordinal);
    private readonly Dictionary<string, LatencyRecorder> _latencies = new(StringComparer.Ordinal);

    public StatsListener(IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        foreach (var name in new[]
        {
            ChatMetrics.Names.ConnectionsOpened, ChatMetrics.Names.MessagesReceived, ChatMetrics.Names.MessagesDelivered,
            ChatMetrics.Names.SlowConsumers, BackplaneMetrics.Names.Published, BackplaneMetrics.Names.Received,
        })
        {
            _totals[name] = new Total(null);
        }

        _totals[ChatMetrics.Names.ConnectionsClosed] = new Total("code");
        _totals[ChatMetrics.Names.ConnectionsRefused] = new Total("reason");
        _totals[ChatMetrics.Names.Rejected] = new Total("code");
        foreach (var name in new[] { ChatMetrics.Names.FanOutDuration, ChatMetrics.Names.DeliveryDuration, BackplaneMetrics.Names.PublishDuration })
        {
            _latencies[name] = new LatencyRecorder();
        }

        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name != ChatMetrics.MeterName || !ReferenceEquals(instrument.Meter.Scope, meterFactory))
            {
                return;
            }

            object? state = _totals.TryGetValue(instrument.Name, out var total) ? total : _latencies.GetValueOrDefault(instrument.Name);
            if (state is not null)
            {
                listener.EnableMeasurementEvents(instrument, state);
            }
        };
        _listener.SetMeasurementEventCallback<long>(static (_, value, tags, state) => ((Total)state!).Add(value, tags));
        _listener.SetMeasurementEventCallback<double>(static (_, value, _, state) => ((LatencyRecorder)state!).Record(value));
        _listener.Start();
    }

    /// <summary>The running total of a counter (or the current value of an up-down counter).</summary>
    public long Get(string instrument) => _totals[instrument].Value;

    /// <summary>The running totals of a counter by its one tag (protocol, code or reason).</summary>
    public IReadOnlyDictionary<string, long> ByTag(string instrument) => _totals[instrument].ByTag;

    public LatencyRecorder Latency(string instrument) => _latencies[instrument];

    public void Dispose() => _listener.Dispose();

    private sealed class Total(string? tagName)
    {
        private long _value;

        public long Value => Volatile.Read(ref _value);

        public ConcurrentDictionary<string, long> ByTag { get; } = new(StringComparer.Ordinal);

        public void Add(long value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            Interlocked.Add(ref _value, value);
            if (tagName is null)
            {
                return;
            }

            foreach (var tag in tags)
            {
                if (tag.Key == tagName && tag.Value is string key)
                {
                    ByTag.AddOrUpdate(key, static (_, add) => add, static (_, old, add) => old + add, value);
                }
            }
        }
    }
}
