using ScaleChat.Client;
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

    [Fact]
    public async Task TheDashboardStartsFromTheServersRecentSamplesAndSaysWhichLatencyItShows()
    {
        await using var server = await TestServer.StartAsync().Bounded();
        await Task.Delay(TimeSpan.FromSeconds(6)); // the server samples once a second meanwhile

        var page = await browser.NewPageAsync(1280, 900);
        await page.GotoAsync(new Uri(server.HttpUrl, "dashboard").ToString()).WaitAsync(TimeSpan.FromSeconds(20));
        await Expect(page.Locator("#status")).ToHaveAttributeAsync("data-state", "connected");
        var points = int.Parse(await page.Locator("[data-chart=connections] canvas").GetAttributeAsync("data-points") ?? "0", System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(points >= 4, $"the chart opened with {points} points");

        await Expect(page.Locator("#tile-p99Ms .label")).ToHaveTextAsync("Server delivery p99");
        await Expect(page.Locator("#tile-p99Ms .about")).ToHaveTextAsync("in the server, not the network");
        await Expect(page.Locator("[data-chart=p50Ms] h2")).ToContainTextAsync("inside the server");

        // Hovering a chart shows the values of that second.
        var canvas = page.Locator("[data-chart=connections] canvas");
        var box = await canvas.BoundingBoxAsync();
        await canvas.HoverAsync(new() { Position = new() { X = box!.Width - 12, Y = box.Height / 2 } });
        await Expect(page.Locator("[data-chart=connections] .chart-tip")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex(@"^\d{1,2}:\d\d:\d\d: connections \d"));
        await ChatPage.Screenshot(page, "dashboard-hover");
    }

    [Fact]
    public async Task WithTheServerDownTheTilesAreMarkedStale()
    {
        var server = await TestServer.StartAsync().Bounded();
        var page = await browser.NewPageAsync(1280, 900);
        await page.GotoAsync(new Uri(server.HttpUrl, "dashboard").ToString()).WaitAsync(TimeSpan.FromSeconds(20));
        await Expect(page.Locator("#status")).ToHaveAttributeAsync("data-state", "connected");
        await Expect(page.Locator("#tiles")).Not.ToHaveAttributeAsync("data-stale", "true");

        await server.DisposeAsync();
        await Expect(page.Locator("#tiles")).ToHaveAttributeAsync("data-stale", "true");
        await Expect(page.Locator("#status")).ToContainTextAsync("figures as of");
        await ChatPage.Screenshot(page, "dashboard-server-down");
    }
}
