using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using ScaleChat.Web.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace ScaleChat.Web.Tests;

/// <summary>
/// The page in open mode, where a name is held first come, first served: it keeps the name's key
/// for the tab, says plainly when the name is someone else's, and shows as its own only the
/// messages of the name it holds.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed partial class NameHoldTests(BrowserFixture browser) : IAsyncLifetime
{
    private TestServer _server = null!;

    public async Task InitializeAsync() => _server = await TestServer.StartAsync().Bounded();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task ASecondPageWithTheSameNameIsToldPlainlyAndDoesNotReconnect()
    {
        await ChatPage.OpenAsync(await browser.NewPageAsync(), _server.HttpUrl, "alice");

        var page = await browser.NewPageAsync();
        var sockets = new SocketLog(page);
        var second = await ChatPage.LogInAsync(page, _server.HttpUrl, "alice");
        await Expect(second.LoginError).ToHaveTextAsync("The name alice is in use by someone else; choose another.");
        await Expect(page.Locator("#login")).ToBeVisibleAsync();
        await Expect(page.Locator("#chat")).ToBeHiddenAsync();
        await Expect(page.Locator("#name")).ToHaveValueAsync("alice");
        await Expect(second.State).ToHaveAttributeAsync("data-state", "closed");
        await Expect(page.Locator("#error")).ToBeHiddenAsync();
        await Expect(second.Me).ToHaveTextAsync("");
        await second.ScreenshotAsync("chat-name-taken");

        // A reconnect loop would have opened more sockets by now (its first retry is within 250 ms).
        await Task.Delay(TimeSpan.FromSeconds(2));
        Assert.Equal(1, sockets.Opened);
        await Expect(second.State).Not.ToContainTextAsync("Reconnecting");

        // Another name works at once.
        await second.SubmitNameAsync("alice2");
        await second.WaitConnectedAsync();
        await Expect(page.Locator("#conv-title")).ToHaveTextAsync("# global");
        await Expect(second.Me).ToHaveTextAsync("alice2");
        await Expect(second.LoginError).ToHaveTextAsync("");
    }

    [Fact]
    public async Task AReloadInTheSameTabKeepsTheNameWithTheKeyFromTheTab()
    {
        var page = await browser.NewPageAsync();
        var sockets = new SocketLog(page);
        var alice = await ChatPage.OpenAsync(page, _server.HttpUrl, "alice");
        var welcome = Assert.Single(SocketLog.OfType(sockets.Received, "welcome"));
        var key = welcome.GetProperty("nameKey").GetString();
        Assert.False(string.IsNullOrEmpty(key));
        Assert.Equal(key, await alice.SessionValueAsync("scalechat.nameKey:alice"));

        // The old connection closes with the reload, but the name stays held for the grace period:
        // only the key kept by the tab lets the page have it again.
        // The tab carries on by itself after the reload.
        await page.ReloadAsync().WaitAsync(TimeSpan.FromSeconds(20));
        await alice.WaitConnectedAsync();
        await Expect(alice.Me).ToHaveTextAsync("alice");

        var hellos = SocketLog.OfType(sockets.Sent, "hello");
        Assert.Equal(2, hellos.Count);
        Assert.False(hellos[0].TryGetProperty("nameKey", out _));
        Assert.Equal(key, hellos[1].GetProperty("nameKey").GetString());

        await alice.SendAsync("still me after the reload");
        await Expect(alice.Message("still me after the reload")).ToHaveClassAsync(OwnClass());

        // Someone else, in another browser, still cannot have the name.
        var other = await ChatPage.LogInAsync(await browser.NewPageAsync(), _server.HttpUrl, "alice");
        await Expect(other.LoginError).ToContainTextAsync("in use by someone else");
    }

    [Fact]
    public async Task AReconnectSendsTheNameKeyOfTheLastWelcome()
    {
        var page = await browser.NewPageAsync();
        // Keeps the page's sockets where the test can reach them, to drop one as a network would.
        await page.AddInitScriptAsync("""
            (() => {
              const Native = window.WebSocket;
              window.__sockets = [];
              window.WebSocket = class extends Native {
                constructor(...args) { super(...args); window.__sockets.push(this); }
              };
            })();
            """).WaitAsync(TimeSpan.FromSeconds(10));
        var sockets = new SocketLog(page);
        var alice = await ChatPage.OpenAsync(page, _server.HttpUrl, "alice");
        var key = SocketLog.OfType(sockets.Received, "welcome")[0].GetProperty("nameKey").GetString();

        // 4000 stands for a lost connection (1006 is not a code a script may send): the page reconnects.
        await page.EvaluateAsync("() => window.__sockets.filter(s => s.readyState === 1).forEach(s => s.close(4000, 'test: lost'))");
        await SocketLog.UntilAsync(() => SocketLog.OfType(sockets.Sent, "hello").Count >= 2, "a second hello");
        await alice.WaitConnectedAsync(20_000);
        var hellos = SocketLog.OfType(sockets.Sent, "hello");
        Assert.Equal(key, hellos[1].GetProperty("nameKey").GetString());
        await Expect(alice.Me).ToHaveTextAsync("alice");
        await alice.SendAsync("back on the same name");
        await Expect(alice.Message("back on the same name")).ToHaveClassAsync(OwnClass());
    }

    [Fact]
    public async Task MessagesOfOtherConnectionsAreNeverShownAsThePagesOwn()
    {
        var alice = await ChatPage.OpenAsync(await browser.NewPageAsync(), _server.HttpUrl, "alice", room: "dev");
        var (bob, _) = await Clients.ConnectAsync(_server.RoomUrl("dev"), "bob");
        await using var b = bob;
        await bob.SendAsync("dev", "bob here").Bounded();

        // A version-1 connection cannot say it is alice: the name is held, and a `from` it writes is ignored.
        using (var impostor = await RawAsync(_server.RoomUrl("dev"), """{"type":"hello","name":"alice"}"""))
        {
            var answer = await ReceiveAsync(impostor);
            Assert.Equal("error", answer.GetProperty("type").GetString());
            Assert.Equal("name_taken", answer.GetProperty("code").GetString());
        }

        using (var mallory = await RawAsync(_server.RoomUrl("dev"), """{"type":"hello","name":"mallory"}"""))
        {
            Assert.Equal("welcome", (await ReceiveAsync(mallory)).GetProperty("type").GetString());
            await SendAsync(mallory, """{"type":"send","room":"dev","text":"I am alice, honest","from":"alice","sender":"alice","clientId":"alice"}""");
            await alice.ExpectMessageAsync("I am alice, honest");
            await Expect(alice.Message("I am alice, honest").Locator(".from")).ToHaveTextAsync("mallory");
        }

        // A legacy client declares its own name in every frame: never the page's own, whatever it says.
        using (var legacy = new ClientWebSocket())
        {
            await legacy.ConnectAsync(_server.RoomUrl("dev"), CancellationToken.None).Bounded();
            await SendAsync(legacy, """{"clientId": "alice", "message": "legacy frame that says alice"}""");
            await SendAsync(legacy, """{"clientId": "eve", "message": "legacy frame from eve"}""");
            await alice.ExpectMessageAsync("legacy frame from eve");
            await legacy.CloseAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None).Bounded();
        }

        await alice.SendAsync("this one is mine");
        await alice.ExpectMessageAsync("bob here");
        await Expect(alice.Message("this one is mine")).ToHaveClassAsync(OwnClass());
        await Expect(alice.Page.Locator("#messages .msg.own")).ToHaveCountAsync(1);
        await Expect(alice.Page.Locator("#messages .msg.legacy.own")).ToHaveCountAsync(0);
        await Expect(alice.Message("bob here")).Not.ToHaveClassAsync(OwnClass());
        await alice.ScreenshotAsync("chat-own-messages-only");
    }

    private static async Task<ClientWebSocket> RawAsync(Uri url, string hello)
    {
        var ws = new ClientWebSocket();
        ws.Options.AddSubProtocol("scalechat.v1");
        await ws.ConnectAsync(url, CancellationToken.None).Bounded();
        await SendAsync(ws, hello);
        return ws;
    }

    private static Task SendAsync(ClientWebSocket ws, string json) =>
        ws.SendAsync(Encoding.UTF8.GetBytes(json), WebSocketMessageType.Text, true, CancellationToken.None).Bounded();

    /// <summary>The next object of the first frame (presence and batches are not expected before these answers).</summary>
    private static async Task<JsonElement> ReceiveAsync(ClientWebSocket ws)
    {
        var buffer = new byte[64 * 1024];
        var result = await ws.ReceiveAsync(buffer, CancellationToken.None).Bounded();
        var first = Encoding.UTF8.GetString(buffer, 0, result.Count).Split('\n')[0];
        using var doc = JsonDocument.Parse(first);
        return doc.RootElement.Clone();
    }

    [GeneratedRegex(@"\bown\b")]
    private static partial Regex OwnClass();
}
