using System.Diagnostics;
using System.Diagnostics.Metrics;
using ScaleChat.Backplane;
using ScaleChat.Protocol;

namespace ScaleChat.Server.Metrics;

/// <summary>
/// The connections' and the hub's instruments (meter <c>ScaleChat.Server</c>). Tags are pre-allocated
/// and counts are added once per message or fan-out, never once per recipient; frames and bytes are
/// counted in each connection's own fields and observed on scrape (<see cref="NodeMetrics"/>), so
/// recording costs nothing measurable on the message path (bench/results/metrics.md).
/// </summary>
public sealed class ChatMetrics
{
    /// <summary>The meter's name, shared by every ScaleChat metrics class.</summary>
    public const string MeterName = "ScaleChat.Server";

    /// <summary>Latency buckets, in seconds, from 10 µs to 1 s.</summary>
    internal static readonly IReadOnlyList<double> LatencyBuckets =
        [0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1];

    private static readonly KeyValuePair<string, object?> V1 = new("protocol", "v1");
    private static readonly KeyValuePair<string, object?> LegacyProtocol = new("protocol", "legacy");
    private static readonly KeyValuePair<string, object?> RoomKind = new("kind", "room");
    private static readonly KeyValuePair<string, object?> PrivateKind = new("kind", "private");
    private static readonly KeyValuePair<string, object?> LegacyKind = new("kind", "legacy");
    private static readonly int[] KnownCloseCodes =
    [
        CloseCodes.Normal, CloseCodes.GoingAway, CloseCodes.ProtocolError, CloseCodes.UnsupportedData, CloseCodes.Abnormal, CloseCodes.InvalidPayload, CloseCodes.PolicyViolation,
        CloseCodes.MessageTooBig, CloseCodes.InternalError, CloseCodes.ServiceRestart, CloseCodes.TryAgainLater, CloseCodes.SlowConsumer, CloseCodes.RateLimitExceeded,
    ];

    private readonly Dictionary<int, KeyValuePair<string, object?>> _closeCodeTags =
        KnownCloseCodes.Distinct().ToDictionary(c => c, CodeTag);

    private readonly Lock _closedLock = new();
    private Traffic _closedTraffic;
    private readonly Counter<long> _opened;
    private readonly Counter<long> _closed;
    private readonly Counter<long> _refused;
    private readonly Counter<long> _received;
    private readonly Counter<long> _delivered;
    private readonly Counter<long> _slowConsumers;
    private readonly Counter<long> _rejected;
    private readonly Histogram<double> _fanOut;
    private readonly Histogram<double> _delivery;

    /// <summary>Creates the instruments on a meter from <paramref name="meterFactory"/>.</summary>
    public ChatMetrics(IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        var meter = meterFactory.Create(MeterName);
        _opened = meter.CreateCounter<long>(Names.ConnectionsOpened, "{connection}", "WebSocket connections accepted, by protocol.");
        _closed = meter.CreateCounter<long>(Names.ConnectionsClosed, "{connection}", "WebSocket connections closed, by close code.");
        _refused = meter.CreateCounter<long>(Names.ConnectionsRefused, "{connection}", "Connections refused before the upgrade, by reason.");
        _received = meter.CreateCounter<long>(Names.MessagesReceived, "{message}", "Chat messages accepted from clients, by kind.");
        _delivered = meter.CreateCounter<long>(Names.MessagesDelivered, "{message}", "Chat messages queued to local recipients, by kind.");
        _slowConsumers = meter.CreateCounter<long>(Names.SlowConsumers, "{connection}", "Connections closed with 4008 because their send queue overflowed.");
        _rejected = meter.CreateCounter<long>(Names.Rejected, "{object}", "Client objects refused, by error code (rate_limited among them).");
        var buckets = new InstrumentAdvice<double> { HistogramBucketBoundaries = LatencyBuckets };
        _fanOut = meter.CreateHistogram(Names.FanOutDuration, "s", "Time of one room fan-out: from the message's arrival at the hub to its last local enqueue.", advice: buckets);
        _delivery = meter.CreateHistogram(Names.DeliveryDuration, "s", "Time from the receipt of a client's frame to the last local enqueue of its message.", advice: buckets);
    }

    internal void ConnectionOpened(bool legacy)
    {
        _opened.Add(1, legacy ? LegacyProtocol : V1);
    }

    /// <summary>The traffic of every closed connection (open ones keep their own, see <see cref="Traffic"/>).</summary>
    internal Traffic ClosedTraffic
    {
        get
        {
            lock (_closedLock)
            {
                return _closedTraffic;
            }
        }
    }

    internal void ConnectionClosed(int closeCode, in Traffic traffic)
    {
        lock (_closedLock)
        {
            _closedTraffic.Add(traffic);
        }

        _closed.Add(1, _closeCodeTags.TryGetValue(closeCode, out var tag) ? tag : CodeTag(closeCode));
    }

    /// <summary>
    /// Adds zero to the usual series, so that they are exported (and dashboards draw a line) from the
    /// start instead of from their first event. Called once the exporters listen.
    /// </summary>
    internal void Initialize()
    {
        _opened.Add(0, V1);
        _opened.Add(0, LegacyProtocol);
        _closed.Add(0, _closeCodeTags[CloseCodes.Normal]);
        _refused.Add(0, new KeyValuePair<string, object?>("reason", "connection_limit"));
        foreach (var kind in (ReadOnlySpan<KeyValuePair<string, object?>>)[RoomKind, PrivateKind, LegacyKind])
        {
            _received.Add(0, kind);
            _delivered.Add(0, kind);
        }

        _slowConsumers.Add(0);

        _rejected.Add(0, new KeyValuePair<string, object?>("code", ErrorCodes.RateLimited));
    }

    internal void ConnectionRefused(string reason) => _refused.Add(1, new KeyValuePair<string, object?>("reason", reason));

    internal void MessageAccepted(bool legacy, bool isPrivate) =>
        _received.Add(1, legacy ? LegacyKind : isPrivate ? PrivateKind : RoomKind);

    /// <summary>One fan-out's recipients: version-1 ones by the message's kind, legacy ones as legacy.</summary>
    internal void Delivered(int recipients, bool isPrivate, int legacyRecipients = 0)
    {
        if (recipients > 0)
        {
            _delivered.Add(recipients, isPrivate ? PrivateKind : RoomKind);
        }

        if (legacyRecipients > 0)
        {
            _delivered.Add(legacyRecipients, LegacyKind);
        }
    }

    /// <summary>
    /// One room fan-out that started at <paramref name="started"/>, and the message's delivery latency:
    /// since its frame was read when it was sent on this node, since it was accepted (by the wall
    /// clocks of both nodes) when it came from another.
    /// </summary>
    internal void FanOut(long started, Envelope envelope)
    {
        var now = Stopwatch.GetTimestamp();
        _fanOut.Record(Stopwatch.GetElapsedTime(started, now).TotalSeconds);
        if (envelope.SecondsSinceReceived(now, Envelope.UnixMicroseconds(DateTimeOffset.UtcNow)) is { } latency)
        {
            _delivery.Record(latency);
        }
    }

    internal void SlowConsumer() => _slowConsumers.Add(1);

    internal void Rejected(string code) => _rejected.Add(1, new KeyValuePair<string, object?>("code", code));

    private static KeyValuePair<string, object?> CodeTag(int code) =>
        new("code", code.ToString(System.Globalization.CultureInfo.InvariantCulture));

    /// <summary>The instruments' names, for the stats listener and the tests.</summary>
    internal static class Names
    {
        public const string ConnectionsOpened = "scalechat.connections.opened";
        public const string ConnectionsClosed = "scalechat.connections.closed";
        public const string ConnectionsRefused = "scalechat.connections.refused";
        public const string MessagesReceived = "scalechat.messages.received";
        public const string MessagesDelivered = "scalechat.messages.delivered";
        public const string BytesReceived = "scalechat.received";
        public const string BytesSent = "scalechat.sent";
        public const string FramesReceived = "scalechat.frames.received";
        public const string FramesSent = "scalechat.frames.sent";
        public const string ObjectsSent = "scalechat.objects.sent";
        public const string SlowConsumers = "scalechat.slow_consumer.disconnects";
        public const string Rejected = "scalechat.frames.rejected";
        public const string FanOutDuration = "scalechat.fanout.duration";
        public const string DeliveryDuration = "scalechat.delivery.duration";
    }
}
