using System.Net.WebSockets;
using ScaleChat.Server.Tests.Infrastructure;

namespace ScaleChat.Server.Tests;

/// <summary>Slow clients, resume and shutdown: nobody else pays, nothing accepted is lost.</summary>
public sealed class DeliveryTests
{
    [Fact]
    public async Task AStalledClientIsClosedWith4008WhileTheOthersMissNothing()
    {
        await using var server = await TestServer.StartAsync(
            "ScaleChat:SendQueueBytes=1048576", "ScaleChat:CloseTimeout=00:00:30",
            "ScaleChat:Limits:MessagesPerSecond=1000000", "ScaleChat:Limits:Burst=1000000");
        var (stalled, _) = await WsClient.HelloAsync(server.WsUrl, "stalled"); // never reads until the end
        var readers = new List<WsClient>();
        for (var i = 0; i < 3; i++)
        {
            readers.Add((await WsClient.HelloAsync(server.WsUrl, $"reader{i}")).Client);
        }

        var (sender, _) = await WsClient.HelloAsync(server.WsUrl, "sender");
        const int Messages = 8000;
        var text = new string('x', 3000); // 24 MB in all: far more than a stalled socket's kernel buffers and queue hold
        var received = new long[readers.Count];
        var reading = readers.Select(async (reader, index) =>
        {
            long expected = 1;
            while (expected <= Messages)
            {
                var message = await reader.ExpectAsync("message", TimeSpan.FromSeconds(60));
                Assert.Equal(expected++, message.Long("seq"));
                Volatile.Write(ref received[index], expected - 1);
            }
        }).ToList();

        // The sender reads what comes back (acks, its own copies) so that it is not a slow consumer itself,
        // and stays at most 100 messages (300 KB) ahead of the slowest reader (and of itself), so that only the stalled
        // client falls behind.
        using var stopDraining = new CancellationTokenSource();
        var draining = sender.DrainAsync(stopDraining.Token);
        for (var i = 0; i < Messages; i += 20) // 20 objects of ~3 KB stay under the 64 KB frame limit
        {
            var deadline = DateTime.UtcNow.AddSeconds(60);
            while ((received.Min() < i - 100 || sender.DrainedBytes < (i - 100L) * text.Length)
                && DateTime.UtcNow < deadline && reading.All(r => !r.IsFaulted))
            {
                await Task.Delay(1);
            }

            await sender.SendTextAsync(string.Join('\n', Enumerable.Range(i, 20).Select(n => $"{{\"type\":\"send\",\"room\":\"global\",\"text\":\"{text}\"}}")));
        }

        await Task.WhenAll(reading).WaitAsync(TimeSpan.FromSeconds(120));
        await stopDraining.CancelAsync();
        await draining;

        var (code, _) = await stalled.ExpectCloseAsync(TimeSpan.FromSeconds(60));
        Assert.Equal(4008, code);
        await sender.DisposeAsync();
        foreach (var reader in readers)
        {
            await reader.DisposeAsync();
        }

        await stalled.DisposeAsync();
    }

    [Fact]
    public async Task ResumeAfterADroppedConnectionYieldsNoGapAndNoDuplicate()
    {
        await using var server = await TestServer.StartAsync(
            "ScaleChat:Limits:MessagesPerSecond=100000", "ScaleChat:Limits:Burst=100000");
        var (writer, _) = await WsClient.HelloAsync(server.WsUrl, "writer");
        await using var w = writer;
        var (reader, welcome) = await WsClient.HelloAsync(server.RoomUrl("dev"), "reader");
        var epoch = welcome.GetProperty("rooms")[1].Str("epoch");
        for (var i = 1; i <= 5; i++)
        {
            await writer.SendAsync(new { type = "join", room = "dev" });
        }

        for (var i = 1; i <= 5; i++)
        {
            await writer.SendAsync(new { type = "send", room = "dev", text = $"before {i}" });
        }

        long lastSeq = 0;
        while (lastSeq < 5)
        {
            lastSeq = (await reader.ExpectAsync("message")).Long("seq");
        }

        reader.Socket.Abort(); // the connection drops
        reader.Socket.Dispose();

        // Messages keep flowing while the reader is away and while it comes back.
        using var stop = new CancellationTokenSource();
        var sent = 5;
        var flow = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested && sent < 400)
            {
                await writer.SendAsync(new { type = "send", room = "dev", text = $"m{++sent}" });
                if (sent % 20 == 0)
                {
                    await Task.Delay(5);
                }
            }
        });
        await Task.Delay(50);

        var (back, _) = await WsClient.HelloAsync(server.WsUrl, "reader", nameKey: welcome.Str("nameKey"));
        await using var b = back;
        await back.SendAsync(new { type = "join", room = "dev", after = new { seq = lastSeq, epoch } });
        var joined = await back.ExpectAsync("joined");
        Assert.True(joined.GetProperty("recovered").GetBoolean());
        await flow;
        var total = sent;

        var expected = lastSeq + 1;
        while (expected <= total)
        {
            var message = await back.ExpectAsync("message");
            Assert.Equal("dev", message.Str("room"));
            Assert.Equal(expected++, message.Long("seq")); // no gap, no duplicate, in order
        }

        await writer.SendAsync(new { type = "send", room = "dev", text = "live" });
        var live = await back.ExpectAsync("message");
        Assert.Equal((total + 1, "live"), (live.Long("seq"), live.Str("text")));
    }

    [Fact]
    public async Task ResumeThatHistoryCannotCoverSaysRecoveredFalse()
    {
        await using var server = await TestServer.StartAsync("ScaleChat:HistorySize=3");
        var (client, welcome) = await WsClient.HelloAsync(server.RoomUrl("dev"), "alice");
        await using var c = client;
        var epoch = welcome.GetProperty("rooms")[1].Str("epoch");
        for (var i = 0; i < 6; i++)
        {
            await client.SendAsync(new { type = "send", room = "dev", text = $"t{i}" });
            await client.ExpectAsync("ack");
        }

        var (other, _) = await WsClient.HelloAsync(server.WsUrl, "bob");
        await using var o = other;
        await other.SendAsync(new { type = "join", room = "dev", after = new { seq = 1, epoch } });
        var joined = await other.ExpectAsync("joined");
        Assert.False(joined.GetProperty("recovered").GetBoolean());
        Assert.Equal(6, joined.Long("seq"));

        await other.SendAsync(new { type = "leave", room = "dev" });
        await other.ExpectAsync("left");
        await other.SendAsync(new { type = "join", room = "dev", after = new { seq = 4, epoch = "another-epoch" } });
        Assert.False((await other.ExpectAsync("joined")).GetProperty("recovered").GetBoolean());

        await other.SendAsync(new { type = "leave", room = "dev" });
        await other.ExpectAsync("left");
        await other.SendAsync(new { type = "join", room = "dev", after = new { seq = 4, epoch } });
        Assert.True((await other.ExpectAsync("joined")).GetProperty("recovered").GetBoolean());
        var fifth = await other.ExpectAsync("message");
        var sixth = await other.ExpectAsync("message");
        Assert.Equal((5, 6), (fifth.Long("seq"), sixth.Long("seq")));
    }

    [Fact]
    public async Task ShutdownFlushesWhatIsQueuedAndClosesEveryConnectionWith1001()
    {
        var server = await TestServer.StartAsync();
        await using var _ = server;
        var (alice, _) = await WsClient.HelloAsync(server.WsUrl, "alice");
        await using var legacy = await WsClient.ConnectAsync(server.WsUrl, subprotocol: null);
        var (bob, _) = await WsClient.HelloAsync(server.WsUrl, "bob");
        await using var a = alice;
        await using var b = bob;
        await alice.SendAsync(new { type = "send", room = "global", text = "last words" });
        await alice.ExpectAsync("ack");

        var stopping = server.StopAsync();
        var (code, before) = await bob.ExpectCloseAsync();
        Assert.Equal(1001, code);
        Assert.Contains(before, e => e.Str("text") == "last words");
        Assert.Equal(1001, (await legacy.ExpectCloseAsync()).Code);
        await stopping;
    }

    [Fact]
    public async Task AtTheConnectionLimitNewClientsAreRefusedWith503()
    {
        await using var server = await TestServer.StartAsync("ScaleChat:MaxConnections=2");
        var (first, _) = await WsClient.HelloAsync(server.WsUrl, "one");
        var (second, _) = await WsClient.HelloAsync(server.WsUrl, "two");
        await using var s = second;
        var refused = await Assert.ThrowsAsync<WebSocketException>(() => WsClient.ConnectAsync(server.WsUrl));
        Assert.Contains("503", refused.Message);

        await first.DisposeAsync();
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (true)
        {
            try
            {
                var (third, _) = await WsClient.HelloAsync(server.WsUrl, "three");
                await third.DisposeAsync();
                break;
            }
            catch (WebSocketException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(100); // the slot frees once the first connection is fully closed
            }
        }
    }
}
