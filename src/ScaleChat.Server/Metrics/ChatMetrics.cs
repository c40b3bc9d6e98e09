using System.Diagnostics.Metrics;

namespace ScaleChat.Server.Metrics;

/// <summary>
/// The server's instruments (meter <c>ScaleChat.Server</c>). Tags are pre-allocated and counts are
/// added once per batch or fan-out, not once per recipient, so recording costs nothing measurable
/// on the message path.
/// </summary>
public sealed class ChatMetrics
{
    /// <summary>The meter's name.</summary>
    public const string MeterName = "ScaleChat.Server";

    private static readonly KeyValuePair<string, object?> V1 = new("protocol", "v1");
    private static readonly KeyValuePair<string, object?> LegacyProtocol = new("protocol", "legacy");
    private static readonly KeyValuePair<string, object?> RoomKind = new("kind", "room");
    private static readonly KeyValuePair<string, object?> PrivateKind = new("kind", "private");
    private static readonly KeyValuePair<string, object?> LegacyKind = new("kind", "legacy");

    private readonly UpDownCounter<long> _activeConnections;
    private readonly Counter<long> _opened;
    private readonly Counter<long> _closed;
    private readonly Counter<long> _refused;
    private readonly Counter<long> _received;
    private readonly Counter<long> _delivered;
    private readonly Counter<long> _bytesIn;
    private readonly Counter<long> _bytesOut;
    private readonly Counter<long> _framesOut;
    private readonly Counter<long> _slowConsumers;
    private readonly Counter<long> _rejected;
    private readonly Histogram<double> _fanOut;

    /// <summary>Creates the instruments on a meter from <paramref name="meterFactory"/>.</summary>
    public ChatMetrics(IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        var meter = meterFactory.Create(MeterName);
        _activeConnections = meter.CreateUpDownCounter<long>("scalechat.connections.active", "{connection}", "Open WebSocket connections.");
        _opened = meter.CreateCounter<long>("scalechat.connections.opened", "{connection}", "WebSocket connections accepted.");
        _closed = meter.CreateCounter<long>("scalechat.connections.closed", "{connection}", "WebSocket connections closed, by close code.");
        _refused = meter.CreateCounter<long>("scalechat.connections.refused", "{connection}", "Connections refused before the upgrade (connection limit, bad room, shutting down).");
        _received = meter.CreateCounter<long>("scalechat.messages.received", "{message}", "Chat messages accepted from clients, by kind.");
        _delivered = meter.CreateCounter<long>("scalechat.messages.delivered", "{message}", "Chat messages queued to local recipients, by kind.");
        _bytesIn = meter.CreateCounter<long>("scalechat.bytes.received", "By", "WebSocket payload bytes received.");
        _bytesOut = meter.CreateCounter<long>("scalechat.bytes.sent", "By", "WebSocket payload bytes sent.");
        _framesOut = meter.CreateCounter<long>("scalechat.frames.sent", "{frame}", "WebSocket frames sent (each may batch many objects).");
        _slowConsumers = meter.CreateCounter<long>("scalechat.slow_consumer.disconnects", "{connection}", "Connections closed with 4008 because their send queue overflowed.");
        _rejected = meter.CreateCounter<long>("scalechat.frames.rejected", "{object}", "Client objects refused, by error code.");
        _fanOut = meter.CreateHistogram<double>("scalechat.fanout.duration", "s", "Time from a message's arrival at the hub to its last local enqueue.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.00001, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25] });
    }

    internal void ConnectionOpened(bool legacy)
    {
        var tag = legacy ? LegacyProtocol : V1;
        _opened.Add(1, tag);
        _activeConnections.Add(1, tag);
    }

    internal void ConnectionClosed(bool legacy, int closeCode)
    {
        _activeConnections.Add(-1, legacy ? LegacyProtocol : V1);
        _closed.Add(1, new KeyValuePair<string, object?>("code", CloseCodeTag(closeCode)));
    }

    internal void ConnectionRefused(string reason) => _refused.Add(1, new KeyValuePair<string, object?>("reason", reason));

    internal void MessageAccepted(bool legacy, bool isPrivate) =>
        _received.Add(1, legacy ? LegacyKind : isPrivate ? PrivateKind : RoomKind);

    internal void Delivered(int recipients, bool isPrivate) => _delivered.Add(recipients, isPrivate ? PrivateKind : RoomKind);

    internal void FanOut(TimeSpan elapsed) => _fanOut.Record(elapsed.TotalSeconds);

    internal void Received(int bytes) => _bytesIn.Add(bytes);

    internal void Sent(int objects, int bytes)
    {
        _framesOut.Add(1);
        _bytesOut.Add(bytes);
    }

    internal void SlowConsumer() => _slowConsumers.Add(1);

    internal void Rejected(string code) => _rejected.Add(1, new KeyValuePair<string, object?>("code", code));

    // Close codes are few; boxing each as a string once keeps the tag cheap.
    private static string CloseCodeTag(int code) => code switch
    {
        1000 => "1000", 1001 => "1001", 1003 => "1003", 1007 => "1007", 1008 => "1008", 1009 => "1009",
        1011 => "1011", 1013 => "1013", 4008 => "4008", 4029 => "4029",
        _ => code.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };
}
