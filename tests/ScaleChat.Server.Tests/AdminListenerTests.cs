using System.Net;
using ScaleChat.Server.Tests.Infrastructure;
using static ScaleChat.Server.Tests.Infrastructure.Observability;

namespace ScaleChat.Server.Tests;

/// <summary>
/// With ScaleChat:AdminUrls the operator's pages live on their own listener: the public port serves
/// chat and health only, the admin port everything but chat.
/// </summary>
public sealed class AdminListenerTests
{
    private static readonly string[] AdminPaths = ["/metrics", "/api/stats", "/dashboard", "/dashboard.html"];

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task TheMetricsStatsAndDashboardAreServedOnTheAdminListenerOnly(bool lean)
    {
        var adminPort = FreePort();
        await using var server = await TestServer.StartAsync($"ScaleChat:LeanUpgrade={lean}", $"ScaleChat:AdminUrls=http://127.0.0.1:{adminPort}");
        Assert.NotEqual(adminPort, server.HttpUrl.Port);
        var admin = new Uri($"http://127.0.0.1:{adminPort}/");

        // Chat on the public port, as always.
        var (client, _) = await WsClient.HelloAsync(server.WsUrl, "public");
        await using var c = client;
        foreach (var path in AdminPaths)
        {
            Assert.Equal(HttpStatusCode.NotFound, (await GetAsync(server, path)).StatusCode);
            using var answer = await Http.GetAsync(new Uri(admin, path));
            Assert.True(answer.IsSuccessStatusCode, $"{path} on the admin listener: {answer.StatusCode}");
        }

        foreach (var health in new[] { "/healthz", "/readyz" })
        {
            Assert.Equal(HttpStatusCode.OK, (await GetAsync(server, health)).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await Http.GetAsync(new Uri(admin, health))).StatusCode);
        }

        Assert.Contains("scalechat_connections_active", await Http.GetStringAsync(new Uri(admin, "/metrics")), StringComparison.Ordinal);

        // No chat connection on the admin listener, on either upgrade path.
        using var raw = await RawWsClient.OpenAsync(admin);
        Assert.Equal(404, (await raw.UpgradeAsync(new RawUpgrade())).Status);
    }

    [Fact]
    public async Task AnAdminAddressWithoutAnExplicitPortIsRefusedAtStartUp()
    {
        var error = await Assert.ThrowsAnyAsync<Exception>(() => TestServer.StartAsync("ScaleChat:AdminUrls=http://127.0.0.1"));
        Assert.Contains("AdminUrls", error.ToString(), StringComparison.Ordinal);
    }
}
