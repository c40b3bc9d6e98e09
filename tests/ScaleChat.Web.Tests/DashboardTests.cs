using ScaleChat.Client;
using ScaleChat.Client.Tests.Infrastructure;
using ScaleChat.Server.Tests.Infrastructure;
using ScaleChat.Web.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace ScaleChat.Web.Tests;

/// <summary>The live dashboard at <c>/dashboard</c>.</summary>
[Collection(BrowserCollection.Name)]
public sealed class DashboardTests(BrowserFixture browser)
{
    [Fact]
    public async Task DashboardShowsTheConnectionsWhileClientsAreConnected()
    {
        await using var server = await TestServer.StartAsync().Bounded();
        var clients = new List<ChatClient>();
        try
        {
            for (var i = 0; i < 5; i++)
            {
                var (client, _) = await Clients.ConnectAsync(server.RoomUrl("dev"), $"user{i}");
                clients.Add(client);
            }

            var page = await browser.NewPageAsync(1280, 900);
            await page.GotoAsync(new Uri(server.HttpUrl, "dashboard").ToString()).WaitAsync(TimeSpan.FromSeconds(20));
            await Expect(page.Locator("#status")).ToHaveAttributeAsync("data-state", "connected");
            await Expect(page.Locator("#tile-connections .value")).ToHaveTextAsync("5");

            // Some traffic for the charts to draw, a few seconds of it.
            for (var round = 0; round < 15; round++)
            {
                foreach (var client in clients)
                {
                    await client.SendAsync("dev", $"round {round}").Bounded();
                }

                await Task.Delay(400);
            }

            await Expect(page.Locator("#nodes tbody tr")).ToHaveCountAsync(1);
            await Expect(page.Locator("#nodes tbody td").Nth(1)).ToHaveTextAsync("5");
            await Expect(page.Locator("[data-chart=connections] .legend strong")).ToHaveTextAsync("5");
            await ChatPage.Screenshot(page, "dashboard");
        }
        finally
        {
            foreach (var client in clients)
            {
                await client.DisposeAsync();
            }
        }
    }
}
