using ScaleChat.Web.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace ScaleChat.Web.Tests;

/// <summary>The page against a server that goes away and comes back on the same address.</summary>
[Collection(BrowserCollection.Name)]
public sealed class ReconnectTests(BrowserFixture browser)
{
    /// <summary>
    /// The server restarts with an in-memory history, so what was said before the restart is gone
    /// from it (a new epoch). The page must say so plainly (recovered: false), keep what it had
    /// shown, come back by itself, and show what was said on the new server while it was still away:
    /// it fetches the new epoch's history for the rooms it had (joined at hello, and joined later).
    /// </summary>
    [Fact]
    public async Task AfterAServerRestartThePageReconnectsAndShowsTheMessagesSentMeanwhile()
    {
        var first = await TestServer.StartAsync().Bounded();
        var port = first.HttpUrl.Port;
        var alice = await ChatPage.OpenAsync(await browser.NewPageAsync(), first.HttpUrl, "alice");
        await alice.JoinAsync("dev");
        await alice.SendAsync("before the restart");
        await alice.ExpectMessageAsync("before the restart");

        await first.DisposeAsync();
        await Expect(alice.State).Not.ToHaveAttributeAsync("data-state", "connected");
        await Expect(alice.State).ToContainTextAsync("Reconnecting");

        // Let the page fail a few attempts so it is backing off, then start the new server on
        // the same port and talk there at once, before the page's next attempt (usually).
        await Task.Delay(TimeSpan.FromSeconds(1.5));
        await using var second = await TestServer.StartOnPortAsync(port).Bounded();
        var (bob, _) = await Clients.ConnectAsync(second.RoomUrl("dev"), "bob");
        await using var b = bob;
        await bob.SendAsync("dev", "said while alice was away").Bounded();
        await bob.SendAsync("global", "hello everyone, the server is back").Bounded();

        await alice.WaitConnectedAsync(timeoutMs: 20_000);
        await alice.ExpectMessageAsync("said while alice was away");
        await alice.ExpectMessageAsync("before the restart");
        await Expect(alice.Notices.Filter(new() { HasText = "recovered: false" })).ToHaveCountAsync(1);
        await alice.ScreenshotAsync("chat-after-restart");
        await alice.OpenAsync("room:global");
        await alice.ExpectMessageAsync("hello everyone, the server is back");

        // And the page talks on the new server.
        await alice.OpenAsync("room:dev");
        await alice.SendAsync("I am back too");
        await alice.ExpectMessageAsync("I am back too");
    }
}
