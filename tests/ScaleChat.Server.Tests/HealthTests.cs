using System.Net;
using Microsoft.Extensions.DependencyInjection;
using ScaleChat.Backplane;
using ScaleChat.Server.Tests.Infrastructure;
using static ScaleChat.Server.Tests.Infrastructure.Observability;

namespace ScaleChat.Server.Tests;

public sealed class HealthTests
{
    [Fact]
    public async Task HealthzAndReadyzAnswerOkWhileTheServerListens()
    {
        await using var server = await TestServer.StartAsync();

        using var alive = await GetAsync(server, "/healthz");
        using var ready = await GetAsync(server, "/readyz");

        Assert.Equal(HttpStatusCode.OK, alive.StatusCode);
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        Assert.Equal("Healthy", await ready.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task ReadyzFailsWhileTheBackplaneIsNotConnectedButHealthzStaysOk()
    {
        var backplane = new SwitchableBackplane();
        await using var server = await TestServer.StartAsync(builder => builder.Services.AddSingleton<IBackplane>(backplane));

        backplane.Connected = false;
        using var notReady = await GetAsync(server, "/readyz");
        using var alive = await GetAsync(server, "/healthz");
        backplane.Connected = true;
        using var ready = await GetAsync(server, "/readyz");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, notReady.StatusCode);
        Assert.Equal(HttpStatusCode.OK, alive.StatusCode);
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
    }

    /// <summary>A backplane with a switch for its readiness, as a Redis one that lost its connection.</summary>
    private sealed class SwitchableBackplane : IBackplane
    {
        private bool _started;

        public bool Connected { get; set; } = true;

        public bool IsReady => Connected && _started;

        public Task StartAsync(BackplaneNode node, CancellationToken cancellationToken)
        {
            _started = true;
            return Task.CompletedTask;
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
