using ScaleChat.Backplane;
using ScaleChat.Protocol;

namespace ScaleChat.Testing.Backplane;

/// <summary>
/// The backplane contract, as every implementation must keep it. Each implementation's test project
/// subclasses this once. Every fact runs on a cluster of two nodes, A and B: two backplanes of the
/// implementation on one store (one Redis, one in-memory store), each delivering to its own
/// <see cref="RecordingHandler"/> where a node's hub would be, as two servers on one backplane do.
/// Waits are on deliveries, bounded; that something did not arrive is shown by a later marker that did.
/// </summary>
public abstract class BackplaneConformanceTests<TBackplane> : IAsyncLifetime
    where TBackplane : IBackplane, IRoomStreams, IPresence, IUserRouting
{
    private readonly List<TBackplane> _started = [];

    protected static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);

    /// <summary>
    /// A new, empty store that keeps <paramref name="historySize"/> messages per room; each call of the
    /// function returned makes a new, not yet started backplane on it (a node of the same cluster).
    /// </summary>
    protected abstract Func<TBackplane> CreateStore(int historySize);

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var backplane in _started)
        {
            await backplane.DisposeAsync().AsTask().WaitAsync(Bound);
        }
    }

    /// <summary>One node of the cluster: its backplane and what the backplane delivered to it.</summary>
    protected sealed record Node(TBackplane Backplane, RecordingHandler Handler);

    /// <summary>Starts nodes <c>node-a</c> and <c>node-b</c> on one new store.</summary>
    protected async Task<(Node A, Node B)> StartNodesAsync(int historySize = 100)
    {
        var create = CreateStore(historySize);
        return (await StartAsync(create(), "node-a"), await StartAsync(create(), "node-b"));
    }

    private async Task<Node> StartAsync(TBackplane backplane, string nodeId)
    {
        _started.Add(backplane);
        var handler = new RecordingHandler();
        await backplane.StartAsync(new BackplaneNode(nodeId, handler), CancellationToken.None).WaitAsync(Bound);
        return new Node(backplane, handler);
    }

    protected static Envelope Message(string room, string text, string from = "alice", string? to = null) => new()
    {
        Message = new ChatMessage
        {
            Room = to is null ? room : null,
            To = to,
            From = from,
            Text = text,
            Id = Guid.NewGuid().ToString("N"),
            Timestamp = 1_700_000_000_000,
        },
        OriginNode = "node-a",
        OriginConnection = 7,
        AcceptedAt = 1_700_000_000_000_123,
    };

    [Fact]
    public async Task AStartedBackplaneIsReady()
    {
        var (a, b) = await StartNodesAsync();
        Assert.True(a.Backplane.IsReady);
        Assert.True(b.Backplane.IsReady);
    }

    [Fact]
    public async Task PublishAssignsConsecutiveSeqsAndDeliversThemInOrder()
    {
        var ((backplane, handler), _) = await StartNodesAsync();
        await backplane.SubscribeRoomAsync("dev");
        for (var i = 1; i <= 20; i++)
        {
            var accepted = await backplane.PublishAsync(Message("dev", $"m{i}")).AsTask().WaitAsync(Bound);
            Assert.Equal(i, accepted.Message.Seq);
        }

        await handler.WaitAsync(() => handler.RoomMessages.Count >= 20, "20 messages");
        Assert.Equal(Enumerable.Range(1, 20).Select(i => (long)i), handler.RoomMessages.Select(m => m.Message.Seq));
        Assert.Equal(Enumerable.Range(1, 20).Select(i => $"m{i}"), handler.RoomMessages.Select(m => m.Message.Text));
    }

    [Fact]
    public async Task ConcurrentPublishersGetDistinctSeqsDeliveredInOrder()
    {
        var ((backplane, handler), _) = await StartNodesAsync();
        await backplane.SubscribeRoomAsync("dev");
        var seqs = await Task.WhenAll(Enumerable.Range(0, 4).Select(p => Task.Run(async () =>
        {
            var mine = new List<long>();
            for (var i = 0; i < 25; i++)
            {
                mine.Add((await backplane.PublishAsync(Message("dev", $"{p}-{i}"))).Message.Seq);
            }

            return mine;
        }))).WaitAsync(Bound);
        Assert.Equal(Enumerable.Range(1, 100).Select(i => (long)i), seqs.SelectMany(s => s).Order());
        await handler.WaitAsync(() => handler.RoomMessages.Count >= 100, "100 messages");
        Assert.Equal(Enumerable.Range(1, 100).Select(i => (long)i), handler.RoomMessages.Select(m => m.Message.Seq));
    }

    [Fact]
    public async Task ANewRoomStartsAtZeroAndKeepsItsEpoch()
    {
        var ((backplane, _), _) = await StartNodesAsync();
        var first = await backplane.GetPositionAsync("fresh");
        Assert.Equal(0, first.Seq);
        Assert.False(string.IsNullOrEmpty(first.Epoch));
        await backplane.PublishAsync(Message("fresh", "hi"));
        Assert.Equal(new RoomPosition(1, first.Epoch), await backplane.GetPositionAsync("fresh"));
    }

    [Fact]
    public async Task RecoverReturnsEveryMessageAfterASeqOfTheSameEpoch()
    {
        var ((backplane, _), _) = await StartNodesAsync();
        var sent = new List<ChatMessage>();
        for (var i = 1; i <= 5; i++)
        {
            sent.Add((await backplane.PublishAsync(Message("dev", $"m{i}"))).Message);
        }

        var epoch = (await backplane.GetPositionAsync("dev")).Epoch;
        var recovered = await backplane.RecoverAsync("dev", 2, epoch);
        Assert.NotNull(recovered);
        Assert.Equal(new RoomPosition(5, epoch), recovered.Position);
        Assert.Equal(sent.Skip(2), recovered.Messages);
        Assert.Empty((await backplane.RecoverAsync("dev", 5, epoch))!.Messages);
        Assert.Null(await backplane.RecoverAsync("dev", 6, epoch));
        Assert.Null(await backplane.RecoverAsync("dev", 2, "another-epoch"));
    }

    [Fact]
    public async Task RecoverFailsOnceHistoryNoLongerHoldsTheGap()
    {
        var ((backplane, _), _) = await StartNodesAsync(historySize: 3);
        for (var i = 1; i <= 5; i++)
        {
            await backplane.PublishAsync(Message("dev", $"m{i}"));
        }

        var epoch = (await backplane.GetPositionAsync("dev")).Epoch;
        Assert.Null(await backplane.RecoverAsync("dev", 1, epoch));
        Assert.Equal(["m3", "m4", "m5"], (await backplane.RecoverAsync("dev", 2, epoch))!.Messages.Select(m => m.Text));
    }

    [Fact]
    public async Task HistoryGivesTheNewestMessagesBeforeASeqOldestFirst()
    {
        var ((backplane, _), _) = await StartNodesAsync();
        for (var i = 1; i <= 10; i++)
        {
            await backplane.PublishAsync(Message("dev", $"m{i}"));
        }

        Assert.Equal([8L, 9, 10], (await backplane.GetHistoryAsync("dev", 0, 3)).Select(m => m.Seq));
        Assert.Equal([3L, 4], (await backplane.GetHistoryAsync("dev", 5, 2)).Select(m => m.Seq));
        Assert.Empty(await backplane.GetHistoryAsync("dev", 1, 5));
        Assert.Empty(await backplane.GetHistoryAsync("empty", 0, 5));
    }

    [Fact]
    public async Task AMessageKeepsEveryFieldThroughHistoryAndDelivery()
    {
        var ((backplane, handler), _) = await StartNodesAsync();
        await backplane.SubscribeRoomAsync("dev");
        var plain = Message("dev", "héllo \"quoted\"\n", from: "bob");
        var legacy = plain with
        {
            Message = plain.Message with { Legacy = true, Echo = new LegacyEcho("\"m-1\"", "1700000000") },
            Ref = MessageRef.FromString("r-1"),
        };
        var numbered = Message("dev", "two") with { Ref = MessageRef.FromNumber(42) };
        var accepted = new[] { await backplane.PublishAsync(legacy), await backplane.PublishAsync(numbered) };
        Assert.Equal([legacy.WithSeq(1), numbered.WithSeq(2)], accepted);
        await handler.WaitAsync(() => handler.RoomMessages.Count >= 2, "2 messages");
        Assert.Equal(accepted, handler.RoomMessages);
        Assert.Equal(accepted.Select(a => a.Message), await backplane.GetHistoryAsync("dev", 0, 10));
    }

    [Fact]
    public async Task AUserIsOnlineFromItsFirstConnectionToItsLast()
    {
        var ((backplane, _), _) = await StartNodesAsync();
        Assert.False(await backplane.IsUserOnlineAsync("carol"));
        await backplane.AddUserAsync("carol");
        Assert.True(await backplane.IsUserOnlineAsync("carol"));
        await backplane.RemoveUserAsync("carol");
        Assert.False(await backplane.IsUserOnlineAsync("carol"));
    }

    [Fact]
    public async Task APrivateMessageReachesTheHandlerOnce()
    {
        var ((backplane, handler), _) = await StartNodesAsync();
        await backplane.AddUserAsync("alice");
        await backplane.AddUserAsync("carol");
        var message = Message("x", "psst", to: "carol") with { Ref = MessageRef.FromNumber(3) };
        await backplane.PublishPrivateAsync(message);

        // A barrier instead of a wait: a second message comes after every copy of the first.
        var next = Message("x", "next", to: "carol");
        await backplane.PublishPrivateAsync(next);
        await handler.WaitAsync(() => handler.PrivateMessages.Count >= 2, "both private messages");
        Assert.Equal([message, next], handler.PrivateMessages);
    }

    [Fact]
    public async Task PresenceTellsJoinAtTheFirstAndLeaveAtTheLast()
    {
        var ((backplane, handler), _) = await StartNodesAsync();
        await backplane.SubscribeRoomAsync("dev");
        await backplane.AddPresenceAsync("dev", "dave", 11);
        await handler.WaitAsync(() => !handler.Presence.IsEmpty, "the join");
        Assert.Equal(["dave"], await backplane.GetMembersAsync("dev"));
        await backplane.RemovePresenceAsync("dev", "dave", 11);
        await handler.WaitAsync(() => handler.Presence.Count >= 2, "the leave");
        Assert.Equal([("dev", "dave", true, "node-a", 11L), ("dev", "dave", false, "node-a", 11L)], handler.Presence);
        Assert.Empty(await backplane.GetMembersAsync("dev"));
    }

    // Across nodes: what one node does, the other sees.

    [Fact]
    public async Task ARoomMessagePublishedOnEitherNodeReachesBothInOneOrder()
    {
        var (a, b) = await StartNodesAsync();
        await a.Backplane.SubscribeRoomAsync("dev");
        await b.Backplane.SubscribeRoomAsync("dev");
        for (var i = 1; i <= 10; i++)
        {
            var accepted = await (i % 2 == 0 ? b : a).Backplane.PublishAsync(Message("dev", $"m{i}")).AsTask().WaitAsync(Bound);
            Assert.Equal(i, accepted.Message.Seq);
        }

        await a.Handler.WaitAsync(() => a.Handler.RoomMessages.Count >= 10, "10 messages on node A");
        await b.Handler.WaitAsync(() => b.Handler.RoomMessages.Count >= 10, "10 messages on node B");
        Assert.Equal(Enumerable.Range(1, 10).Select(i => $"m{i}"), a.Handler.RoomMessages.Select(m => m.Message.Text));
        Assert.Equal(a.Handler.RoomMessages, b.Handler.RoomMessages);
        Assert.Equal(await a.Backplane.GetPositionAsync("dev"), await b.Backplane.GetPositionAsync("dev"));
    }

    [Fact]
    public async Task HistoryAndSeqsArePublishedOnOneNodeAndReadOnTheOther()
    {
        var (a, b) = await StartNodesAsync();
        var sent = new List<ChatMessage>();
        for (var i = 1; i <= 5; i++)
        {
            sent.Add((await a.Backplane.PublishAsync(Message("dev", $"m{i}"))).Message);
        }

        var position = await b.Backplane.GetPositionAsync("dev");
        Assert.Equal(new RoomPosition(5, (await a.Backplane.GetPositionAsync("dev")).Epoch), position);
        Assert.Equal(sent, await b.Backplane.GetHistoryAsync("dev", 0, 10));
        Assert.Equal(sent.Skip(2), (await b.Backplane.RecoverAsync("dev", 2, position.Epoch))!.Messages);
        Assert.Equal(6, (await b.Backplane.PublishAsync(Message("dev", "m6"))).Message.Seq);
        Assert.Equal(["m5", "m6"], (await a.Backplane.GetHistoryAsync("dev", 0, 2)).Select(m => m.Text));
    }

    [Fact]
    public async Task APrivateMessageReachesTheAddresseesNodeAndTheSendersOnceEach()
    {
        var (a, b) = await StartNodesAsync();
        await a.Backplane.AddUserAsync("alice");
        await b.Backplane.AddUserAsync("carol");
        Assert.True(await a.Backplane.IsUserOnlineAsync("carol"));
        var message = Message("x", "psst", to: "carol") with { Ref = MessageRef.FromNumber(3) };
        await a.Backplane.PublishPrivateAsync(message);

        // A barrier instead of a wait: a second message comes after every copy of the first.
        var next = Message("x", "next", to: "carol");
        await a.Backplane.PublishPrivateAsync(next);
        await a.Handler.WaitAsync(() => a.Handler.PrivateMessages.Count >= 2, "both private messages on the sender's node");
        await b.Handler.WaitAsync(() => b.Handler.PrivateMessages.Count >= 2, "both private messages on the addressee's node");
        Assert.Equal([message, next], a.Handler.PrivateMessages);
        Assert.Equal([message, next], b.Handler.PrivateMessages);
    }

    [Fact]
    public async Task APrivateMessageGoesOnlyToTheNodesOfItsAddresseeAndSender()
    {
        var (a, b) = await StartNodesAsync();
        await a.Backplane.AddUserAsync("alice");
        await a.Backplane.AddUserAsync("carol");
        await b.Backplane.AddUserAsync("erin");
        await a.Backplane.PublishPrivateAsync(Message("x", "between a's users", to: "carol"));

        // The marker: a later message for a user of node B, which B must get after anything sent before it.
        var marker = Message("x", "marker", to: "erin");
        await a.Backplane.PublishPrivateAsync(marker);
        await b.Handler.WaitAsync(() => !b.Handler.PrivateMessages.IsEmpty, "the marker");
        Assert.Equal([marker], b.Handler.PrivateMessages);
    }

    [Fact]
    public async Task AUserIsOnlineWhileAnyNodeHasAConnectionOfIt()
    {
        var (a, b) = await StartNodesAsync();
        await a.Backplane.AddUserAsync("carol");
        await b.Backplane.AddUserAsync("carol");
        await a.Backplane.RemoveUserAsync("carol");
        Assert.True(await a.Backplane.IsUserOnlineAsync("carol"));
        Assert.True(await b.Backplane.IsUserOnlineAsync("carol"));
        await b.Backplane.RemoveUserAsync("carol");
        Assert.False(await a.Backplane.IsUserOnlineAsync("carol"));
        Assert.False(await b.Backplane.IsUserOnlineAsync("carol"));
    }

    [Fact]
    public async Task PresenceSpansNodesJoinAtTheUsersFirstNodeAndLeaveAtItsLast()
    {
        var (a, b) = await StartNodesAsync();
        await a.Backplane.SubscribeRoomAsync("dev");
        await b.Backplane.SubscribeRoomAsync("dev");
        await a.Backplane.AddPresenceAsync("dev", "dave", 11);
        await b.Backplane.AddPresenceAsync("dev", "dave", 12);
        Assert.Equal(["dave"], await b.Backplane.GetMembersAsync("dev"));
        await a.Backplane.RemovePresenceAsync("dev", "dave", 11);
        Assert.Equal(["dave"], await a.Backplane.GetMembersAsync("dev"));

        // The marker: a join after those that told nobody (dave was already, and still is, on node B).
        await a.Backplane.AddPresenceAsync("dev", "erin", 13);
        await b.Backplane.RemovePresenceAsync("dev", "dave", 12);
        (string, string, bool, string, long)[] expected =
        [
            ("dev", "dave", true, "node-a", 11L),
            ("dev", "erin", true, "node-a", 13L),
            ("dev", "dave", false, "node-b", 12L),
        ];
        foreach (var node in new[] { a, b })
        {
            await node.Handler.WaitAsync(() => node.Handler.Presence.Count >= 3, "the joins and the leave");
            Assert.Equal(expected, node.Handler.Presence);
        }

        Assert.Equal(["erin"], await a.Backplane.GetMembersAsync("dev"));
    }

    [Fact]
    public async Task ANodeThatUnsubscribedAtItsLastMemberIsNotGivenTheRoomsMessages()
    {
        var (a, b) = await StartNodesAsync();
        await a.Backplane.SubscribeRoomAsync("dev");
        await b.Backplane.SubscribeRoomAsync("dev");
        await b.Backplane.UnsubscribeRoomAsync("dev");
        await a.Backplane.PublishAsync(Message("dev", "unheard"));

        // The marker: subscribed again, B gets the next message, which would have come after the first.
        await b.Backplane.SubscribeRoomAsync("dev");
        await a.Backplane.PublishAsync(Message("dev", "heard"));
        await b.Handler.WaitAsync(() => !b.Handler.RoomMessages.IsEmpty, "the message after the marker");
        await a.Handler.WaitAsync(() => a.Handler.RoomMessages.Count >= 2, "both messages on node A");
        Assert.Equal(["heard"], b.Handler.RoomMessages.Select(m => m.Message.Text));
        Assert.Equal(["unheard", "heard"], a.Handler.RoomMessages.Select(m => m.Message.Text));
        Assert.Equal(2, b.Handler.RoomMessages.Single().Message.Seq);
    }
}
