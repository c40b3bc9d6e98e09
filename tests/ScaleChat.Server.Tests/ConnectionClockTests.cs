using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using ScaleChat.Server.Tests.Infrastructure;

namespace ScaleChat.Server.Tests;

/// <summary>A connection's timers run on the clock the host registers, so tests and embedders can move it.</summary>
public sealed class ConnectionClockTests
{
    [Fact(Timeout = 30_000)]
    public async Task TheHandshakeTimeoutRunsOnTheHostsClock()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var server = await TestServer.StartAsync(builder => builder.Services.AddSingleton<TimeProvider>(clock), "ScaleChat:HandshakeTimeout=00:00:20");
        await using var silent = await WsClient.ConnectAsync(server.WsUrl);

        // Seconds of the host's clock pass in an instant (again, until the server has armed its timer):
        // the connection that never said hello is closed long before 20 real seconds. (The client
        // answers the keep-alive's ping, which runs on the same clock.)
        var closed = silent.ExpectCloseAsync(TimeSpan.FromSeconds(10));
        while (!closed.IsCompleted)
        {
            clock.Advance(TimeSpan.FromSeconds(21));
            await Task.WhenAny(closed, Task.Delay(100));
        }

        Assert.Equal(1008, (await closed).Code);
    }

    [Fact(Timeout = 30_000)]
    public async Task TheKeepAlivePingsAQuietClientAndDropsOneThatDoesNotAnswer()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var server = await TestServer.StartAsync(builder => builder.Services.AddSingleton<TimeProvider>(clock));
        using var answering = await RawWsClient.HelloAsync(server.WsUrl, "ann");
        using var silent = await RawWsClient.HelloAsync(server.WsUrl, "bob");

        // 30 s of quiet (the keep-alive's interval) bring a ping to each; one answers it.
        clock.Advance(TimeSpan.FromSeconds(30));
        var ping = await NextPingAsync(answering);
        await NextPingAsync(silent);
        await answering.SendFrameAsync(new WsFrame(WsOpcode.Pong, ping.Payload));
        await Task.Delay(200); // the pong is read on real threads

        // 30 s later (the keep-alive's timeout) the silent one is dropped, and only it.
        clock.Advance(TimeSpan.FromSeconds(30));

        Assert.True(await silent.WaitForServerCloseAsync(TimeSpan.FromSeconds(10)));
        await answering.SendTextAsync("{\"type\":\"ping\",\"ref\":\"p1\"}");
        Assert.Equal("p1", (await answering.ExpectAsync("pong")).GetProperty("ref").GetString());
    }

    private static async Task<WsFrame> NextPingAsync(RawWsClient client)
    {
        while (true)
        {
            var frame = await client.ReceiveFrameAsync() ?? throw new IOException("the server closed the connection");
            if (frame.Opcode == WsOpcode.Ping)
            {
                return frame;
            }
        }
    }
}
