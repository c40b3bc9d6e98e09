using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using ScaleChat.Backplane.Redis.Tests.Infrastructure;
using ScaleChat.Server.Hub;

namespace ScaleChat.Backplane.Redis.Tests;

/// <summary>Several server nodes on loopback, one Redis: they behave as one chat.</summary>
public sealed class ClusterTests
{
    [Fact]
    public async Task ARoomMessageReachesItsMembersOnEveryNodeOnceAndInOrder()
    {
        await using var cluster = await Cluster.CreateAsync();
        var nodes = new[] { await cluster.StartNodeAsync("a"), await cluster.StartNodeAsync("b"), await cluster.StartNodeAsync("c") };
        var clients = new List<WsClient>();
        foreach (var (node, i) in nodes.Select((n, i) => (n, i)))
        {
            var (client, welcome) = await WsClient.HelloAsync(node.WsUrl, $"user{i}");
            Assert.Equal(((char)('a' + i)).ToString(), welcome.Str("node"));
            await client.JoinAsync("dev");
            clients.Add(client);
        }

        for (var i = 1; i <= 20; i++)
        {
            Assert.Equal(i, await clients[0].SendAndWaitAsync("dev", $"m{i}", i));
        }

        Assert.Equal(21, await clients[0].SendAndWaitAsync("dev", "end", 21)); // nothing else may come before it
        foreach (var client in clients.Skip(1))
        {
            var messages = await client.MessagesUntilAsync(20);
            Assert.Equal(Enumerable.Range(1, 20).Select(i => (long)i), messages.Select(m => m.Long("seq")));
            Assert.Equal(Enumerable.Range(1, 20).Select(i => $"m{i}"), messages.Select(m => m.Str("text")));
            Assert.All(messages, m => Assert.Equal("user0", m.Str("from")));
            Assert.Equal("end", (await client.ExpectAsync("message")).Str("text"));
        }
    }

    [Fact]
    public async Task APrivateMessageCrossesNodesToItsAddresseeOnly()
    {
        await using var cluster = await Cluster.CreateAsync();
        var a = await cluster.StartNodeAsync("a");
        var b = await cluster.StartNodeAsync("b");
        var c = await cluster.StartNodeAsync("c");
        var (alice, held) = await WsClient.HelloAsync(a.WsUrl, "alice");
        var (aliceElsewhere, _) = await WsClient.HelloAsync(c.WsUrl, "alice", nameKey: held.Str("nameKey"));
        var (bob, _) = await WsClient.HelloAsync(b.WsUrl, "bob");
        var (carol, _) = await WsClient.HelloAsync(c.WsUrl, "carol");

        await alice.SendAsync(new { type = "send", to = "bob", text = "psst", @ref = 1 });
        Assert.Equal(1, (await alice.ExpectAsync("ack")).Long("ref"));
        var got = await bob.ExpectAsync("message");
        Assert.Equal(("alice", "bob", "psst"), (got.Str("from"), got.Str("to"), got.Str("text")));
        Assert.Equal("psst", (await aliceElsewhere.ExpectAsync("message")).Str("text")); // the sender's other connection
        // Later messages to each of them are the next thing each sees: nothing else came in between.
        await alice.SendAsync(new { type = "send", to = "bob", text = "for bob", @ref = 3 });
        await alice.SendAsync(new { type = "send", to = "carol", text = "for carol", @ref = 4 });
        Assert.Equal("for bob", (await bob.ExpectAsync("message")).Str("text"));
        Assert.Equal("for carol", (await carol.ExpectAsync("message")).Str("text"));

        await alice.SendAsync(new { type = "send", to = "nobody", text = "hello?", @ref = 2 });
        Assert.Equal("no_such_user", (await alice.ExpectAsync("error")).Str("code"));
    }

    [Fact]
    public async Task PresenceAndWhoSpanTheCluster()
    {
        await using var cluster = await Cluster.CreateAsync();
        var a = await cluster.StartNodeAsync("a");
        var b = await cluster.StartNodeAsync("b");
        var (alice, _) = await WsClient.HelloAsync(a.WsUrl, "alice", presence: true);
        await alice.JoinAsync("dev");
        var (bob, bobs) = await WsClient.HelloAsync(b.WsUrl, "bob");
        await bob.JoinAsync("dev");
        var (bobAgain, _) = await WsClient.HelloAsync(a.WsUrl, "bob", nameKey: bobs.Str("nameKey"));
        await bobAgain.JoinAsync("dev"); // bob's second connection: no second join event

        var joined = await alice.ExpectAsync("presence");
        Assert.Equal(("join", "bob"), (joined.Str("event"), joined.Str("user")));
        await bob.SendAsync(new { type = "who", room = "dev" });
        var who = await bob.ExpectAsync("presence");
        Assert.Equal(["alice", "bob"], who.GetProperty("members").EnumerateArray().Select(m => m.GetString()!).Order());

        await bob.DisposeAsync();
        await RecordingWait.UntilAsync(() => b.Services.GetRequiredService<ChatHub>().ConnectionCount == 0, "bob's first connection released on b");
        var (alice2, _) = await WsClient.HelloAsync(b.WsUrl, "alice2", presence: true);
        await alice2.JoinAsync("dev");
        var next = await alice.ExpectAsync("presence"); // no leave for bob came before it: he is still connected
        Assert.Equal(("join", "alice2"), (next.Str("event"), next.Str("user")));
        await bobAgain.DisposeAsync();
        var left = await alice2.ExpectAsync("presence");
        Assert.Equal(("leave", "bob"), (left.Str("event"), left.Str("user")));
    }

    [Fact]
    public async Task ADeadNodesUsersLeaveAndGoOfflineWithinTheTimeout()
    {
        await using var cluster = await Cluster.CreateAsync();
        var a = await cluster.StartNodeAsync("a");
        var doomed = await cluster.StartProcessAsync("doomed");
        var (alice, _) = await WsClient.HelloAsync(a.WsUrl, "alice", presence: true);
        await alice.JoinAsync("dev");
        var (kate, _) = await WsClient.HelloAsync(doomed.WsUrl, "kate");
        await kate.JoinAsync("dev");
        Assert.Equal("join", (await alice.ExpectAsync("presence")).Str("event"));

        doomed.Kill();
        var left = await alice.ExpectAsync("presence", TimeSpan.FromSeconds(15));
        Assert.Equal(("leave", "kate"), (left.Str("event"), left.Str("user")));
        await alice.SendAsync(new { type = "who", room = "dev" });
        Assert.Equal(["alice"], (await alice.ExpectAsync("presence")).GetProperty("members").EnumerateArray().Select(m => m.GetString()!));
        await alice.SendAsync(new { type = "send", to = "kate", text = "still there?", @ref = 1 });
        Assert.Equal("no_such_user", (await alice.ExpectAsync("error")).Str("code"));
    }

    [Fact]
    public async Task AKilledNodesClientsResumeOnAnotherNodeAndGetEveryAckedMessageOnce()
    {
        await using var cluster = await Cluster.CreateAsync();
        var doomed = await cluster.StartProcessAsync("doomed");
        var survivor = await cluster.StartNodeAsync("survivor");
        var (sam, sams) = await WsClient.HelloAsync(doomed.WsUrl, "sam");
        await sam.JoinAsync("dev");
        var (rita, ritas) = await WsClient.HelloAsync(doomed.WsUrl, "rita");
        var epoch = (await rita.JoinAsync("dev")).Str("epoch")!;
        var (ben, _) = await WsClient.HelloAsync(survivor.WsUrl, "ben");
        await ben.JoinAsync("dev");

        // Rita reads on the doomed node until it dies; Sam streams to it until it dies.
        var ritaSaw = new List<JsonElement>();
        var ritaReading = Task.Run(async () =>
        {
            try
            {
                while (true)
                {
                    ritaSaw.Add(await rita.ExpectAsync("message", TimeSpan.FromSeconds(30)));
                }
            }
            catch (Exception ex) when (ex is System.Net.WebSockets.WebSocketException or OperationCanceledException or TimeoutException)
            {
            }
        });
        var acked = new List<long>();
        var streaming = Task.Run(async () =>
        {
            try
            {
                for (var i = 1; ; i++)
                {
                    if (await sam.SendAndWaitAsync("dev", $"before {i}", i) is { } seq)
                    {
                        lock (acked)
                        {
                            acked.Add(seq);
                        }
                    }
                }
            }
            catch (Exception ex) when (ex is System.Net.WebSockets.WebSocketException or OperationCanceledException or TimeoutException)
            {
            }
        });
        await RecordingWait.UntilAsync(() => { lock (acked) { return acked.Count >= 200; } }, "200 acks");
        doomed.Kill();
        await Task.WhenAll(streaming, ritaReading).WaitAsync(TimeSpan.FromSeconds(40));

        // Both come back on the survivor; Rita resumes from the last message she saw.
        var (rita2, _) = await WsClient.HelloAsync(survivor.WsUrl, "rita", nameKey: ritas.Str("nameKey"));
        var lastSeen = ritaSaw.Count == 0 ? 0 : ritaSaw[^1].Long("seq");
        var resumed = await rita2.JoinAsync("dev", lastSeen, epoch);
        Assert.True(resumed.GetProperty("recovered").GetBoolean());
        Assert.Equal(epoch, resumed.Str("epoch"));
        var (sam2, _) = await WsClient.HelloAsync(survivor.WsUrl, "sam", nameKey: sams.Str("nameKey"));
        await sam2.JoinAsync("dev");
        long last = 0;
        for (var i = 1; i <= 20; i++)
        {
            last = (await sam2.SendAndWaitAsync("dev", $"after {i}", 1000 + i))!.Value;
            acked.Add(last);
        }

        ritaSaw.AddRange(await rita2.MessagesUntilAsync(last));
        var benSaw = await ben.MessagesUntilAsync(last);
        foreach (var saw in new[] { ritaSaw, benSaw })
        {
            var seqs = saw.Select(m => m.Long("seq")).ToList();
            Assert.Equal(Enumerable.Range(1, (int)last).Select(s => (long)s), seqs); // every message once, in order
            Assert.Subset(seqs.ToHashSet(), acked.ToHashSet());
        }
    }

    [Fact]
    public async Task ANodeSubscribesOnlyToRoomsWithLocalMembers()
    {
        await using var cluster = await Cluster.CreateAsync();
        var a = await cluster.StartNodeAsync("a");
        var b = await cluster.StartNodeAsync("b");
        await using var redis = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync(cluster.Redis);
        var server = redis.GetServers()[0];
        var channel = new RedisNames(cluster.Prefix).RoomChannel("quiet");
        var (alice, _) = await WsClient.HelloAsync(a.WsUrl, "alice");
        await alice.JoinAsync("quiet");
        await UntilSubscribersAsync(1, "a to subscribe");
        var (bob, _) = await WsClient.HelloAsync(b.WsUrl, "bob");
        await bob.JoinAsync("quiet");
        await UntilSubscribersAsync(2, "b to subscribe");
        await bob.SendAsync(new { type = "leave", room = "quiet" });
        await bob.ExpectAsync("left");
        await UntilSubscribersAsync(1, "b to unsubscribe");

        // A failure says what Redis counted instead.
        async Task UntilSubscribersAsync(long expected, string what)
        {
            long seen = -1;
            try
            {
                await RecordingWait.UntilAsync(() => (seen = server.SubscriptionSubscriberCount(channel)) == expected, what);
            }
            catch (TimeoutException)
            {
                // Whether Alice is still connected to node a tells a lost connection from a lost subscription.
                throw new TimeoutException($"timed out waiting for {what}: Redis counted {seen} subscribers, not {expected}; alice: {await StateAsync(alice)}");
            }
        }

        static async Task<string> StateAsync(WsClient client)
        {
            try
            {
                var (code, _) = await client.ExpectCloseAsync(TimeSpan.FromSeconds(1));
                return $"closed by the server with {code} ({client.Socket.CloseStatusDescription})";
            }
            catch (Exception ex) when (ex is OperationCanceledException or TimeoutException)
            {
                return "still connected";
            }
            catch (System.Net.WebSockets.WebSocketException ex)
            {
                return $"connection lost ({ex.Message})";
            }
        }
    }

    [Fact]
    public async Task ANodeRestartedUnderItsNameForgetsWhoItHeldBefore()
    {
        await using var cluster = await Cluster.CreateAsync();
        var a = await cluster.StartNodeAsync("a");
        var (alice, _) = await WsClient.HelloAsync(a.WsUrl, "alice", presence: true);
        await alice.JoinAsync("dev");
        var phoenix = await cluster.StartProcessAsync("phoenix");
        var (kate, _) = await WsClient.HelloAsync(phoenix.WsUrl, "kate");
        await kate.JoinAsync("dev");
        Assert.Equal("join", (await alice.ExpectAsync("presence")).Str("event"));

        phoenix.Kill();
        await cluster.StartProcessAsync("phoenix"); // back at once, before its heartbeat expired
        var left = await alice.ExpectAsync("presence", TimeSpan.FromSeconds(15));
        Assert.Equal(("leave", "kate"), (left.Str("event"), left.Str("user")));
        await alice.SendAsync(new { type = "who", room = "dev" });
        Assert.Equal(["alice"], (await alice.ExpectAsync("presence")).GetProperty("members").EnumerateArray().Select(m => m.GetString()!));
    }
}
