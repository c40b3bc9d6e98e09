using System.Text.RegularExpressions;
using Microsoft.Playwright;
using ScaleChat.Web.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace ScaleChat.Web.Tests;

/// <summary>Writing on the chat page: nothing typed is lost, whatever the server or the connection says.</summary>
[Collection(BrowserCollection.Name)]
public sealed partial class ComposerTests(BrowserFixture browser)
{
    [Fact]
    public async Task ARefusedMessageStaysWithItsReasonAndARetrySendsIt()
    {
        await using var server = await TestServer.StartAsync("ScaleChat:Limits:MessagesPerSecond=2", "ScaleChat:Limits:Burst=4").Bounded();
        var alice = await ChatPage.OpenAsync(await browser.NewPageAsync(), server.HttpUrl, "alice");
        await Expect(alice.Page.Locator("#text")).ToBeFocusedAsync();

        // A burst, as fast as a paste of many lines: through the page's own form, all at once.
        await alice.Page.EvaluateAsync("""
            () => {
              const text = document.getElementById('text');
              for (let i = 1; i <= 8; i++) {
                text.value = `burst ${i}`;
                document.getElementById('composer').requestSubmit();
              }
            }
            """);

        var failed = alice.Page.Locator(".outgoing[data-state=failed]");
        await Expect(failed.First).ToContainTextAsync("faster than the server allows");
        await Expect(failed.First.Locator(".out-text")).ToHaveTextAsync(new Regex("^burst [1-8]$"));
        await alice.ScreenshotAsync("chat-failed-message");
        var text = await failed.First.Locator(".out-text").TextContentAsync();

        await Task.Delay(TimeSpan.FromSeconds(3.5)); // the bucket fills again
        await failed.First.Locator("button.retry").ClickAsync();
        await alice.ExpectMessageAsync(text!);
        await Expect(alice.Page.Locator(".outgoing").Filter(new() { HasText = text! })).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task ATextOverTheLimitIsCaughtBeforeSendingAndKept()
    {
        await using var server = await TestServer.StartAsync().Bounded();
        var alice = await ChatPage.OpenAsync(await browser.NewPageAsync(), server.HttpUrl, "alice");
        var big = new string('x', 5000);
        await alice.Page.FillAsync("#text", big);
        await Expect(alice.Page.Locator("#composer-note")).ToContainTextAsync("Too long to send: 5,000 bytes; the server accepts at most 4,096");
        await Expect(alice.Page.Locator("#text")).ToHaveAttributeAsync("aria-invalid", "true");
        await alice.Page.PressAsync("#text", "Enter");
        await Expect(alice.Page.Locator("#text")).ToHaveValueAsync(big);
        await Expect(alice.Page.Locator(".outgoing")).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task ShiftEnterStartsANewLineAndLinksAreClickableButNeverScript()
    {
        await using var server = await TestServer.StartAsync().Bounded();
        var alice = await ChatPage.OpenAsync(await browser.NewPageAsync(), server.HttpUrl, "alice");
        await alice.Page.FillAsync("#text", "line one");
        await alice.Page.PressAsync("#text", "Shift+Enter");
        await alice.Page.Keyboard.TypeAsync("see https://example.com/a?b=1. or javascript:alert(1)");
        await alice.Page.PressAsync("#text", "Enter");
        await Expect(alice.Page.Locator("#text")).ToHaveValueAsync("");

        var message = alice.Messages.Last.Locator(".text");
        await Expect(message).ToHaveJSPropertyAsync("textContent", "line one\nsee https://example.com/a?b=1. or javascript:alert(1)");
        var link = message.Locator("a");
        await Expect(link).ToHaveCountAsync(1);
        await Expect(link).ToHaveAttributeAsync("href", "https://example.com/a?b=1");
        await Expect(link).ToHaveAttributeAsync("target", "_blank");
        await Expect(link).ToHaveAttributeAsync("rel", new Regex("noopener"));

        // The time has no leading zero: 9:05, not 09:05.
        await Expect(alice.Messages.Last.Locator("time")).ToHaveTextAsync(TimeWithoutLeadingZero());
    }

    [Fact]
    public async Task ALineTypedWhileOfflineWaitsVisiblyAndIsSentWhenTheServerIsBack()
    {
        var first = await TestServer.StartAsync().Bounded();
        var port = first.HttpUrl.Port;
        var alice = await ChatPage.OpenAsync(await browser.NewPageAsync(), first.HttpUrl, "alice");
        await first.DisposeAsync();
        await Expect(alice.State).ToContainTextAsync("Reconnecting in");

        // The countdown ticks.
        var before = await alice.State.TextContentAsync();
        await Task.Delay(300);
        Assert.NotEqual(before, await alice.State.TextContentAsync());

        await alice.Page.FillAsync("#text", "typed while offline");
        await alice.Page.PressAsync("#text", "Enter");
        await Expect(alice.Page.Locator("#text")).ToHaveValueAsync("");
        var waiting = alice.Page.Locator(".outgoing[data-state=queued]");
        await Expect(waiting).ToContainTextAsync("typed while offline");
        await Expect(waiting).ToContainTextAsync("Waiting for the connection");
        await alice.ScreenshotAsync("chat-offline-queue");

        await using var second = await TestServer.StartOnPortAsync(port).Bounded();
        await alice.WaitConnectedAsync(timeoutMs: 20_000);
        await alice.ExpectMessageAsync("typed while offline");
        await Expect(alice.Page.Locator(".outgoing")).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task AFailedPrivateMessageSaysWhyInWordsAndTheConversationCanBeClosed()
    {
        await using var server = await TestServer.StartAsync().Bounded();
        var alice = await ChatPage.OpenAsync(await browser.NewPageAsync(), server.HttpUrl, "alice");
        await alice.Page.FillAsync("#dm-user", "nobody");
        await alice.Page.ClickAsync("#dm-form button");
        await alice.Page.FillAsync("#text", "are you there?");
        await alice.Page.PressAsync("#text", "Enter");
        await Expect(alice.Page.Locator(".outgoing[data-state=failed]")).ToContainTextAsync("Not sent: No one called nobody is online. (no_such_user)");

        await alice.Conversation("user:nobody").Locator("button.close").ClickAsync();
        await Expect(alice.Conversation("user:nobody")).ToHaveCountAsync(0);
        await Expect(alice.Page.Locator("#chat")).ToHaveAttributeAsync("data-current", "room:global");
    }

    [GeneratedRegex(@"^(?:0|[1-9]\d?):\d\d")] // no leading zero: "0:10" just after midnight, "9:05", "14:05"
    private static partial Regex TimeWithoutLeadingZero();
}
