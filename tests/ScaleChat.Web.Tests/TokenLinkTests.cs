using System.Text.RegularExpressions;
using ScaleChat.Client;
using ScaleChat.Web.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace ScaleChat.Web.Tests;

/// <summary>
/// The page against a server in token mode, signed in by a link that carries a token in its
/// fragment (<c>/#token=...</c>): the server names the user from the token, and the token's
/// <c>rooms</c> claim decides where the user may go.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed partial class TokenLinkTests(BrowserFixture browser) : IAsyncLifetime
{
    private const string Secret = "browser-tests-secret-of-at-least-32-bytes";

    private TestServer _server = null!;

    public async Task InitializeAsync() =>
        _server = await TestServer.StartAsync("ScaleChat:Auth:Mode=token", $"ScaleChat:Auth:Secret={Secret}").Bounded();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task ATokenLinkSignsInAsItsSubjectAndLeavesTheAddressBar()
    {
        var token = ChatTokens.Issue(Secret, "tina", TimeSpan.FromMinutes(10));
        var page = await browser.NewPageAsync();
        var sockets = new SocketLog(page);
        var tina = await ChatPage.OpenLinkAsync(page, _server.HttpUrl, token);
        await tina.WaitConnectedAsync();
        await Expect(page.Locator("#login")).ToBeHiddenAsync();
        await Expect(page.Locator("#conv-title")).ToHaveTextAsync("# global");
        await Expect(tina.Me).ToHaveTextAsync("tina");

        // Out of the address bar (so a copied address does not hand it on), kept by the tab.
        Assert.DoesNotContain("token", page.Url, StringComparison.Ordinal);
        Assert.Equal(_server.HttpUrl.ToString(), page.Url);
        Assert.Equal(token, await tina.SessionValueAsync("scalechat.token"));
        var hello = Assert.Single(SocketLog.OfType(sockets.Sent, "hello"));
        Assert.Equal(token, hello.GetProperty("token").GetString());

        // A library client in the same room sees the page's messages from the token's subject.
        var bobToken = ChatTokens.Issue(Secret, "bob", TimeSpan.FromMinutes(10));
        var (bob, events) = await Clients.ConnectAsync(_server.WsUrl, "bob", o => new ChatClientOptions { Url = o.Url, Name = o.Name, Token = bobToken });
        await using var b = bob;
        await tina.SendAsync("signed in by a link");
        var seen = await events.NextAsync<ReceivedMessage>(m => m.Text == "signed in by a link");
        Assert.Equal("tina", seen.From);
        await Expect(tina.Message("signed in by a link")).ToHaveClassAsync(OwnClass());
        await bob.SendAsync("global", "hi tina").Bounded();
        await tina.ExpectMessageAsync("hi tina");
        await Expect(tina.Message("hi tina")).Not.ToHaveClassAsync(OwnClass());
        await tina.ScreenshotAsync("chat-token-link");

        // A reload in the same tab signs in again with the token the tab kept.
        await page.ReloadAsync().WaitAsync(TimeSpan.FromSeconds(20));
        await tina.WaitConnectedAsync();
        await Expect(tina.Me).ToHaveTextAsync("tina");
        Assert.DoesNotContain("token", page.Url, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ARoomTheTokenDoesNotAllowGetsAPlainLineInTheRoomView()
    {
        var token = ChatTokens.Issue(Secret, "tina", TimeSpan.FromMinutes(10), rooms: ["global", "team-*"]);
        var tina = await ChatPage.OpenLinkAsync(await browser.NewPageAsync(), _server.HttpUrl, token);
        await tina.WaitConnectedAsync();
        await Expect(tina.Page.Locator("#conv-title")).ToHaveTextAsync("# global");

        await tina.Page.FillAsync("#join-room", "secret");
        await tina.Page.ClickAsync("#join-form button");
        await Expect(tina.Notices.Filter(new() { HasText = "You may not join room secret." })).ToBeVisibleAsync();
        await Expect(tina.Conversation("room:secret")).ToHaveCountAsync(0);
        await Expect(tina.Page.Locator("#conv-title")).ToHaveTextAsync("# global");
        await Expect(tina.State).ToHaveAttributeAsync("data-state", "connected");
        await tina.ScreenshotAsync("chat-forbidden-room");

        // A room the claim allows is joined as usual, and the page keeps chatting.
        await tina.JoinAsync("team-red");
        await tina.SendAsync("allowed here");
        await tina.ExpectMessageAsync("allowed here");
    }

    [Fact]
    public async Task ATokenWithoutGlobalOpensOnTheRoomOfTheLink()
    {
        var token = ChatTokens.Issue(Secret, "tina", TimeSpan.FromMinutes(10), rooms: ["ops"]);
        var tina = await ChatPage.OpenLinkAsync(await browser.NewPageAsync(), _server.HttpUrl, token, room: "ops");
        await tina.WaitConnectedAsync();
        await Expect(tina.Page.Locator("#conv-title")).ToHaveTextAsync("# ops");
        await Expect(tina.Conversation("room:global")).ToHaveCountAsync(0);
        await tina.SendAsync("only ops for me");
        await tina.ExpectMessageAsync("only ops for me");
        Assert.EndsWith("?room=ops", tina.Page.Url, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ARefusedTokenIsShownPlainlyWithoutReconnecting()
    {
        var expired = ChatTokens.Issue(Secret, "tina", TimeSpan.FromMinutes(1), notBefore: DateTimeOffset.UtcNow.AddMinutes(-10));
        var page = await browser.NewPageAsync();
        var sockets = new SocketLog(page);
        var tina = await ChatPage.OpenLinkAsync(page, _server.HttpUrl, expired);
        await Expect(tina.Error).ToContainTextAsync("ask for a new link");
        await Expect(tina.State).ToHaveAttributeAsync("data-state", "closed");
        await Task.Delay(TimeSpan.FromSeconds(2));
        Assert.Equal(1, sockets.Opened);
        Assert.Null(await tina.SessionValueAsync("scalechat.token"));
        await tina.ScreenshotAsync("chat-token-refused");
    }

    [Fact]
    public async Task ATokenThatExpiresWhileConnectedAsksForANewLinkInsteadOfReconnecting()
    {
        // The server closes a connection whose token ran out. Long enough to open the page and talk first.
        var page = await browser.NewPageAsync();
        var sockets = new SocketLog(page);
        var token = ChatTokens.Issue(Secret, "tina", TimeSpan.FromSeconds(6));
        var tina = await ChatPage.OpenLinkAsync(page, _server.HttpUrl, token);
        await tina.WaitConnectedAsync();
        await tina.SendAsync("before it runs out");

        await Expect(tina.Error).ToContainTextAsync("Your sign-in has expired", new() { Timeout = 30_000 });
        await Expect(tina.State).ToHaveAttributeAsync("data-state", "closed");
        await Expect(tina.State).ToContainTextAsync("expired");
        await Task.Delay(TimeSpan.FromSeconds(2));
        Assert.Equal(1, sockets.Opened);
        // What was said stays on the page to read.
        await tina.ExpectMessageAsync("before it runs out");
        await tina.ScreenshotAsync("chat-token-expired");

        // A new link opened in the same tab carries on.
        var fresh = ChatTokens.Issue(Secret, "tina", TimeSpan.FromMinutes(10));
        await page.EvaluateAsync("token => { location.hash = 'token=' + encodeURIComponent(token); }", fresh);
        await tina.WaitConnectedAsync();
        await Expect(tina.Me).ToHaveTextAsync("tina");
        await SocketLog.UntilAsync(() => !page.Url.Contains("token", StringComparison.Ordinal), "the new token to leave the address bar");
    }

    [Fact]
    public async Task ANameWithoutATokenIsToldToOpenASignInLink()
    {
        var page = await browser.NewPageAsync();
        var sockets = new SocketLog(page);
        var tina = await ChatPage.LogInAsync(page, _server.HttpUrl, "tina");
        await Expect(tina.LoginError).ToContainTextAsync("signs people in with a link");
        await Expect(page.Locator("#login")).ToBeVisibleAsync();
        await Task.Delay(TimeSpan.FromSeconds(2));
        Assert.Equal(1, sockets.Opened);
    }

    [GeneratedRegex(@"\bown\b")]
    private static partial Regex OwnClass();
}
