using Microsoft.Extensions.Logging.Abstractions;
using ScaleChat.Backplane.Redis.Tests.Infrastructure;
using ScaleChat.Protocol;
using ScaleChat.Testing.Backplane;
using StackExchange.Redis;

namespace ScaleChat.Backplane.Redis.Tests;

/// <summary>What only a shared, remote backplane must get right: the same stream seen from two nodes, lost data, lost pub/sub.</summary>
public sealed class RedisBackplaneTests : IAsyncLifetime
{
    private readonly string _prefix = TestRedis.NewPrefix();
    private readonly List<RedisBackplane> _started = [];
    private ConnectionMultiplexer _redis = null!;

    public async Task InitializeAsync() => _redis = await ConnectionMultiplexer.ConnectAsync(await TestRedis.AddressAsync());

    public async Task DisposeAsync()
    {
        foreach (var backplane in _started)
        {
            await backplane.DisposeAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10));
        }

        await _redis.DisposeAsync();
    }

    private async Task<(RedisBackplane Backplane, RecordingHandler Handler)> StartAsync(string node)
    {
        var backplane = new RedisBackplane(
            new RedisBackplaneOptions { Configuration = await TestRedis.AddressAsync(), Prefix = _prefix },
            NullLogger<RedisBackplane>.Instance);
        _started.Add(backplane);
        var handler = new RecordingHandler();
        await backplane.StartAsync(new BackplaneNode(node, handler), CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));
        return (backplane, handler);
    }

    private static Envelope Message(string text) => new()
    {
        Message = new ChatMessage { Room = "dev", From = "alice", Text = text, Id = Guid.NewGuid().ToString("N") },
        OriginNode = "a",
    };

    [Fact]
    public async Task TwoNodesShareOneStreamWithOneEpoch()
    {
        var (a, aHandler) = await StartAsync("a");
        var (b, bHandler) = await StartAsync("b");
        await a.SubscribeRoomAsync("dev");
        await b.SubscribeRoomAsync("dev");
        for (var i = 0; i < 10; i++)
        {
            await (i % 2 == 0 ? a : b).PublishAsync(Message($"m{i}"));
        }

        Assert.Equal(await a.GetPositionAsync("dev"), await b.GetPositionAsync("dev"));
        await RecordingHandler.WaitUntilAsync(() => aHandler.RoomMessages.Count == 10 && bHandler.RoomMessages.Count == 10, "10 messages on each node");
        Assert.Equal(aHandler.RoomMessages, bHandler.RoomMessages);
    }

    [Fact]
    public async Task AnUnsubscribedNodeIsNotGivenTheRoomsMessages()
    {
        var (a, _) = await StartAsync("a");
        var (b, bHandler) = await StartAsync("b");
        await b.SubscribeRoomAsync("dev");
        await b.UnsubscribeRoomAsync("dev");
        await a.PublishAsync(Message("unheard"));

        // A barrier instead of a wait: subscribed again, b gets the next message on the same channel,
        // which a subscription that had stayed would have delivered after the first.
        await b.SubscribeRoomAsync("dev");
        await a.PublishAsync(Message("heard"));
        await RecordingHandler.WaitUntilAsync(() => !bHandler.RoomMessages.IsEmpty, "the message after the barrier");
        Assert.Equal(["heard"], bHandler.RoomMessages.Select(m => m.Message.Text));
    }

    [Fact]
    public async Task AMessageMissedOnPubSubIsFilledFromHistoryBeforeTheNext()
    {
        var (a, handler) = await StartAsync("a");
        await a.SubscribeRoomAsync("dev");
        var names = new RedisNames(_prefix);
        // Seq 1 goes into history but its publish goes nowhere, as when pub/sub drops a message.
        await _redis.GetDatabase().ScriptEvaluateAsync(RedisScripts.Publish,
            [names.RoomEpoch("dev"), names.RoomSeq("dev"), names.RoomHistory("dev")],
            ["unused", RedisWire.Encode(Message("dropped")), 100, "nowhere"]);
        await a.PublishAsync(Message("next"));
        await RecordingHandler.WaitUntilAsync(() => handler.RoomMessages.Count >= 2, "both messages");
        Assert.Equal([(1L, "dropped"), (2L, "next")], handler.RoomMessages.Select(m => (m.Message.Seq, m.Message.Text)));
    }

    [Fact]
    public async Task TheEpochChangesOnlyWhenRedisLostTheHistory()
    {
        var (a, handler) = await StartAsync("a");
        await a.SubscribeRoomAsync("dev");
        await a.PublishAsync(Message("one"));
        var before = await a.GetPositionAsync("dev");
        var (b, _) = await StartAsync("b");
        Assert.Equal(before, await b.GetPositionAsync("dev"));

        var names = new RedisNames(_prefix);
        await _redis.GetDatabase().KeyDeleteAsync([names.RoomEpoch("dev"), names.RoomSeq("dev"), names.RoomHistory("dev")]);
        var after = await b.GetPositionAsync("dev");
        Assert.NotEqual(before.Epoch, after.Epoch);
        Assert.Equal(0, after.Seq);
        Assert.Null(await b.RecoverAsync("dev", 1, before.Epoch));

        // The subscribed node sees the new epoch with its next message and tells the hub.
        Assert.Equal(1, (await b.PublishAsync(Message("again"))).Message.Seq);
        await RecordingHandler.WaitUntilAsync(() => handler.RoomMessages.Count >= 2, "the message of the new epoch");
        Assert.Equal(["dev"], handler.Resets);
    }
}
