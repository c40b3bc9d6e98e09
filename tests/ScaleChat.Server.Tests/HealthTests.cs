using System.Net;
using Microsoft.Extensions.DependencyInjection;
using ScaleChat.Protocol;
using ScaleChat.Server.Backplane;
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

    /// <summary>The in-memory backplane with a switch for its readiness, as a Redis one that lost its connection.</summary>
    private sealed class SwitchableBackplane : IBackplane
    {
        private readonly InMemoryBackplane _inner = new("test-node", 10);

        public bool Connected { get; set; } = true;

        public bool IsReady => Connected && _inner.IsReady;

        public Task StartAsync(IBackplaneHandler handler, CancellationToken cancellationToken) => _inner.StartAsync(handler, cancellationToken);

        public ValueTask SubscribeRoomAsync(string room) => _inner.SubscribeRoomAsync(room);

        public ValueTask UnsubscribeRoomAsync(string room) => _inner.UnsubscribeRoomAsync(room);

        public ValueTask<ChatMessage> PublishAsync(ChatMessage message) => _inner.PublishAsync(message);

        public ValueTask<RoomPosition> GetPositionAsync(string room) => _inner.GetPositionAsync(room);

        public ValueTask<RecoveredMessages?> RecoverAsync(string room, long afterSeq, string epoch) => _inner.RecoverAsync(room, afterSeq, epoch);

        public ValueTask<IReadOnlyList<ChatMessage>> GetHistoryAsync(string room, long beforeSeq, int limit) => _inner.GetHistoryAsync(room, beforeSeq, limit);

        public ValueTask AddUserAsync(string user) => _inner.AddUserAsync(user);

        public ValueTask RemoveUserAsync(string user) => _inner.RemoveUserAsync(user);

        public ValueTask<bool> IsUserOnlineAsync(string user) => _inner.IsUserOnlineAsync(user);

        public ValueTask PublishPrivateAsync(ChatMessage message) => _inner.PublishPrivateAsync(message);

        public ValueTask AddPresenceAsync(string room, string user, long connectionId) => _inner.AddPresenceAsync(room, user, connectionId);

        public ValueTask RemovePresenceAsync(string room, string user, long connectionId) => _inner.RemovePresenceAsync(room, user, connectionId);

        public ValueTask<IReadOnlyCollection<string>> GetMembersAsync(string room) => _inner.GetMembersAsync(room);

        public ValueTask DisposeAsync() => _inner.DisposeAsync();
    }
}
