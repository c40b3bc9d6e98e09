using ScaleChat.Backplane;
using ScaleChat.Protocol;

namespace ScaleChat.Testing.Backplane;

/// <summary>
/// The backplane contract, as every implementation must keep it. Each implementation's test project
/// subclasses this once; the facts run against a fresh, started backplane.
/// </summary>
public abstract class BackplaneConformanceTests<TBackplane> : IAsyncLifetime
    where TBackplane : IBackplane, IRoomStreams, IPresence, IUserRouting
{
    private readonly List<TBackplane> _started = [];

    protected static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);

    /// <summary>A new, not yet started backplane for node <paramref name="nodeId"/>.</summary>
    protected abstract TBackplane Create(int historySize);

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var backplane in _started)
        {
            await backplane.DisposeAsync().AsTask().WaitAsync(Bound);
        }
    }

    protected async Task<(TBackplane Backplane, RecordingHandler Handler)> StartAsync(string nodeId = "node-a", int historySize = 100)
    {
        var backplane = Create(historySize);
        _started.Add(backplane);
        var handler = new RecordingHandler();
        await backplane.StartAsync(new BackplaneNode(nodeId, handler), CancellationToken.None).WaitAsync(Bound);
        return (backplane, handler);
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
        var (backplane, _) = await StartAsync();
        Assert.True(backplane.IsReady);
    }

    [Fact]
    public async Task PublishAssignsConsecutiveSeqsAndDeliversThemInOrder()
    {
        var (backplane, handler) = await StartAsync();
        await backplane.SubscribeRoomAsync("dev");
        for (var i = 1; i <= 20; i++)
        {
            var accepted = await backplane.PublishAsync(Message("dev", $"m{i}")).AsTask().WaitAsync(Bound);
            Assert.Equal(i, accepted.Message.Seq);
        }

        await RecordingHandler.WaitUntilAsync(() => handler.RoomMessages.Count >= 20, "20 messages");
        Assert.Equal(Enumerable.Range(1, 20).Select(i => (long)i), handler.RoomMessages.Select(m => m.Message.Seq));
        Assert.Equal(Enumerable.Range(1, 20).Select(i => $"m{i}"), handler.RoomMessages.Select(m => m.Message.Text));
    }

    [Fact]
    public async Task ConcurrentPublishersGetDistinctSeqsDeliveredInOrder()
    {
        var (backplane, handler) = await StartAsync();
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
        await RecordingHandler.WaitUntilAsync(() => handler.RoomMessages.Count >= 100, "100 messages");
        Assert.Equal(Enumerable.Range(1, 100).Select(i => (long)i), handler.RoomMessages.Select(m => m.Message.Seq));
    }

    [Fact]
    public async Task ANewRoomStartsAtZeroAndKeepsItsEpoch()
    {
        var (backplane, _) = await StartAsync();
        var first = await backplane.GetPositionAsync("fresh");
        Assert.Equal(0, first.Seq);
        Assert.False(string.IsNullOrEmpty(first.Epoch));
        await backplane.PublishAsync(Message("fresh", "hi"));
        Assert.Equal(new RoomPosition(1, first.Epoch), await backplane.GetPositionAsync("fresh"));
    }

    [Fact]
    public async Task RecoverReturnsEveryMessageAfterASeqOfTheSameEpoch()
    {
        var (backplane, _) = await StartAsync();
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
        var (backplane, _) = await StartAsync(historySize: 3);
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
        var (backplane, _) = await StartAsync();
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
        var (backplane, handler) = await StartAsync();
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
        await RecordingHandler.WaitUntilAsync(() => handler.RoomMessages.Count >= 2, "2 messages");
        Assert.Equal(accepted, handler.RoomMessages);
        Assert.Equal(accepted.Select(a => a.Message), await backplane.GetHistoryAsync("dev", 0, 10));
    }

    [Fact]
    public async Task AUserIsOnlineFromItsFirstConnectionToItsLast()
    {
        var (backplane, _) = await StartAsync();
        Assert.False(await backplane.IsUserOnlineAsync("carol"));
        await backplane.AddUserAsync("carol");
        Assert.True(await backplane.IsUserOnlineAsync("carol"));
        await backplane.RemoveUserAsync("carol");
        Assert.False(await backplane.IsUserOnlineAsync("carol"));
    }

    [Fact]
    public async Task APrivateMessageReachesTheHandlerOnce()
    {
        var (backplane, handler) = await StartAsync();
        await backplane.AddUserAsync("alice");
        await backplane.AddUserAsync("carol");
        var message = Message("x", "psst", to: "carol") with { Ref = MessageRef.FromNumber(3) };
        await backplane.PublishPrivateAsync(message);

        // A barrier instead of a wait: a second message comes after every copy of the first.
        var next = Message("x", "next", to: "carol");
        await backplane.PublishPrivateAsync(next);
        await RecordingHandler.WaitUntilAsync(() => handler.PrivateMessages.Count >= 2, "both private messages");
        Assert.Equal([message, next], handler.PrivateMessages);
    }

    [Fact]
    public async Task PresenceTellsJoinAtTheFirstAndLeaveAtTheLast()
    {
        var (backplane, handler) = await StartAsync();
        await backplane.SubscribeRoomAsync("dev");
        await backplane.AddPresenceAsync("dev", "dave", 11);
        await RecordingHandler.WaitUntilAsync(() => !handler.Presence.IsEmpty, "the join");
        Assert.Equal(["dave"], await backplane.GetMembersAsync("dev"));
        await backplane.RemovePresenceAsync("dev", "dave", 11);
        await RecordingHandler.WaitUntilAsync(() => handler.Presence.Count >= 2, "the leave");
        Assert.Equal([("dev", "dave", true, "node-a", 11L), ("dev", "dave", false, "node-a", 11L)], handler.Presence);
        Assert.Empty(await backplane.GetMembersAsync("dev"));
    }
}
