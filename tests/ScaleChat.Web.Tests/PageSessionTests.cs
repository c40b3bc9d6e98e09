using ScaleChat.Client;
using ScaleChat.Web.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace ScaleChat.Web.Tests;

/// <summary>The chat page over time: a reload, a busy room, errors that come and go, what a screen reader finds.</summary>
[Collection(BrowserCollection.Name)]
public sealed class PageSessionTests(BrowserFixture browser)
{
    [Fact]
    public async Task AReloadCarriesOnWithTheNameRoomsAndConversationInView()
    {
        await using var server = await TestServer.StartAsync().Bounded();
        var page = await browser.NewPageAsync();
        var sockets = new SocketLog(page);
        var alice = await ChatPage.OpenAsync(page, server.HttpUrl, "alice");
        await alice.JoinAsync("dev");
        await alice.JoinAsync("ops");
        await alice.Page.FillAsync("#dm-user", "bob");
        await alice.Page.ClickAsync("#dm-form button");
        await alice.OpenAsync("room:dev");
        var key = await alice.SessionValueAsync("scalechat.nameKey:alice");

        await page.ReloadAsync().WaitAsync(TimeSpan.FromSeconds(20));
        await alice.WaitConnectedAsync();
        await Expect(alice.Me).ToHaveTextAsync("alice");
        await Expect(page.Locator("#login")).ToBeHiddenAsync();
        foreach (var conversation in new[] { "room:global", "room:dev", "room:ops", "user:bob" })
        {
            await Expect(alice.Conversation(conversation)).ToHaveCountAsync(1);
        }

        await Expect(page.Locator("#chat")).ToHaveAttributeAsync("data-current", "room:dev");
        await Expect(page.Locator("#text")).ToBeFocusedAsync();
        var hellos = SocketLog.OfType(sockets.Sent, "hello");
        Assert.Equal(key, hellos[^1].GetProperty("nameKey").GetString());
    }

    [Fact]
    public async Task ABusyRoomKeepsABoundedWindowAndSaysWhenNewMessagesArriveWhileScrolledUp()
    {
        await using var server = await TestServer.StartAsync("ScaleChat:Limits:MessagesPerSecond=2000", "ScaleChat:Limits:Burst=2000").Bounded();
        var alice = await ChatPage.OpenAsync(await browser.NewPageAsync(), server.HttpUrl, "alice");
        var (bob, _) = await Clients.ConnectAsync(server, "bob");
        await using var b = bob;
        for (var i = 1; i <= 300; i++)
        {
            await bob.SendAsync("global", $"busy {i}").Bounded();
        }

        await alice.ExpectMessageAsync("busy 300");
        await Expect(alice.Messages).ToHaveCountAsync(200);

        // Scrolled to the top, the oldest come back from history; a new message offers a jump.
        await alice.Page.Locator("#messages").EvaluateAsync("el => el.scrollTop = 0");
        await Expect(alice.Message("busy 100")).ToHaveCountAsync(1);
        await bob.SendAsync("global", "while you read").Bounded();
        await Expect(alice.Page.Locator("#jump")).ToBeVisibleAsync();
        await alice.Page.ClickAsync("#jump");
        await Expect(alice.Page.Locator("#jump")).ToBeHiddenAsync();
        await Expect(alice.Message("while you read")).ToBeInViewportAsync();
    }

    [Fact]
    public async Task AnErrorIsSaidInWordsAndGoesAwayByItself()
    {
        await using var server = await TestServer.StartAsync("ScaleChat:Limits:MaxRooms=2").Bounded();
        var alice = await ChatPage.OpenAsync(await browser.NewPageAsync(), server.HttpUrl, "alice");
        await alice.JoinAsync("dev");
        await alice.Page.FillAsync("#join-room", "ops");
        await alice.Page.ClickAsync("#join-form button");
        await Expect(alice.Error).ToHaveTextAsync("You are in as many rooms as the server allows (2); leave one first. (too_many_rooms)");
        await Expect(alice.Page.Locator("#error")).ToBeHiddenAsync(new() { Timeout = 15_000 });
    }

    [Fact]
    public async Task ThePagesHaveLandmarksAHeadingALiveMessageListAndAnIcon()
    {
        await using var server = await TestServer.StartAsync().Bounded();
        var page = await browser.NewPageAsync();
        var missing = new List<string>();
        page.Response += (_, r) =>
        {
            if (r.Status == 404)
            {
                lock (missing)
                {
                    missing.Add(r.Url);
                }
            }
        };
        var alice = await ChatPage.OpenAsync(page, server.HttpUrl, "alice");
        await Expect(page.Locator("main:visible")).ToHaveCountAsync(1);
        await Expect(page.Locator("main#chat h1")).ToHaveCountAsync(1);
        await Expect(page.Locator("#messages")).ToHaveAttributeAsync("role", "log");
        await Expect(page.Locator("#messages")).ToHaveAttributeAsync("aria-live", "polite");
        await Expect(page.Locator("nav[aria-label]")).ToHaveCountAsync(1);

        await page.GotoAsync(new Uri(server.HttpUrl, "dashboard").ToString()).WaitAsync(TimeSpan.FromSeconds(20));
        await Expect(page.Locator("main h1, header h1")).ToHaveCountAsync(1);
        await Expect(page.Locator("canvas[role=img]").First).ToHaveAttributeAsync("aria-label", new System.Text.RegularExpressions.Regex("Connections, the last 120 seconds; now: connections [0-9]"));

        using var http = new HttpClient();
        using var icon = await http.GetAsync(new Uri(server.HttpUrl, "favicon.ico")).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.True(icon.IsSuccessStatusCode);
        Assert.Equal("image/svg+xml", icon.Content.Headers.ContentType?.MediaType);
        lock (missing)
        {
            Assert.Empty(missing);
        }
    }
}
