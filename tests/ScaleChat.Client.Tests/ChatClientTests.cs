using ScaleChat.Client.Tests.Infrastructure;
using ScaleChat.Protocol;

namespace ScaleChat.Client.Tests;

public sealed class ChatClientTests : IAsyncLifetime
{
    private TestServer _server = null!;
    private TcpProxy _proxy = null!;

    public async Task InitializeAsync() => await StartServerAsync();

    public async Task DisposeAsync()
    {
        await _proxy.DisposeAsync();
        await _server.DisposeAsync();
    }

    private async Task StartServerAsync(params string[] settings)
    {
        _server = await TestServer.StartAsync(settings).Bounded();
        _proxy = new TcpProxy(_server.WsUrl);
    }

    /// <summary>A client whose connections go through the proxy, so the test can cut them.</summary>
    private Task<(ChatClient Client, ChatEventStream Events)> ConnectThroughProxyAsync(string name, Func<ChatClientOptions, ChatClientOptions>? configure = null) =>
        Clients.ConnectAsync(_proxy.Url(_server.WsUrl), name, configure);

    [Fact]
    public async Task AckCarriesTheSeqTheMessageWasGiven()
    {
        var (alice, events) = await Clients.ConnectAsync(_server, "alice");
        await using var _ = alice;
        var joined = await alice.JoinAsync("dev").Bounded();

        var first = await alice.SendAsync("dev", "one").Bounded();
        var second = await alice.SendAsync("dev", "two").Bounded();

        Assert.Equal(joined.Seq + 1, first.Seq);
        Assert.Equal(first.Seq + 1, second.Seq);
        var copies = await events.MessagesAsync("dev", 2);
        Assert.Equal([(first.Id, first.Seq, "one"), (second.Id, second.Seq, "two")], copies.Select(m => (m.Id, m.Seq, m.Text)));
    }

    [Fact]
    public async Task PrivateMessageReachesOnlyItsAddressee()
    {
        var (alice, aliceEvents) = await Clients.ConnectAsync(_server, "alice");
        var (bob, bobEvents) = await Clients.ConnectAsync(_server, "bob");
        var (carol, carolEvents) = await Clients.ConnectAsync(_server, "carol");
        await using var a = alice;
        await using var b = bob;
        await using var c = carol;

        var ack = await alice.SendToUserAsync("bob", "for bob only").Bounded();
        await alice.SendAsync("global", "marker").Bounded();

        var received = await bobEvents.NextAsync<ReceivedMessage>(m => m.IsPrivate);
        Assert.Equal(("alice", "bob", "for bob only", ack.Id, 0L), (received.From, received.To, received.Text, received.Id, ack.Seq));
        Assert.Equal(ack.Id, (await aliceEvents.NextAsync<ReceivedMessage>(m => m.IsPrivate)).Id);

        // Carol sees the marker sent after the private message, and nothing private before it.
        var seenByCarol = new List<ReceivedMessage>();
        while (seenByCarol.LastOrDefault()?.Text != "marker")
        {
            seenByCarol.Add(await carolEvents.NextAsync<ReceivedMessage>());
        }

        Assert.DoesNotContain(seenByCarol, m => m.IsPrivate);
    }

    [Fact]
    public async Task AfterTheConnectionDropsEveryMissedMessageArrivesExactlyOnce()
    {
        var (alice, events) = await ConnectThroughProxyAsync("alice");
        var (bob, _) = await Clients.ConnectAsync(_server, "bob");
        await using var a = alice;
        await using var b = bob;
        await alice.JoinAsync("dev").Bounded();
        await bob.JoinAsync("dev").Bounded();
        for (var i = 1; i <= 5; i++)
        {
            await bob.SendAsync("dev", $"dev {i}").Bounded();
            await bob.SendAsync("global", $"global {i}").Bounded();
        }

        Assert.Equal(5, (await events.MessagesAsync("dev", 5)).Count);
        _proxy.DropAll();
        await events.NextAsync<ConnectionStateChanged>(s => s.State == ConnectionState.Reconnecting);

        // Sent while alice is away: "dev" is resumed by join-after, "global" (joined at hello) by history.
        for (var i = 6; i <= 15; i++)
        {
            await bob.SendAsync("dev", $"dev {i}").Bounded();
            await bob.SendAsync("global", $"global {i}").Bounded();
        }

        var resumed = new[]
        {
            await events.NextAsync<RoomResumed>(r => r.Room == "dev"),
        };
        Assert.True(resumed[0].Recovered);
        for (var i = 16; i <= 20; i++)
        {
            await bob.SendAsync("dev", $"dev {i}").Bounded();
            await bob.SendAsync("global", $"global {i}").Bounded();
        }

        var dev = await events.MessagesAsync("dev", 15);
        Assert.Equal(Enumerable.Range(6, 15).Select(i => $"dev {i}"), dev.Select(m => m.Text));
        Assert.Equal(dev.Select(m => m.Seq).Order(), dev.Select(m => m.Seq));
        Assert.Equal(ConnectionState.Connected, alice.State);

        // Nothing more arrives for dev: no duplicate was queued behind the last one.
        await bob.SendAsync("dev", "end").Bounded();
        Assert.Equal("end", (await events.NextAsync<ReceivedMessage>(m => m.Room == "dev")).Text);
    }

    [Fact]
    public async Task TheRoomJoinedAtHelloIsRecoveredWithoutGapOrDuplicate()
    {
        var (alice, events) = await ConnectThroughProxyAsync("alice");
        var (bob, _) = await Clients.ConnectAsync(_server, "bob");
        await using var a = alice;
        await using var b = bob;
        await bob.SendAsync("global", "before").Bounded();
        await events.NextAsync<ReceivedMessage>(m => m.Text == "before");

        _proxy.DropAll();
        await events.NextAsync<ConnectionStateChanged>(s => s.State == ConnectionState.Reconnecting);
        for (var i = 1; i <= 10; i++)
        {
            await bob.SendAsync("global", $"missed {i}").Bounded();
        }

        var resumed = await events.NextAsync<RoomResumed>(r => r.Room == "global");
        await bob.SendAsync("global", "after").Bounded();
        var global = await events.MessagesAsync("global", 11);

        Assert.True(resumed.Recovered);
        Assert.Equal([.. Enumerable.Range(1, 10).Select(i => $"missed {i}"), "after"], global.Select(m => m.Text));
    }

    [Fact]
    public async Task WhenTheHistoryNoLongerHoldsTheMissedMessagesTheClientSaysSo()
    {
        await DisposeAsync();
        await StartServerAsync("ScaleChat:HistorySize=3");
        var (alice, events) = await ConnectThroughProxyAsync("alice");
        var (bob, _) = await Clients.ConnectAsync(_server, "bob");
        await using var a = alice;
        await using var b = bob;
        await alice.JoinAsync("dev").Bounded();
        await bob.JoinAsync("dev").Bounded();

        // Alice's reconnect waits until all ten are sent, so she has missed all ten however fast she is back.
        _proxy.HoldNewConnections();
        _proxy.DropAll();
        await events.NextAsync<ConnectionStateChanged>(s => s.State == ConnectionState.Reconnecting);
        for (var i = 1; i <= 10; i++)
        {
            await bob.SendAsync("dev", $"missed {i}").Bounded();
        }

        _proxy.ReleaseNewConnections();
        var resumed = await events.NextAsync<RoomResumed>(r => r.Room == "dev");
        Assert.False(resumed.Recovered);
        Assert.Equal(10, resumed.Position.Seq - resumed.LastSeen.Seq);
    }

    [Fact]
    public async Task ASendMadeWhileReconnectingGoesOutOnTheNewConnection()
    {
        var (alice, events) = await ConnectThroughProxyAsync("alice");
        await using var _ = alice;
        await alice.JoinAsync("dev").Bounded();

        _proxy.DropAll();
        await events.NextAsync<ConnectionStateChanged>(s => s.State == ConnectionState.Reconnecting);
        var ack = await alice.SendAsync("dev", "sent while away").Bounded();

        var copy = await events.NextAsync<ReceivedMessage>(m => m.Room == "dev");
        Assert.Equal((ack.Id, "sent while away"), (copy.Id, copy.Text));
    }

    [Fact]
    public async Task AConnectionThatGoesSilentIsDetectedAndReplaced()
    {
        var (alice, events) = await ConnectThroughProxyAsync("alice", o => new ChatClientOptions
        {
            Url = o.Url,
            Name = o.Name,
            ReconnectMinDelay = o.ReconnectMinDelay,
            KeepAliveInterval = TimeSpan.FromMilliseconds(300),
            KeepAliveTimeout = TimeSpan.FromMilliseconds(700),
        });
        await using var _ = alice;
        var (bob, _) = await Clients.ConnectAsync(_server, "bob");
        await using var b = bob;

        _proxy.Freeze();
        await events.NextAsync<ConnectionStateChanged>(s => s.State == ConnectionState.Reconnecting);
        await events.NextAsync<ConnectionStateChanged>(s => s.State == ConnectionState.Connected);
        await bob.SendAsync("global", "you are back").Bounded();

        Assert.Equal("you are back", (await events.NextAsync<ReceivedMessage>()).Text);
    }

    [Fact]
    public async Task WhenItsNodeIsGoneTheClientReconnectsToTheNextOne()
    {
        var first = await TestServer.StartAsync("ScaleChat:NodeId=first-node").Bounded();
        await using var second = await TestServer.StartAsync("ScaleChat:NodeId=second-node").Bounded();
        var (alice, events) = await Clients.ConnectAsync(first.WsUrl, "alice", o => new ChatClientOptions
        {
            Url = o.Url,
            Name = o.Name,
            ReconnectMinDelay = o.ReconnectMinDelay,
            FallbackUrls = [second.WsUrl],
        });
        await using var _ = alice;
        Assert.Equal("first-node", alice.Node);

        await first.DisposeAsync(); // the node goes away: 1001, then nothing listens there
        await events.NextAsync<ConnectionStateChanged>(s => s.State == ConnectionState.Reconnecting);
        await events.NextAsync<ConnectionStateChanged>(s => s.State == ConnectionState.Connected);
        Assert.Equal("second-node", alice.Node);

        var (bob, _) = await Clients.ConnectAsync(second, "bob");
        await using var b = bob;
        await bob.SendAsync("global", "found you").Bounded();
        Assert.Equal("bob", (await events.NextAsync<ReceivedMessage>(m => m.Text == "found you")).From);
    }

    [Fact]
    public async Task ASendMadeWhileDisconnectedFailsClearlyWhenItCannotWait()
    {
        var (alice, events) = await ConnectThroughProxyAsync("alice", o => new ChatClientOptions { Url = o.Url, Name = o.Name, Reconnect = false });
        await using var _ = alice;

        _proxy.DropAll();
        await events.NextAsync<ConnectionStateChanged>(s => s.State == ConnectionState.Closed);

        await Assert.ThrowsAsync<ChatConnectionException>(() => alice.SendAsync("global", "lost?")).Bounded();
    }

    [Fact]
    public async Task AnErrorFromTheServerFailsTheRequestAndLeavesTheConnectionUsable()
    {
        var (alice, _) = await Clients.ConnectAsync(_server, "alice");
        await using var a = alice;

        var notJoined = await Assert.ThrowsAsync<ChatServerException>(() => alice.SendAsync("elsewhere", "hi")).Bounded();
        var noUser = await Assert.ThrowsAsync<ChatServerException>(() => alice.SendToUserAsync("nobody", "hi")).Bounded();

        Assert.Equal((ErrorCodes.NotJoined, ErrorCodes.NoSuchUser), (notJoined.Code, noUser.Code));
        Assert.True((await alice.SendAsync("global", "still fine").Bounded()).Seq > 0);
    }

    [Fact]
    public async Task HistoryWhoAndPingAnswerFromTheServer()
    {
        var (alice, _) = await Clients.ConnectAsync(_server, "alice");
        var (bob, _) = await Clients.ConnectAsync(_server, "bob");
        await using var a = alice;
        await using var b = bob;
        await alice.JoinAsync("dev").Bounded();
        await bob.JoinAsync("dev").Bounded();
        for (var i = 1; i <= 3; i++)
        {
            await alice.SendAsync("dev", $"m{i}").Bounded();
        }

        var history = await bob.HistoryAsync("dev", limit: 2).Bounded();
        var members = await bob.WhoAsync("dev").Bounded();
        await bob.LeaveAsync("dev").Bounded();

        Assert.Equal(["m2", "m3"], history.Select(m => m.Text));
        Assert.Equal(["alice", "bob"], members.Order());
        Assert.DoesNotContain("dev", bob.Rooms);
        Assert.True(await bob.PingAsync().Bounded() < Wait.Timeout);
    }

    [Fact]
    public async Task PresenceEventsReportWhoJoinsAndLeaves()
    {
        var (alice, events) = await Clients.ConnectAsync(_server, "alice", o => new ChatClientOptions { Url = o.Url, Name = o.Name, Presence = true });
        var (bob, _) = await Clients.ConnectAsync(_server, "bob");
        await using var a = alice;
        await alice.JoinAsync("dev").Bounded();
        await bob.JoinAsync("dev").Bounded();
        await bob.LeaveAsync("dev").Bounded();

        var joined = await events.NextAsync<PresenceChange>(p => p.Room == "dev");
        var left = await events.NextAsync<PresenceChange>(p => p.Room == "dev");
        Assert.Equal(("bob", true, "bob", false), (joined.User, joined.Joined, left.User, left.Joined));
        await bob.DisposeAsync();
    }

    [Fact]
    public async Task AnUnreachableServerFailsConnectWithAClearError()
    {
        await using var client = new ChatClient(new ChatClientOptions { Url = new Uri("ws://127.0.0.1:1/ws"), Name = "alice" });
        var error = await Assert.ThrowsAsync<ChatConnectionException>(() => client.ConnectAsync()).Bounded();
        Assert.Contains("127.0.0.1:1", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ABadNameIsRefusedBeforeAnythingIsSent()
    {
        Assert.Throws<ArgumentException>(() => new ChatClient(new ChatClientOptions { Url = _server.WsUrl, Name = "not a name" }));
        var (alice, _) = await Clients.ConnectAsync(_server, "alice");
        await using var a = alice;
        await Assert.ThrowsAsync<ArgumentException>(() => alice.SendAsync("global", new string('x', alice.Limits.MaxMessageBytes + 1))).Bounded();
    }
}
