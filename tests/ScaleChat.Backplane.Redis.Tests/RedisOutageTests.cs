using Microsoft.Extensions.DependencyInjection;
using ScaleChat.Backplane.Redis.Tests.Infrastructure;
using ScaleChat.Server.Backplane;

namespace ScaleChat.Backplane.Redis.Tests;

/// <summary>Redis goes away under traffic and comes back: the nodes stay up, lose nothing acked and recover by themselves.</summary>
public sealed class RedisOutageTests
{
    [Fact]
    public async Task RedisRestartedUnderTrafficTheClusterRecoversByItself()
    {
        using var redis = await RedisProcess.StartOwnAsync(persistent: true);
        await using var cluster = await Cluster.CreateAsync(redis.Address);
        var a = await cluster.StartNodeAsync("a");
        var b = await cluster.StartNodeAsync("b");
        var (alice, _) = await WsClient.HelloAsync(a.WsUrl, "alice");
        await alice.JoinAsync("dev");
        var (bob, _) = await WsClient.HelloAsync(b.WsUrl, "bob");
        await bob.JoinAsync("dev");

        var acked = new List<long>();
        var failed = 0;
        using var stop = new CancellationTokenSource();
        var streaming = Task.Run(async () =>
        {
            for (var i = 1; !stop.IsCancellationRequested; i++)
            {
                if (await alice.SendAndWaitAsync("dev", $"m{i}", i) is { } seq)
                {
                    lock (acked)
                    {
                        acked.Add(seq);
                    }
                }
                else
                {
                    Interlocked.Increment(ref failed);
                }

                await Task.Delay(5);
            }
        });
        int Acked()
        {
            lock (acked)
            {
                return acked.Count;
            }
        }

        await RecordingWait.UntilAsync(() => Acked() >= 50, "50 acks before the outage");
        redis.Kill();
        var backplane = a.Services.GetRequiredService<IBackplane>();
        await RecordingWait.UntilAsync(() => !backplane.IsReady, "the node to report not ready");
        await RecordingWait.UntilAsync(() => Volatile.Read(ref failed) > 0, "a send to fail while Redis is away");
        Assert.Equal(WebSocketStateOpen, alice.Socket.State); // the node stays up for its clients

        await redis.StartAsync();
        var atRestart = Acked();
        await RecordingWait.UntilAsync(() => backplane.IsReady, "the node to be ready again");
        await RecordingWait.UntilAsync(() => Acked() >= atRestart + 50, "50 acks after the outage");
        await stop.CancelAsync();
        await streaming.WaitAsync(TimeSpan.FromSeconds(20));

        long last;
        lock (acked)
        {
            last = acked.Max();
        }

        var seqs = (await bob.MessagesUntilAsync(last)).Select(m => m.Long("seq")).ToList();
        Assert.Equal(Enumerable.Range(1, (int)last).Select(s => (long)s), seqs); // every acked message once, in order
        Assert.Subset(seqs.ToHashSet(), acked.ToHashSet());
    }

    private const System.Net.WebSockets.WebSocketState WebSocketStateOpen = System.Net.WebSockets.WebSocketState.Open;

    [Fact]
    public async Task ANodeStartedWhileRedisIsAwayComesUpNotReadyAndJoinsWhenRedisArrives()
    {
        using var redis = await RedisProcess.StartOwnAsync(persistent: false);
        redis.Kill();
        await using var cluster = await Cluster.CreateAsync(redis.Address);
        var a = await cluster.StartNodeAsync("a");
        var backplane = a.Services.GetRequiredService<IBackplane>();
        Assert.False(backplane.IsReady);

        await redis.StartAsync();
        await RecordingWait.UntilAsync(() => backplane.IsReady, "the node to be ready");
        var b = await cluster.StartNodeAsync("b");
        var (alice, _) = await WsClient.HelloAsync(a.WsUrl, "alice");
        await alice.JoinAsync("dev");
        var (bob, _) = await WsClient.HelloAsync(b.WsUrl, "bob");
        await bob.JoinAsync("dev");
        Assert.Equal(1, await bob.SendAndWaitAsync("dev", "made it", 1));
        Assert.Equal("made it", (await alice.ExpectAsync("message")).Str("text"));
    }

    [Fact]
    public async Task RedisRestartedWithoutItsDataClosesRoomMembersWith1012AndTheyLearnTheNewEpoch()
    {
        using var redis = await RedisProcess.StartOwnAsync(persistent: false);
        await using var cluster = await Cluster.CreateAsync(redis.Address);
        var a = await cluster.StartNodeAsync("a");
        var (alice, _) = await WsClient.HelloAsync(a.WsUrl, "alice");
        var epoch = (await alice.JoinAsync("dev")).Str("epoch")!;
        for (var i = 1; i <= 3; i++)
        {
            Assert.Equal(i, await alice.SendAndWaitAsync("dev", $"m{i}", i));
        }

        redis.Kill();
        await redis.StartAsync(); // empty: the history is gone
        var (code, _) = await alice.ExpectCloseAsync(TimeSpan.FromSeconds(20));
        Assert.Equal(1012, code);

        var (again, _) = await WsClient.HelloAsync(a.WsUrl, "alice");
        var joined = await again.JoinAsync("dev", 3, epoch);
        Assert.False(joined.GetProperty("recovered").GetBoolean());
        Assert.NotEqual(epoch, joined.Str("epoch"));
        Assert.Equal(0, joined.Long("seq"));
    }
}
