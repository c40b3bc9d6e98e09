using System.Net.WebSockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ScaleChat.Protocol;
using ScaleChat.Server.Connections;
using ScaleChat.Server.Hub;
using ScaleChat.Server.Identity;

namespace ScaleChat.Server.Hosting;

/// <summary>The WebSocket endpoints <c>/ws</c> and <c>/ws/{room}</c>.</summary>
internal static class ChatEndpoints
{
    public static void Map(IEndpointRouteBuilder endpoints)
    {
        endpoints.Map("/ws", context => AcceptAsync(context, null));
        endpoints.Map("/ws/{room}", context => AcceptAsync(context, (string?)context.Request.RouteValues["room"]));
    }

    private static async Task AcceptAsync(HttpContext context, string? room)
    {
        var services = context.RequestServices;
        var hub = services.GetRequiredService<ChatHub>();
        var limiter = services.GetRequiredService<ConnectionLimiter>();
        if (!context.WebSockets.IsWebSocketRequest)
        {
            await RefuseAsync(context, hub, StatusCodes.Status400BadRequest, "not_websocket", "expected a WebSocket upgrade request");
            return;
        }

        var v1 = context.WebSockets.WebSocketRequestedProtocols.Contains(ProtocolConstants.SubprotocolV1);
        var headers = context.Request.Headers;
        var request = new UpgradeRequest(HttpProtocol.IsHttp10(context.Request.Protocol), room, v1,
            headers.Origin.FirstOrDefault(), headers.Host.FirstOrDefault(),
            context.Request.Query["access_token"].FirstOrDefault() ?? UpgradeRequest.BearerToken(headers.Authorization.FirstOrDefault()));
        var verdict = await services.GetRequiredService<UpgradePolicy>().CheckAsync(request);
        if (verdict.Refusal is { } refusal)
        {
            if (refusal.Status == StatusCodes.Status401Unauthorized)
            {
                context.Response.Headers.WWWAuthenticate = "Bearer";
            }

            await RefuseAsync(context, hub, refusal.Status, refusal.Reason, refusal.Message);
            return;
        }

        if (!limiter.TryAcquire())
        {
            await RefuseAsync(context, hub, StatusCodes.Status503ServiceUnavailable, limiter.IsStopped ? "shutting_down" : "connection_limit",
                "the server is at its connection limit; try again later");
            return;
        }

        try
        {
            var socket = await context.WebSockets.AcceptWebSocketAsync(new WebSocketAcceptContext
            {
                SubProtocol = v1 ? ProtocolConstants.SubprotocolV1 : null,
                KeepAliveInterval = KeepAliveInterval,
                KeepAliveTimeout = KeepAliveTimeout,
            });
            await RunConnectionAsync(socket, v1, room, verdict.Identity, services);
        }
        finally
        {
            limiter.Release();
        }
    }

    /// <summary>How often the server pings an idle WebSocket, so that dead peers are noticed.</summary>
    public static readonly TimeSpan KeepAliveInterval = TimeSpan.FromSeconds(30);

    /// <summary>How long a ping may go unanswered before the connection counts as dead and is dropped.</summary>
    public static readonly TimeSpan KeepAliveTimeout = TimeSpan.FromSeconds(30);

    /// <summary>Runs an accepted WebSocket as a chat connection until it closes (both ways of accepting end here).</summary>
    /// <param name="identity">The identity of a token that came with the upgrade (token mode), or null.</param>
    /// <param name="sink">Where the writer writes whole frames itself (the lean path), or null for the WebSocket's send path.</param>
    public static Task RunConnectionAsync(WebSocket socket, bool v1, string? room, TokenIdentity? identity, IServiceProvider services, ILeanTransport? sink = null)
    {
        var hub = services.GetRequiredService<ChatHub>();
        var logger = services.GetRequiredService<ILogger<Connection>>(); // one for all: a new one per connection stayed with it
        var sendLoop = services.GetRequiredService<SendLoops>().Next();
        var connection = new Connection(socket, legacy: !v1, hub, hub.Metrics, hub.Options, hub.Time, logger, sendLoop, sink) { UpgradeIdentity = identity };
        hub.Register(connection);
        return connection.RunAsync(room); // not awaited here: no state of this method lives as long as the connection
    }

    private static Task RefuseAsync(HttpContext context, ChatHub hub, int status, string reason, string message)
    {
        hub.Metrics.ConnectionRefused(reason);
        context.Response.StatusCode = status;
        return context.Response.WriteAsync(message + "\n");
    }
}
