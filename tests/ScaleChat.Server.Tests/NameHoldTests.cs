using ScaleChat.Server.Tests.Infrastructure;

namespace ScaleChat.Server.Tests;

/// <summary>
/// Open mode: a name belongs to the first connection that claims it; others share it only with its
/// <c>nameKey</c>, for as long as any of its connections is open and a grace period after.
/// </summary>
public sealed class NameHoldTests
{
    [Fact]
    public async Task ASecondHelloForAHeldNameIsRefusedWithoutItsKeyAndSharesItWithTheKey()
    {
        await using var server = await TestServer.StartAsync();
        var (alice, welcome) = await WsClient.HelloAsync(server.WsUrl, "alice");
        await using var a = alice;
        var key = welcome.Str("nameKey");
        Assert.False(string.IsNullOrEmpty(key));

        foreach (var presented in new string?[] { null, "wrong-key", key![..^1] })
        {
            await using var impostor = await WsClient.ConnectAsync(server.WsUrl);
            await impostor.SendAsync(new { type = "hello", name = "alice", nameKey = presented, @ref = 7 });
            var (code, before) = await impostor.ExpectCloseAsync();
            Assert.Equal(1008, code);
            var error = Assert.Single(before);
            Assert.Equal(("error", "name_taken", 7L), (error.Type(), error.Str("code"), error.Long("ref")));
        }

        // The same key shares the name (a second tab): both connections get alice's private messages.
        await using var tab = await WsClient.ConnectAsync(server.WsUrl);
        await tab.SendAsync(new { type = "hello", name = "alice", nameKey = key });
        var second = await tab.ExpectAsync("welcome");
        Assert.Equal(("alice", key), (second.Str("user"), second.Str("nameKey")));

        var (bob, _) = await WsClient.HelloAsync(server.WsUrl, "bob");
        await using var b = bob;
        await bob.SendAsync(new { type = "send", to = "alice", text = "for alice only" });
        Assert.Equal("for alice only", (await alice.ExpectAsync("message")).Str("text"));
        Assert.Equal("for alice only", (await tab.ExpectAsync("message")).Str("text"));
    }

    [Fact]
    public async Task AHeldNameOutlivesItsLastConnectionByTheGracePeriodAndIsFreeAfterIt()
    {
        await using var server = await TestServer.StartAsync("ScaleChat:Auth:NameGrace=00:00:02");
        var (alice, welcome) = await WsClient.HelloAsync(server.WsUrl, "alice");
        var key = welcome.Str("nameKey");
        await alice.DisposeAsync();

        // Within the grace period: an impostor is refused, the reconnect with the key keeps the name.
        await using (var impostor = await WsClient.ConnectAsync(server.WsUrl))
        {
            await impostor.SendAsync(new { type = "hello", name = "alice" });
            Assert.Equal(1008, (await impostor.ExpectCloseAsync()).Code);
        }

        await using (var back = await WsClient.ConnectAsync(server.WsUrl))
        {
            await back.SendAsync(new { type = "hello", name = "alice", nameKey = key });
            Assert.Equal(key, (await back.ExpectAsync("welcome")).Str("nameKey"));
        }

        // After it, the name is free: whoever comes takes it with a new key, and the old key is worthless.
        await Task.Delay(TimeSpan.FromSeconds(3));
        var (newcomer, taken) = await WsClient.HelloAsync(server.WsUrl, "alice");
        await using var n = newcomer;
        Assert.NotEqual(key, taken.Str("nameKey"));
        await using var old = await WsClient.ConnectAsync(server.WsUrl);
        await old.SendAsync(new { type = "hello", name = "alice", nameKey = key });
        Assert.Equal(1008, (await old.ExpectCloseAsync()).Code);
    }

    [Fact]
    public async Task AHoldIsRenewedWhileItsConnectionStaysOpenLongerThanTheGracePeriod()
    {
        await using var server = await TestServer.StartAsync("ScaleChat:Auth:NameGrace=00:00:01");
        var (alice, _) = await WsClient.HelloAsync(server.WsUrl, "alice");
        await using var a = alice;
        await Task.Delay(TimeSpan.FromSeconds(3));

        await using var impostor = await WsClient.ConnectAsync(server.WsUrl);
        await impostor.SendAsync(new { type = "hello", name = "alice" });
        Assert.Equal(1008, (await impostor.ExpectCloseAsync()).Code);
    }

    [Fact]
    public async Task FromIsTheHeldNameWhateverTheObjectSays()
    {
        await using var server = await TestServer.StartAsync();
        var (alice, _) = await WsClient.HelloAsync(server.WsUrl, "alice");
        await using var a = alice;
        var (mallory, _) = await WsClient.HelloAsync(server.WsUrl, "mallory");
        await using var m = mallory;
        await mallory.SendAsync(new { type = "send", room = "global", text = "hi", from = "alice", sender = "alice", clientId = "alice" });
        Assert.Equal("mallory", (await alice.ExpectAsync("message")).Str("from"));
    }

    [Fact]
    public async Task AnAuthObjectInOpenModeIsABadRequestAndTheConnectionStays()
    {
        await using var server = await TestServer.StartAsync();
        var (alice, _) = await WsClient.HelloAsync(server.WsUrl, "alice");
        await using var a = alice;
        await alice.SendAsync(new { type = "auth", token = "x", @ref = 1 });
        Assert.Equal("bad_request", (await alice.ExpectAsync("error")).Str("code"));
        await alice.SendAsync(new { type = "ping", @ref = 2 });
        Assert.Equal(2, (await alice.ExpectAsync("pong")).Long("ref"));
    }
}
