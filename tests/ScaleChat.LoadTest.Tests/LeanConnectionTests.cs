using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using ScaleChat.LoadTest.Clients;
using ScaleChat.LoadTest.Tests.Infrastructure;

namespace ScaleChat.LoadTest.Tests;

/// <summary>The lean receive path: its frame parser against hand-made frames, and against the full client on the real server.</summary>
public sealed class LeanConnectionTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task FramesSplitAtEveryByteStillGiveEveryObjectInOrder()
    {
        var big = "{\"type\":\"message\",\"text\":\"#3#" + new string('x', 300) + "\"}";
        var frames = new List<byte[]>
        {
            Frame(0x81, "{\"type\":\"message\",\"text\":\"#1#a\"}\n{\"type\":\"ack\"}"),
            Frame(0x89, "hi"),                                   // a ping, to be answered
            Frame(0x01, "{\"type\":\"message\",\"text\":\"#2"),  // a message in two fragments
            Frame(0x80, "#b\"}"),
            Frame(0x81, big),                                    // a 16-bit length
            Frame(0x88, "\u0003\u00e8"),                         // close 1000
        };

        var (objects, status, pong) = await ReceiveFromScriptAsync(frames.SelectMany(f => f).ToArray());

        Assert.Equal(["{\"type\":\"message\",\"text\":\"#1#a\"}", "{\"type\":\"ack\"}", "{\"type\":\"message\",\"text\":\"#2#b\"}", big], objects);
        Assert.Equal(1000, status);
        Assert.Equal("hi", pong);
    }

    [Fact]
    public void ClientFramesAreMaskedAndReadBackByTheirKey()
    {
        var payload = Encoding.UTF8.GetBytes(new string('y', 200));
        var frame = new byte[payload.Length + 14];

        var length = LeanConnection.WriteFrame(frame, 1, payload, 0x12345678);

        Assert.Equal(payload.Length + 8, length);
        Assert.Equal(0x81, frame[0]);
        Assert.Equal(0x80 | 126, frame[1]);
        Assert.Equal(200, BinaryPrimitives.ReadUInt16BigEndian(frame.AsSpan(2)));
        var key = frame.AsSpan(4, 4).ToArray();
        var unmasked = frame.AsSpan(8, payload.Length).ToArray().Select((b, i) => (byte)(b ^ key[i & 3])).ToArray();
        Assert.Equal(payload, unmasked);
    }

    [Fact]
    public void AnUpgradeAnswerWithTheWrongAcceptIsRefused()
    {
        var head = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nSec-WebSocket-Accept: nope\r\nSec-WebSocket-Protocol: scalechat.v1";

        Assert.Throws<System.Net.WebSockets.WebSocketException>(() => LeanConnection.CheckUpgrade(head, "a2V5a2V5a2V5a2V5a2V5YQ==", legacy: false));
    }

    [Fact]
    public void AnUpgradeRefusedWithAStatusNamesTheStatus()
    {
        var ex = Assert.Throws<HttpRequestException>(() => LeanConnection.CheckUpgrade("HTTP/1.1 503 Service Unavailable", "a2V5", legacy: false));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, ex.StatusCode);
    }

    [Theory]
    [InlineData("lean")]
    [InlineData("full")]
    public async Task BothReceivePathsCountEveryDeliveryOnTheRealServer(string path)
    {
        await using var server = await TestServer.StartAsync();
        var run = await LoadCli.RunAsync(LoadCli.Short(server.WsUrl, "--clients", "30", "--rooms", "2", "--publishers", "6", "--rate", "60", "--size", "64-3000", "--receive", path));

        Assert.True(run.ExitCode == 0, run.Output + run.Error);
        Assert.Equal(120, run.Long("sent"));
        Assert.Equal(120 * 15, run.Long("expected"));
        Assert.Equal(run.Long("expected"), run.Long("delivered"));
        Assert.Equal(0, run.Long("duplicates") + run.Long("outOfOrder") + run.Long("unexpected"));
    }

    [Fact]
    public async Task ASendTheSocketCannotTakeWaitsAndGoesOutWhenThePeerReads()
    {
        using var pair = await UpgradedPair.OpenAsync();
        var (client, peer) = (pair.Client, pair.Peer);
        _ = client.ReceiveLoopAsync((_, _, _) => { });
        var payloads = Enumerable.Range(0, 3).Select(i => Encoding.ASCII.GetBytes(new string((char)('a' + i), 2_000_000))).ToList();

        // Six megabytes are far more than the socket buffers hold while the peer does not read.
        foreach (var payload in payloads)
        {
            client.Send(payload);
        }

        await Task.Delay(300);
        foreach (var payload in payloads)
        {
            Assert.Equal(payload, await ReadClientFrameAsync(peer).WaitAsync(Timeout));
        }

        await client.CloseAsync(TimeSpan.FromMilliseconds(100)).WaitAsync(Timeout);
    }

    [Fact]
    public async Task AConnectToAPortNobodyListensOnFailsAsRefused()
    {
        string url;
        using (Listen(out url))
        {
        }

        using var loop = EventLoop.Start();
        var ex = await Assert.ThrowsAnyAsync<Exception>(() => ConnectAsync(url, loop));

        Assert.Equal("refused", ScaleChat.LoadTest.Running.ConnectFailure.KindOf(ex));
    }

    [Fact]
    public async Task AnUpgradeNeverAnsweredIsCancelledAndItsSocketClosed()
    {
        using var listener = Listen(out var url);
        var accepting = listener.AcceptSocketAsync();
        using var loop = EventLoop.Start();
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));

        var ex = await Assert.ThrowsAnyAsync<Exception>(() => ConnectAsync(url, loop, cancel.Token));

        Assert.Equal("timeout", ScaleChat.LoadTest.Running.ConnectFailure.KindOf(ex));
        using var peer = await accepting.WaitAsync(Timeout);
        await DrainUntilClosedAsync(peer).WaitAsync(Timeout);
    }

    [Fact]
    public async Task ACloseThePeerNeverAnswersIsAbortedAfterItsTimeout()
    {
        using var pair = await UpgradedPair.OpenAsync();
        var (client, peer) = (pair.Client, pair.Peer);
        var receiving = client.ReceiveLoopAsync((_, _, _) => { });

        await client.CloseAsync(TimeSpan.FromMilliseconds(200)).WaitAsync(Timeout);

        Assert.Equal([0x03, 0xE8], await ReadClientFrameAsync(peer).WaitAsync(Timeout));
        await DrainUntilClosedAsync(peer).WaitAsync(Timeout);
        await receiving.WaitAsync(Timeout);
        Assert.Null(client.CloseStatus);
    }

    [Fact]
    public async Task APeerThatDropsTheConnectionEndsTheReceiveLoop()
    {
        using var pair = await UpgradedPair.OpenAsync();
        var client = pair.Client;
        var receiving = client.ReceiveLoopAsync((_, _, _) => { });

        pair.Peer.Dispose();

        await receiving.WaitAsync(Timeout);
        Assert.Null(client.CloseStatus);
    }

    [Fact]
    public async Task TheSchedulerRunsOnTheLoopThreadUntilEveryMessageIsSentAndTimesTheMeasuredOnes()
    {
        using var loop = EventLoop.Start();
        var start = System.Diagnostics.Stopwatch.GetTimestamp();
        var onLoop = new List<bool>();
        var scheduler = new ScaleChat.LoadTest.Running.Scheduler(50, 20, k => start + (k * System.Diagnostics.Stopwatch.Frequency / 1000), _ => onLoop.Add(loop.IsCurrent));

        await loop.RunSchedulerAsync(scheduler, CancellationToken.None).WaitAsync(Timeout);

        Assert.Equal(50, onLoop.Count);
        Assert.All(onLoop, Assert.True);
        Assert.True(scheduler.Done);
        Assert.Equal(30, scheduler.Lateness.TakeInterval().TotalCount);
    }

    [Fact]
    public async Task AStoppedRunStopsTheSchedulerOnTheLoop()
    {
        using var loop = EventLoop.Start();
        var start = System.Diagnostics.Stopwatch.GetTimestamp();
        var sent = 0;
        var scheduler = new ScaleChat.LoadTest.Running.Scheduler(1_000_000, 0, k => start + (k * System.Diagnostics.Stopwatch.Frequency / 1000), _ => sent++);
        using var stop = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));

        await loop.RunSchedulerAsync(scheduler, stop.Token).WaitAsync(Timeout);

        Assert.False(scheduler.Done);
        Assert.InRange(sent, 1, 10_000);
    }

    [Fact]
    public async Task TheLoopRunsWhatIsPostedInOrderAndNothingOnceDisposed()
    {
        var loop = EventLoop.Start();
        var ran = new List<int>();
        var done = new TaskCompletionSource();
        for (var i = 0; i < 100; i++)
        {
            var n = i;
            loop.Post(() => ran.Add(n));
        }

        loop.Post(done.SetResult);
        await done.Task.WaitAsync(Timeout);
        loop.Dispose();
        loop.Post(() => ran.Add(-1));
        loop.Dispose();

        Assert.Equal(Enumerable.Range(0, 100), ran);
    }

    [Fact]
    public async Task AStoppedLoopRefusesNewWorkAtOnce()
    {
        using var listener = Listen(out var url);
        var loop = EventLoop.Start();
        loop.Dispose();

        await Assert.ThrowsAsync<ObjectDisposedException>(() => ConnectAsync(url, loop));
        await Assert.ThrowsAsync<ObjectDisposedException>(() => loop.RunSchedulerAsync(new ScaleChat.LoadTest.Running.Scheduler(1, 0, _ => 0, _ => { }), CancellationToken.None));
    }

    [Fact]
    public async Task StoppingTheLoopEndsItsOpenConnections()
    {
        using var pair = await UpgradedPair.OpenAsync();
        var receiving = pair.Client.ReceiveLoopAsync((_, _, _) => { });

        pair.Loop.Dispose();

        await receiving.WaitAsync(Timeout);
        await DrainUntilClosedAsync(pair.Peer).WaitAsync(Timeout);
    }

    /// <summary>A lean client on a loop of its own, upgraded by a peer socket the test drives.</summary>
    private sealed class UpgradedPair : IDisposable
    {
        private readonly TcpListener _listener;

        private UpgradedPair(TcpListener listener, EventLoop loop, LoadClient client, Socket peer)
        {
            (_listener, Loop, Client, Peer) = (listener, loop, client, peer);
        }

        public EventLoop Loop { get; }

        public LoadClient Client { get; }

        public Socket Peer { get; }

        public static async Task<UpgradedPair> OpenAsync()
        {
            var listener = Listen(out var url);
            var accepting = AcceptUpgradeAsync(listener);
            var loop = EventLoop.Start();
            var client = await ConnectAsync(url, loop);
            return new UpgradedPair(listener, loop, client, await accepting.WaitAsync(Timeout));
        }

        public void Dispose()
        {
            Peer.Dispose();
            Loop.Dispose();
            _listener.Stop();
        }
    }

    private static TcpListener Listen(out string url)
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        url = $"ws://127.0.0.1:{((IPEndPoint)listener.LocalEndpoint).Port}/ws";
        return listener;
    }

    private static async Task<LoadClient> ConnectAsync(string url, EventLoop loop, CancellationToken cancellationToken = default)
    {
        using var sources = new SourceAddresses(1);
        var client = new LoadClient(0, 0, 0, 0, "lean");
        await client.ConnectAsync(new Uri(url), sources, legacy: false, loop, cancellationToken).WaitAsync(Timeout);
        return client;
    }

    // Accepts one connection and answers its upgrade as the server would.
    private static async Task<Socket> AcceptUpgradeAsync(TcpListener listener)
    {
        var peer = await listener.AcceptSocketAsync();
        var request = new byte[4096];
        var length = 0;
        while (request.AsSpan(0, length).IndexOf("\r\n\r\n"u8) < 0)
        {
            length += await peer.ReceiveAsync(request.AsMemory(length));
        }

        var key = Encoding.ASCII.GetString(request, 0, length).Split("\r\n").First(l => l.StartsWith("Sec-WebSocket-Key:", StringComparison.Ordinal))[18..].Trim();
        var accept = Convert.ToBase64String(SHA1.HashData(Encoding.ASCII.GetBytes(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11")));
        await peer.SendAsync(Encoding.ASCII.GetBytes($"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: {accept}\r\nSec-WebSocket-Protocol: scalechat.v1\r\n\r\n"));
        return peer;
    }

    // Reads one masked client frame and returns its unmasked payload.
    private static async Task<byte[]> ReadClientFrameAsync(Socket peer)
    {
        var head = await ReadExactlyAsync(peer, 2);
        var length = (long)(head[1] & 0x7F);
        if (length == 126)
        {
            length = BinaryPrimitives.ReadUInt16BigEndian(await ReadExactlyAsync(peer, 2));
        }
        else if (length == 127)
        {
            length = (long)BinaryPrimitives.ReadUInt64BigEndian(await ReadExactlyAsync(peer, 8));
        }

        Assert.NotEqual(0, head[1] & 0x80);
        var key = await ReadExactlyAsync(peer, 4);
        var payload = await ReadExactlyAsync(peer, (int)length);
        for (var i = 0; i < payload.Length; i++)
        {
            payload[i] ^= key[i & 3];
        }

        return payload;
    }

    private static async Task<byte[]> ReadExactlyAsync(Socket peer, int count)
    {
        var buffer = new byte[count];
        for (var read = 0; read < count;)
        {
            var n = await peer.ReceiveAsync(buffer.AsMemory(read));
            Assert.NotEqual(0, n);
            read += n;
        }

        return buffer;
    }

    // Reads until the other side closes (an end of stream or a reset); a socket left open times the caller out.
    private static async Task DrainUntilClosedAsync(Socket peer)
    {
        var buffer = new byte[4096];
        try
        {
            while (await peer.ReceiveAsync(buffer) > 0)
            {
            }
        }
        catch (SocketException)
        {
            // A reset is a close too.
        }
    }

    private static byte[] Frame(byte first, string payload)
    {
        var body = Encoding.Latin1.GetBytes(payload);
        var header = body.Length < 126 ? [first, (byte)body.Length] : new byte[] { first, 126, (byte)(body.Length >> 8), (byte)body.Length };
        return [.. header, .. body];
    }

    // A server that answers the upgrade, then writes the script one byte at a time and reads the pong.
    private static async Task<(List<string> Objects, int? Status, string Pong)> ReceiveFromScriptAsync(byte[] script)
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var serving = Task.Run(async () =>
        {
            using var peer = await AcceptUpgradeAsync(listener);
            foreach (var b in script)
            {
                await peer.SendAsync(new[] { b });
                await Task.Delay(1);
            }

            // The pong: 0x8A, masked length 2, key, masked "hi".
            var pong = new byte[8];
            for (var read = 0; read < pong.Length;)
            {
                read += await peer.ReceiveAsync(pong.AsMemory(read));
            }

            return Encoding.ASCII.GetString([(byte)(pong[6] ^ pong[2]), (byte)(pong[7] ^ pong[3])]);
        });

        using var sources = new SourceAddresses(1);
        using var loop = EventLoop.Start();
        var client = new LoadClient(0, 0, 0, 0, "lean");
        await client.ConnectAsync(new Uri($"ws://127.0.0.1:{port}/ws"), sources, legacy: false, loop, CancellationToken.None).WaitAsync(Timeout);
        var objects = new List<string>();
        await client.ReceiveLoopAsync((_, json, _) => objects.Add(Encoding.UTF8.GetString(json))).WaitAsync(Timeout);
        var pong = await serving.WaitAsync(Timeout);
        await client.CloseAsync(TimeSpan.FromSeconds(1)).WaitAsync(Timeout);
        return (objects, client.CloseStatus, pong);
    }
}
