using System.Net.WebSockets;
using System.Text;
using Microsoft.Playwright;
using ScaleChat.Client;
using ScaleChat.Web.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace ScaleChat.Web.Tests;

/// <summary>The chat page in a real Chromium against the real server.</summary>
[Collection(BrowserCollection.Name)]
public sealed class ChatPageTests(BrowserFixture browser) : IAsyncLifetime
{
    private TestServer _server = null!;

    public async Task InitializeAsync() => _server = await TestServer.StartAsync().Bounded();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task TwoPagesChatInARoomAndPrivately()
    {
        var alice = await ChatPage.OpenAsync(await browser.NewPageAsync(), _server.HttpUrl, "alice");
        var bob = await ChatPage.OpenAsync(await browser.NewPageAsync(), _server.HttpUrl, "bob");
        await alice.JoinAsync("dev");
        await bob.JoinAsync("dev");

        await alice.SendAsync("build is green");
        await bob.ExpectMessageAsync("build is green");
        await Expect(bob.Message("build is green").Locator(".from")).ToHaveTextAsync("alice");
        await Expect(bob.Message("build is green")).Not.ToHaveClassAsync(new System.Text.RegularExpressions.Regex("own"));
        await Expect(alice.Message("build is green")).ToHaveClassAsync(new System.Text.RegularExpressions.Regex(@"\bown\b"));
        await Expect(bob.Message("build is green").Locator("time")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex(@"^\d{1,2}:\d\d$"));
        await Expect(alice.Member("bob")).ToBeVisibleAsync();
        await Expect(bob.Member("alice")).ToBeVisibleAsync();

        // A message to a room bob is in but not looking at counts as unread there.
        await alice.OpenAsync("room:global");
        await alice.SendAsync("anyone for lunch?");
        await bob.ExpectUnreadAsync("room:global", 1);

        // Bob answers privately by clicking alice in the list of who is online.
        await bob.Member("alice").Locator("button").ClickAsync();
        await Expect(bob.Page.Locator("#conv-title")).ToHaveTextAsync("@ alice");
        await bob.SendAsync("me! in five minutes");
        await alice.ExpectUnreadAsync("user:bob", 1);
        await alice.OpenAsync("user:bob");
        await alice.ExpectMessageAsync("me! in five minutes");
        await alice.SendAsync("great, see you at the door");
        await bob.ExpectMessageAsync("great, see you at the door");

        await alice.OpenAsync("room:dev");
        await alice.SendAsync("merging now");
        await bob.ExpectUnreadAsync("room:dev", 1);
        await bob.ScreenshotAsync("chat-bob");
        await bob.OpenAsync("room:dev");
        await bob.SendAsync("LGTM, the dashboard looks calm");
        await alice.ExpectMessageAsync("LGTM, the dashboard looks calm");
        await alice.ScreenshotAsync("chat-alice");
    }

    [Fact]
    public async Task PageAndLibraryClientChatWithEachOther()
    {
        var carol = await ChatPage.OpenAsync(await browser.NewPageAsync(), _server.HttpUrl, "carol", room: "ops");
        var (dave, events) = await Clients.ConnectAsync(_server.RoomUrl("ops"), "dave");
        await using var _ = dave;

        await dave.SendAsync("ops", "deploying 1.4 now").Bounded();
        await carol.ExpectMessageAsync("deploying 1.4 now");

        await carol.SendAsync("ok, watching the dashboard");
        var seen = await events.NextAsync<ReceivedMessage>(m => m.Room == "ops" && m.From == "carol");
        Assert.Equal("ok, watching the dashboard", seen.Text);

        await dave.SendToUserAsync("carol", "psst: it is green").Bounded();
        await carol.ExpectUnreadAsync("user:dave", 1);
        await carol.OpenAsync("user:dave");
        await carol.ExpectMessageAsync("psst: it is green");
        await carol.SendAsync("thanks dave");
        var reply = await events.NextAsync<ReceivedMessage>(m => m.IsPrivate && m.From == "carol");
        Assert.Equal(("carol", "dave", "thanks dave"), (reply.From, reply.To, reply.Text));
    }

    [Fact]
    public async Task HtmlAndScriptFromAMessageOrANameRenderAsText()
    {
        var alice = await ChatPage.OpenAsync(await browser.NewPageAsync(), _server.HttpUrl, "alice", room: "dev");
        var (mallory, _) = await Clients.ConnectAsync(_server.RoomUrl("dev"), "mallory");
        await using var m = mallory;
        const string img = "<img src=x onerror=\"window.__pwned = 'img'\">";
        const string script = "<script>window.__pwned = 'script'</script><b>bold?</b>";
        await mallory.SendAsync("dev", img).Bounded();
        await mallory.SendAsync("dev", script).Bounded();

        // Legacy clients declare their own name in each frame: a name with markup breaks the name rule,
        // so that frame never reaches anyone, and the next one from a valid name does.
        const string legacyName = "<i onmouseover=\"window.__pwned='name'\">eve</i>";
        using (var legacy = new ClientWebSocket())
        {
            await legacy.ConnectAsync(_server.RoomUrl("dev"), CancellationToken.None).Bounded();
            foreach (var name in new[] { legacyName, "eve" })
            {
                var frame = Encoding.UTF8.GetBytes($$"""{"clientId": "{{name.Replace("\"", "\\\"", StringComparison.Ordinal)}}", "message": "<u>hi</u>"}""");
                await legacy.SendAsync(frame, WebSocketMessageType.Text, true, CancellationToken.None).Bounded();
            }

            await alice.ExpectMessageAsync("<u>hi</u>");
            await legacy.CloseAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None).Bounded();
        }

        await alice.ExpectMessageAsync(img);
        await alice.ExpectMessageAsync(script);
        await Expect(alice.Message("<u>hi</u>").Locator(".from")).ToHaveTextAsync("eve");
        await alice.Message("<u>hi</u>").Locator(".from").HoverAsync();
        await Expect(alice.Page.Locator("#messages img, #messages script, #messages b, #messages i, #messages u")).ToHaveCountAsync(0);
        Assert.Equal("none", await alice.Page.EvaluateAsync<string>("() => String(window.__pwned ?? 'none')"));
        await alice.ScreenshotAsync("chat-markup-as-text");
    }

    [Fact]
    public async Task OlderMessagesLoadWhenScrollingUp()
    {
        var (bob, _) = await Clients.ConnectAsync(_server.RoomUrl("dev"), "bob");
        await using var b = bob;
        for (var i = 1; i <= 80; i++)
        {
            await bob.SendAsync("dev", $"message {i}").Bounded();
        }

        var alice = await ChatPage.OpenAsync(await browser.NewPageAsync(), _server.HttpUrl, "alice", room: "dev");
        await alice.ExpectMessageAsync("message 80");
        await Expect(alice.Messages).ToHaveCountAsync(50);
        await Expect(alice.Message("message 1")).ToHaveCountAsync(0);

        await alice.Page.Locator("#messages").EvaluateAsync("el => el.scrollTop = 0");
        await Expect(alice.Messages).ToHaveCountAsync(80);
        await Expect(alice.Messages.First.Locator(".text")).ToHaveTextAsync("message 1");
        await Expect(alice.Page.Locator("#history-state")).ToContainTextAsync("beginning of #dev");
    }

    [Fact]
    public async Task ServerErrorsAreShownPlainly()
    {
        var alice = await ChatPage.OpenAsync(await browser.NewPageAsync(), _server.HttpUrl, "alice");
        await alice.Page.FillAsync("#dm-user", "nobody");
        await alice.Page.ClickAsync("#dm-form button");
        await alice.SendAsync("are you there?");
        await Expect(alice.Page.Locator(".outgoing[data-state=failed] .status")).ToContainTextAsync("(no_such_user)");
    }

    [Fact]
    public async Task OnANarrowScreenThePageStillChats()
    {
        var alice = await ChatPage.OpenAsync(await browser.NewPageAsync(390, 780), _server.HttpUrl, "alice", room: "dev");
        var (bob, _) = await Clients.ConnectAsync(_server.RoomUrl("dev"), "bob");
        await using var b = bob;
        await bob.SendAsync("dev", "hello from a big screen").Bounded();
        await alice.ExpectMessageAsync("hello from a big screen");
        await alice.SendAsync("hello from a phone");
        await alice.ExpectMessageAsync("hello from a phone");

        await Expect(alice.Page.Locator("#members-panel")).ToBeHiddenAsync();
        await alice.Page.ClickAsync("#toggle-members");
        await Expect(alice.Member("bob")).ToBeVisibleAsync();
        var width = await alice.Page.EvaluateAsync<int>("() => document.documentElement.scrollWidth");
        Assert.True(width <= 390, $"the page is {width}px wide on a 390px screen");
        await alice.ScreenshotAsync("chat-narrow");
    }
}
