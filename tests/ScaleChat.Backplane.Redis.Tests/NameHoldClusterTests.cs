using ScaleChat.Backplane.Redis.Tests.Infrastructure;

namespace ScaleChat.Backplane.Redis.Tests;

/// <summary>Open mode's name holds span the cluster: a name held on one node is held on every node.</summary>
public sealed class NameHoldClusterTests
{
    [Fact]
    public async Task ANameHeldOnOneNodeIsRefusedOnAnotherWithoutItsKeyAndSharedWithIt()
    {
        await using var cluster = await Cluster.CreateAsync();
        var a = await cluster.StartNodeAsync("a");
        var b = await cluster.StartNodeAsync("b");
        var (alice, welcome) = await WsClient.HelloAsync(a.WsUrl, "alice");
        await using var first = alice;
        var key = welcome.Str("nameKey");

        await using var impostor = await WsClient.ConnectAsync(b.WsUrl);
        await impostor.SendAsync(new { type = "hello", name = "alice", nameKey = "guess" });
        var (code, before) = await impostor.ExpectCloseAsync();
        Assert.Equal((1008, "name_taken"), (code, before.Single().Str("code")));

        var (tab, shared) = await WsClient.HelloAsync(b.WsUrl, "alice", nameKey: key);
        await using var second = tab;
        Assert.Equal(("alice", key, "b"), (shared.Str("user"), shared.Str("nameKey"), shared.Str("node")));
    }

    [Fact]
    public async Task AReconnectToAnotherNodeWithinTheGracePeriodKeepsTheNameAndItLapsesAfter()
    {
        await using var cluster = await Cluster.CreateAsync();
        var a = await cluster.StartNodeAsync("a", "ScaleChat:Auth:NameGrace=00:00:02");
        var b = await cluster.StartNodeAsync("b", "ScaleChat:Auth:NameGrace=00:00:02");
        var (alice, welcome) = await WsClient.HelloAsync(a.WsUrl, "alice");
        var key = welcome.Str("nameKey");
        await alice.DisposeAsync();

        await using (var impostor = await WsClient.ConnectAsync(b.WsUrl))
        {
            await impostor.SendAsync(new { type = "hello", name = "alice" });
            Assert.Equal(1008, (await impostor.ExpectCloseAsync()).Code);
        }

        // Back on the other node within the grace period, and held there past it while connected.
        var (back, again) = await WsClient.HelloAsync(b.WsUrl, "alice", nameKey: key);
        Assert.Equal(key, again.Str("nameKey"));
        await Task.Delay(TimeSpan.FromSeconds(3));
        await using (var impostor = await WsClient.ConnectAsync(a.WsUrl))
        {
            await impostor.SendAsync(new { type = "hello", name = "alice" });
            Assert.Equal(1008, (await impostor.ExpectCloseAsync()).Code);
        }

        await back.DisposeAsync();
        await Task.Delay(TimeSpan.FromSeconds(3));
        var (newcomer, taken) = await WsClient.HelloAsync(a.WsUrl, "alice");
        await using var n = newcomer;
        Assert.NotEqual(key, taken.Str("nameKey"));
    }
}
