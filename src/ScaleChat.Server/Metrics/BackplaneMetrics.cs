using System.Diagnostics;
using System.Diagnostics.Metrics;
using ScaleChat.Protocol;

namespace ScaleChat.Server.Metrics;

/// <summary>
/// What goes through the backplane, measured where the hub meets it so every implementation
/// (in-memory, Redis) is measured the same way: publishes and their latency, what arrives and,
/// for messages from other nodes, how long after their acceptance.
/// </summary>
internal sealed class BackplaneMetrics
{
    private static readonly KeyValuePair<string, object?> RoomKind = new("kind", "room");
    private static readonly KeyValuePair<string, object?> PrivateKind = new("kind", "private");
    private static readonly KeyValuePair<string, object?> PresenceKind = new("kind", "presence");

    private readonly Counter<long> _published;
    private readonly Histogram<double> _publishDuration;
    private readonly Counter<long> _received;
    private readonly Histogram<double> _receiveLag;

    public BackplaneMetrics(IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        var meter = meterFactory.Create(ChatMetrics.MeterName);
        var buckets = new InstrumentAdvice<double> { HistogramBucketBoundaries = ChatMetrics.LatencyBuckets };
        _published = meter.CreateCounter<long>(Names.Published, "{message}", "Messages published to the backplane, by kind.");
        _publishDuration = meter.CreateHistogram(Names.PublishDuration, "s", "Time a publish to the backplane took, until it was safely in history.", advice: buckets);
        _received = meter.CreateCounter<long>(Names.Received, "{message}", "Messages and presence events the backplane delivered to this node, by kind.");
        _receiveLag = meter.CreateHistogram(Names.ReceiveLag, "s", "Time from a message's acceptance on another node to its arrival here (wall clocks, millisecond precision).", advice: buckets);
    }

    /// <summary>A publish that started at <paramref name="started"/> (a Stopwatch timestamp) has completed.</summary>
    public void Published(long started, bool isPrivate)
    {
        _published.Add(1, isPrivate ? PrivateKind : RoomKind);
        _publishDuration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds);
    }

    /// <summary>The backplane delivered <paramref name="message"/>; <paramref name="remote"/> when another node accepted it.</summary>
    public void Received(ChatMessage message, bool remote)
    {
        _received.Add(1, message.Room is null ? PrivateKind : RoomKind);
        if (remote && message.Timestamp > 0)
        {
            var lag = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() - message.Timestamp;
            _receiveLag.Record(Math.Max(0, lag) / 1000.0);
        }
    }

    /// <summary>Adds zero to the usual series so that they are exported from the start.</summary>
    public void Initialize()
    {
        foreach (var kind in (ReadOnlySpan<KeyValuePair<string, object?>>)[RoomKind, PrivateKind])
        {
            _published.Add(0, kind);
            _received.Add(0, kind);
        }

        _received.Add(0, PresenceKind);
    }

    public void PresenceReceived() => _received.Add(1, PresenceKind);

    internal static class Names
    {
        public const string Published = "scalechat.backplane.published";
        public const string PublishDuration = "scalechat.backplane.publish.duration";
        public const string Received = "scalechat.backplane.received";
        public const string ReceiveLag = "scalechat.backplane.receive.lag";
    }
}
