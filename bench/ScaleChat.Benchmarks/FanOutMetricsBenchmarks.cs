using System.Buffers;
using System.Diagnostics;
using System.Net.WebSockets;
using System.Reflection;
using BenchmarkDotNet.Attributes;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Metrics;
using ScaleChat.Backplane;
using ScaleChat.Protocol;
using ScaleChat.Protocol.Frames;
using ScaleChat.Server;
using ScaleChat.Server.Connections;
using ScaleChat.Server.Hosting;
using ScaleChat.Server.Hub;
using ScaleChat.Server.Stats;

namespace ScaleChat.Benchmarks;

/// <summary>
/// One room message through the server's message path with and without the metrics listeners
/// attached (OpenTelemetry's Prometheus exporter and the /api/stats listener): accepted, published,
/// fanned out to every member's send queue, and each queue drained as the writer loop would, with
/// its per-batch recording. The services are the real ones, built as <c>scalechat serve</c> builds
/// them; without the listeners every instrument call returns at once.
/// </summary>
[MemoryDiagnoser]
[MinColumn]
[MedianColumn]
public class FanOutMetricsBenchmarks
{
    private static readonly FieldInfo QueueField = typeof(Connection).GetField("_queue", BindingFlags.NonPublic | BindingFlags.Instance)!;

    private WebApplication _app = null!;
    private ChatHub _hub = null!;
    private SendQueue[] _queues = [];
    private Connection[] _connections = [];
    private Envelope _message = null!;
    private long _seq;

    [Params(false, true)]
    public bool Listeners { get; set; }

    [Params(100)]
    public int Members { get; set; }

    [GlobalSetup]
    public async Task SetupAsync()
    {
        // Built but not started nor mapped: nothing listens to the meters unless asked for below.
        var builder = ScaleChatServer.CreateBuilder(["--urls=http://127.0.0.1:0", "--ScaleChat:SummaryInterval=00:00:00"]);
        builder.Logging.ClearProviders();
        _app = builder.Build();
        var services = _app.Services;
        _hub = services.GetRequiredService<ChatHub>();
        if (Listeners)
        {
            // What a running server has: the exporter's meter provider and the stats listener.
            services.GetRequiredService<MeterProvider>();
            services.GetRequiredService<StatsListener>();
        }

        Console.WriteLine($"// Listeners: {Listeners}; the delivered counter is enabled: {IsListenedTo(ScaleChat.Server.Metrics.ChatMetrics.Names.MessagesDelivered)}");

        var options = services.GetRequiredService<ChatServerOptions>();
        var queues = new List<SendQueue>();
        var connections = new List<Connection>();
        for (var i = 0; i < Members; i++)
        {
            var socket = WebSocket.CreateFromStream(Stream.Null, new WebSocketCreationOptions { IsServer = true });
            var connection = new Connection(socket, legacy: false, _hub, _hub.Metrics, options, _hub.Time, services.GetRequiredService<ILogger<Connection>>());
            _hub.Register(connection);
            ClientFrameParser.TryParse(System.Text.Encoding.UTF8.GetBytes($"{{\"type\":\"hello\",\"name\":\"user{i}\"}}"), options.Limits, out var hello, out _);
            await _hub.HandleAsync(connection, hello, null);
            queues.Add((SendQueue)QueueField.GetValue(connection)!);
            connections.Add(connection);
        }

        _queues = [.. queues];
        _connections = [.. connections];
        Drain();
        _message = new Envelope
        {
            Message = new ChatMessage
            {
                Room = ProtocolConstants.GlobalRoom,
                From = "user0",
                Text = "a message of about forty-four characters....",
                Id = "0a1b2c3d4e-1",
                Timestamp = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
            },
            OriginNode = "elsewhere",
            ReceivedTimestamp = Stopwatch.GetTimestamp(),
        };
    }

    [GlobalCleanup]
    public async Task CleanupAsync() => await _app.DisposeAsync();

    [Benchmark(Description = "one room message to 100 members")]
    public void RoomMessage()
    {
        var started = Stopwatch.GetTimestamp();
        _hub.OnRoomMessage(_message.WithSeq(++_seq));
        _hub.BackplaneMetrics.Published(started, isPrivate: false);
        _hub.Metrics.MessageAccepted(legacy: false, isPrivate: false);
        Drain();
    }

    [Benchmark(Description = "its metric recordings alone")]
    public void RecordingsAlone()
    {
        var started = Stopwatch.GetTimestamp();
        _hub.BackplaneMetrics.Received(_message.Message, remote: true);
        _hub.Metrics.Delivered(Members, isPrivate: false);
        _hub.Metrics.FanOut(started, _message);
        _hub.BackplaneMetrics.Published(started, isPrivate: false);
        _hub.Metrics.MessageAccepted(legacy: false, isPrivate: false);
        foreach (var connection in _connections)
        {
            connection.CountSent(1, 100);
        }
    }

    private static bool IsListenedTo(string instrument)
    {
        var enabled = false;
        using var probe = new System.Diagnostics.Metrics.MeterListener
        {
            InstrumentPublished = (i, _) => enabled |= i.Name == instrument && i.Enabled,
        };
        probe.Start();
        return enabled;
    }

    // Each member's writer would send its one frame and record the batch.
    private void Drain()
    {
        for (var i = 0; i < _queues.Length; i++)
        {
            if (_queues[i].DequeueBatch(int.MaxValue, 0, out var count, out var length) is { } buffer)
            {
                _connections[i].CountSent(count, length);
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }
    }
}
