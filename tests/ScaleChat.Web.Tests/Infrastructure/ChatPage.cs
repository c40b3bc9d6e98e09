using System.Text.RegularExpressions;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace ScaleChat.Web.Tests.Infrastructure;

/// <summary>The chat page at <c>/</c>, driven as a person would: typing, clicking, reading.</summary>
public sealed partial class ChatPage(IPage page)
{
    public IPage Page { get; } = page;

    public ILocator State => Page.Locator("#conn");

    public ILocator Messages => Page.Locator("#messages .msg");

    public ILocator Notices => Page.Locator("#messages .notice");

    public ILocator Error => Page.Locator("#error-text");

    /// <summary>A message in the open conversation whose text is exactly <paramref name="text"/>.</summary>
    public ILocator Message(string text) => Page.Locator("#messages .msg").Filter(new() { Has = Page.Locator(".text").GetByText(text, new() { Exact = true }) });

    public ILocator Conversation(string key) => Page.Locator($"nav li[data-key='{key}']");

    public ILocator Member(string user) => Page.Locator($"#members li[data-user='{user}']");

    /// <summary>Opens the page, chooses a name (and a room joined at hello), and waits to be connected.</summary>
    public static async Task<ChatPage> OpenAsync(IPage page, Uri server, string name, string? room = null)
    {
        var chat = await LogInAsync(page, server, name, room);
        await chat.WaitConnectedAsync();
        await Expect(page.Locator("#conv-title")).ToHaveTextAsync(room is null ? "# global" : $"# {room}");
        return chat;
    }

    /// <summary>Opens the page and submits a name (and a room), without waiting for the answer.</summary>
    public static async Task<ChatPage> LogInAsync(IPage page, Uri server, string name, string? room = null)
    {
        var chat = new ChatPage(page);
        await page.GotoAsync(server.ToString()).WaitAsync(TimeSpan.FromSeconds(20));
        await chat.SubmitNameAsync(name, room);
        return chat;
    }

    /// <summary>Fills in the login form of a page already open and submits it.</summary>
    public async Task SubmitNameAsync(string name, string? room = null)
    {
        await Page.FillAsync("#name", name);
        if (room is not null)
        {
            await Page.FillAsync("#login-room", room);
        }

        await Page.ClickAsync("#login-form button[type=submit]");
    }

    /// <summary>Opens a sign-in link: the page with <c>#token=</c> (and <c>?room=</c> when given).</summary>
    public static async Task<ChatPage> OpenLinkAsync(IPage page, Uri server, string token, string? room = null)
    {
        var chat = new ChatPage(page);
        var query = room is null ? "" : "?room=" + Uri.EscapeDataString(room);
        await page.GotoAsync($"{server}{query}#token={Uri.EscapeDataString(token)}").WaitAsync(TimeSpan.FromSeconds(20));
        return chat;
    }

    /// <summary>The name the page shows for its user (<c>welcome.user</c> once connected).</summary>
    public ILocator Me => Page.Locator("#me");

    /// <summary>The message under the login form.</summary>
    public ILocator LoginError => Page.Locator("#login-error");

    /// <summary>A value of this tab's sessionStorage, or null.</summary>
    public Task<string?> SessionValueAsync(string key) =>
        Page.EvaluateAsync<string?>("key => sessionStorage.getItem(key)", key).WaitAsync(TimeSpan.FromSeconds(15));

    public Task WaitConnectedAsync(float timeoutMs = 15_000) =>
        Expect(State).ToHaveAttributeAsync("data-state", "connected", new() { Timeout = timeoutMs });

    public async Task SendAsync(string text)
    {
        await Page.FillAsync("#text", text);
        await Page.ClickAsync("#send");
        await Expect(Page.Locator("#text")).ToHaveValueAsync("");
    }

    public async Task JoinAsync(string room)
    {
        await Page.FillAsync("#join-room", room);
        await Page.ClickAsync("#join-form button");
        await Expect(Page.Locator("#conv-title")).ToHaveTextAsync($"# {room}");
    }

    public async Task OpenAsync(string key)
    {
        await Conversation(key).Locator("button.open").ClickAsync();
        await Expect(Page.Locator("#chat")).ToHaveAttributeAsync("data-current", key);
    }

    public Task ExpectMessageAsync(string text) => Expect(Message(text)).ToBeVisibleAsync();

    public Task ExpectUnreadAsync(string key, int count) =>
        Expect(Conversation(key).Locator(".unread")).ToHaveTextAsync(count.ToString(System.Globalization.CultureInfo.InvariantCulture));

    /// <summary>Saves a screenshot of the page under the test results.</summary>
    public Task ScreenshotAsync(string name) => Screenshot(Page, name);

    public static Task Screenshot(IPage page, string name) =>
        page.ScreenshotAsync(new() { Path = Path.Combine(BrowserFixture.ScreenshotDirectory, Safe().Replace(name, "-") + ".png") }).WaitAsync(TimeSpan.FromSeconds(20));

    [GeneratedRegex("[^A-Za-z0-9._-]")]
    private static partial Regex Safe();
}
