using System.Text.Json;
using ScaleChat.Server.Tests.Infrastructure;

namespace ScaleChat.Server.Tests;

public sealed class ChatTests
{
    [Fact]
    public async Task WelcomeNamesTheUserTheNodeTheLimitsAndTheJoinedRooms()
    {
        await using var server = await TestServer.StartAsync("ScaleChat:NodeId=node-a");
        var (client, welcome) = await WsClient.HelloAsync(server.RoomUrl("dev"), "alice");
        await using var _ = client;

        Assert.Equal("alice", welcome.Str("user"));
        Assert.Equal("node-a", welcome.Str("node"));
        Assert.False(string.IsNullOrEmpty(welcome.Str("session")));
        var limits = welcome.GetProperty("limits");
        Assert.Equal(4096, limits.Long("maxMessageBytes"));
        Assert.Equal(65536, limits.Long("maxFrameBytes"));
        Assert.Equal(50, limits.Long("messagesPerSecond"));
        Assert.Equal(100, limits.Long("burst"));
        Assert.Equal(100, limits.Long("maxRooms"));
        var rooms = welcome.GetProperty("rooms").EnumerateArray().Select(r => r.Str("room")).ToList();
        Assert.Equal(["global", "dev"], rooms);
        Assert.All(welcome.GetProperty("rooms").EnumerateArray(), r => Assert.False(string.IsNullOrEmpty(r.Str("epoch"))));
    }

    [Fact]
    public async Task BroadcastReachesAllOf200ClientsExactlyOnceAndInOrder()
    {
        await using var server = await TestServer.StartAsync();
        var clients = new List<WsClient>();
        try
        {
            for (var i = 0; i < 200; i++)
            {
                clients.Add((await WsClient.HelloAsync(server.WsUrl, $"user{i}")).Client);
            }

            const int Messages = 20;
            for (var m = 0; m < Messages; m++)
            {
                await clients[m % 3].SendAsync(new { type = "send", room = "global", text = $"m{m}", @ref = m });
            }

            var seen = await Task.WhenAll(clients.Select(async client =>
            {
                var messages = new List<(long Seq, string Text)>();
                while (messages.Count < Messages)
                {
                    var message = await client.ExpectAsync("message");
                    messages.Add((message.Long("seq"), message.Str("text")!));
                }

                return messages;
            }));

            // Every client saw every message once, in seq order, and all in the same order.
            Assert.Equal(Enumerable.Range(1, Messages).Select(i => (long)i), seen[0].Select(m => m.Seq));
            Assert.Equal(Enumerable.Range(0, Messages).Select(m => $"m{m}").Order(), seen[0].Select(m => m.Text).Order());
            Assert.All(seen, messages => Assert.Equal(seen[0], messages));

            // Exactly once: after the 20 messages, nothing else of the room arrives.
            await clients[199].SendAsync(new { type = "ping", @ref = "end" });
            var next = await clients[199].ReceiveAsync();
            Assert.Equal("pong", next.Type());
        }
        finally
        {
            await Task.WhenAll(clients.Select(c => c.DisposeAsync().AsTask()));
        }
    }

    [Fact]
    public async Task AckCarriesTheIdAndSeqAndTheSendersCopyCarriesItsRef()
    {
        await using var server = await TestServer.StartAsync();
        var (alice, _) = await WsClient.HelloAsync(server.WsUrl, "alice");
        var (bob, _) = await WsClient.HelloAsync(server.WsUrl, "bob");
        await using var a = alice;
        await using var b = bob;

        await alice.SendAsync(new { type = "send", room = "global", text = "hi", @ref = "r-1" });
        JsonElement? ack = null, own = null;
        while (ack is null || own is null)
        {
            var e = await alice.ReceiveAsync();
            if (e.Type() == "ack") ack = e;
            if (e.Type() == "message") own = e;
        }

        Assert.Equal("r-1", ack.Value.Str("ref"));
        Assert.Equal(1, ack.Value.Long("seq"));
        Assert.Equal(own.Value.Str("id"), ack.Value.Str("id"));
        Assert.Equal("r-1", own.Value.Str("ref"));

        var seen = await bob.ExpectAsync("message");
        Assert.Equal("alice", seen.Str("from"));
        Assert.Equal("hi", seen.Str("text"));
        Assert.Equal(1, seen.Long("seq"));
        Assert.False(seen.TryGetProperty("ref", out _), "only the sender's copy carries the ref");
        Assert.True(seen.Long("ts") > 1_700_000_000_000);
    }

    [Fact]
    public async Task RoomsAreIsolated()
    {
        await using var server = await TestServer.StartAsync();
        var (alice, _) = await WsClient.HelloAsync(server.WsUrl, "alice");
        var (bob, _) = await WsClient.HelloAsync(server.WsUrl, "bob");
        var (carol, _) = await WsClient.HelloAsync(server.WsUrl, "carol");
        await using var a = alice;
        await using var b = bob;
        await using var c = carol;

        await alice.SendAsync(new { type = "join", room = "red" });
        await alice.ExpectAsync("joined");
        await bob.SendAsync(new { type = "join", room = "red" });
        await bob.ExpectAsync("joined");
        await carol.SendAsync(new { type = "join", room = "blue" });
        await carol.ExpectAsync("joined");

        await alice.SendAsync(new { type = "send", room = "red", text = "only red" });
        var received = await bob.ExpectAsync("message");
        Assert.Equal("red", received.Str("room"));

        await carol.SendAsync(new { type = "send", room = "blue", text = "only blue" });
        var own = await carol.ExpectAsync("message");
        Assert.Equal("only blue", own.Str("text"));
        Assert.Equal(1, own.Long("seq")); // every room has its own sequence

        await alice.SendAsync(new { type = "ping" });
        var aliceSaw = new List<JsonElement>();
        for (var e = await alice.ReceiveAsync(); e.Type() != "pong"; e = await alice.ReceiveAsync())
        {
            aliceSaw.Add(e);
        }

        Assert.Contains(aliceSaw, e => e.Str("text") == "only red");
        Assert.DoesNotContain(aliceSaw, e => e.Str("room") == "blue");
        await carol.SendAsync(new { type = "ping" });
        for (var e = await carol.ReceiveAsync(); e.Type() != "pong"; e = await carol.ReceiveAsync())
        {
            Assert.NotEqual("red", e.Str("room"));
        }
    }

    [Fact]
    public async Task PrivateMessageReachesOnlyTheAddresseeAndTheSendersConnections()
    {
        await using var server = await TestServer.StartAsync();
        var (alice, held) = await WsClient.HelloAsync(server.WsUrl, "alice");
        var (alice2, _) = await WsClient.HelloAsync(server.WsUrl, "alice", nameKey: held.Str("nameKey"));
        var (bob, _) = await WsClient.HelloAsync(server.WsUrl, "bob");
        var (eve, _) = await WsClient.HelloAsync(server.WsUrl, "eve");
        await using var a = alice;
        await using var a2 = alice2;
        await using var b = bob;
        await using var e = eve;

        await alice.SendAsync(new { type = "send", to = "bob", text = "secret", @ref = 7, from = "eve" });
        var ack = await alice.ExpectAsync("ack");
        Assert.Equal(7, ack.Long("ref"));
        Assert.False(ack.TryGetProperty("seq", out _), "private messages have no seq");

        var atBob = await bob.ExpectAsync("message");
        Assert.Equal("bob", atBob.Str("to"));
        Assert.Equal("alice", atBob.Str("from"));
        Assert.Equal("secret", atBob.Str("text"));
        var atAlice2 = await alice2.ExpectAsync("message");
        Assert.Equal("secret", atAlice2.Str("text"));
        await alice.SendAsync(new { type = "send", to = "eve", text = "for eve", @ref = 8 });
        Assert.Equal("for eve", (await eve.ExpectAsync("message")).Str("text")); // a third user got nothing before it
    }

    [Fact]
    public async Task HistoryAnswersTheNewestMessagesOldestFirstAndPagesWithBefore()
    {
        await using var server = await TestServer.StartAsync();
        var (alice, _) = await WsClient.HelloAsync(server.WsUrl, "alice");
        await using var a = alice;
        for (var i = 1; i <= 10; i++)
        {
            await alice.SendAsync(new { type = "send", room = "global", text = $"t{i}" });
            await alice.ExpectAsync("ack");
        }

        await alice.SendAsync(new { type = "history", room = "global", limit = 3 });
        var page = await alice.ExpectAsync("history");
        Assert.Equal([8L, 9L, 10L], page.GetProperty("messages").EnumerateArray().Select(m => m.Long("seq")));
        await alice.SendAsync(new { type = "history", room = "global", before = 8, limit = 2 });
        page = await alice.ExpectAsync("history");
        Assert.Equal(["t6", "t7"], page.GetProperty("messages").EnumerateArray().Select(m => m.Str("text")));
    }

    [Fact]
    public async Task WhoListsMembersAndPresenceEventsGoOnlyToThoseWhoAsked()
    {
        await using var server = await TestServer.StartAsync();
        var (watcher, _) = await WsClient.HelloAsync(server.WsUrl, "watcher", presence: true);
        var (quiet, _) = await WsClient.HelloAsync(server.WsUrl, "quiet");
        await using var w = watcher;
        await using var q = quiet;

        var joined = await watcher.ExpectAsync("presence");
        Assert.Equal(("join", "quiet", "global"), (joined.Str("event"), joined.Str("user"), joined.Str("room")));

        var (bob, _) = await WsClient.HelloAsync(server.WsUrl, "bob");
        Assert.Equal("bob", (await watcher.ExpectAsync("presence")).Str("user"));
        await bob.SendAsync(new { type = "who", room = "global" });
        var who = await bob.ExpectAsync("presence");
        Assert.Equal(["bob", "quiet", "watcher"], who.GetProperty("members").EnumerateArray().Select(m => m.GetString()).Order());

        await bob.DisposeAsync();
        var left = await watcher.ExpectAsync("presence");
        Assert.Equal(("leave", "bob"), (left.Str("event"), left.Str("user")));

        await quiet.SendAsync(new { type = "ping" });
        Assert.Equal("pong", (await quiet.ReceiveAsync()).Type()); // no presence events for quiet
    }

    [Fact]
    public async Task LeaveAnswersLeftAndStopsDelivery()
    {
        await using var server = await TestServer.StartAsync();
        var (alice, _) = await WsClient.HelloAsync(server.WsUrl, "alice");
        var (bob, _) = await WsClient.HelloAsync(server.WsUrl, "bob");
        await using var a = alice;
        await using var b = bob;
        await alice.SendAsync(new { type = "leave", room = "global" });
        Assert.Equal("global", (await alice.ExpectAsync("left")).Str("room"));
        await bob.SendAsync(new { type = "send", room = "global", text = "anyone?" });
        await bob.ExpectAsync("ack");
        await alice.SendAsync(new { type = "send", room = "global", text = "x", @ref = 1 });
        var error = await alice.ExpectAsync("error");
        Assert.Equal("not_joined", error.Str("code"));
    }
}
