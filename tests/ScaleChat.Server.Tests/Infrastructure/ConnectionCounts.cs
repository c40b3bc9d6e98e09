using Microsoft.Extensions.DependencyInjection;
using ScaleChat.Server.Hosting;
using ScaleChat.Server.Hub;

namespace ScaleChat.Server.Tests.Infrastructure;

/// <summary>
/// What a running server holds for its connections, read from its own services. (Kept out of
/// TestServer, which other test projects compile too and which cannot see the server's internals.)
/// </summary>
internal static class ConnectionCounts
{
    /// <summary>Connections the hub holds now: every accepted WebSocket until its end is handled.</summary>
    public static int OpenConnections(this TestServer server) => server.Services.GetRequiredService<ChatHub>().ConnectionCount;

    /// <summary>Slots taken under ScaleChat:MaxConnections now, given back when a connection's task ends.</summary>
    public static int ConnectionSlotsTaken(this TestServer server) => server.Services.GetRequiredService<ConnectionLimiter>().Count;

    /// <summary>Lean-path WebSockets the keep-alive watches now, each until its connection has ended.</summary>
    public static int WatchedByKeepAlive(this TestServer server) => server.Services.GetRequiredService<KeepAlive>().Count;
}
