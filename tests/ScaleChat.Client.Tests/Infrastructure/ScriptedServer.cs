using System.Collections.Concurrent;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ScaleChat.Protocol;

namespace ScaleChat.Client.Tests.Infrastructure;

/// <summary>
/// A stand-in server that speaks just the identity part of version 1 the way the contract says:
/// <c>welcome</c> with a <c>nameKey</c>, <c>authed</c> for a good refresh, <c>unauthorized</c> for the
/// token "bad", and a refused <c>hello</c> on demand. It records every <c>hello</c> so a test can see
/// what each connection presented, and can cut every connection.
/// </summary>
internal sealed class ScriptedServer : IAsyncDisposable
{
    /// <summary>The <c>exp</c> every <c>authed</c> carries.</summary>
    public const long AuthedExp = 1_900_000_000;

    private readonly ConcurrentDictionary<WebSocket, byte> _sockets = new();
    private WebApplication _app = null!;

    /// <summary>Every <c>hello</c> received, in order.</summary>
    public ConcurrentQueue<JsonElement> Hellos { get; } = new();

    /// <summary>When set, a <c>hello</c> gets an <c>error</c> with this code and the connection is closed with 1008.</summary>
    public string? RefuseHelloWith { get; set; }

    public Uri WsUrl { get; private set; } = null!;

    public static async Task<ScriptedServer> StartAsync()
    {
        var server = new ScriptedServer();
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        server._app = builder.Build();
        server._app.UseWebSockets();
        server._app.Map("/ws", async (HttpContext context) =>
        {
            using var socket = await context.WebSockets.AcceptWebSocketAsync(ProtocolConstants.SubprotocolV1);
            await server.ServeAsync(socket);
        });
        await server._app.StartAsync().Bounded();
        var address = server._app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        server.WsUrl = new Uri($"ws://{new Uri(address).Authority}/ws");
        return server;
    }

    /// <summary>Aborts every connection, as a network failure would.</summary>
    public void DropAll()
    {
        foreach (var socket in _sockets.Keys)
        {
            socket.Abort();
        }
    }

    /// <summary>The hello at <paramref name="index"/>, waiting for it to arrive.</summary>
    public async Task<JsonElement> HelloAsync(int index)
    {
        using var timeout = new CancellationTokenSource(Wait.Timeout);
        while (Hellos.Count <= index)
        {
            await Task.Delay(20, timeout.Token);
        }

        return Hellos.ElementAt(index);
    }

    private async Task ServeAsync(WebSocket socket)
    {
        _sockets[socket] = 0;
        try
        {
            var buffer = new byte[64 * 1024];
            var frame = new MemoryStream();
            while (socket.State == WebSocketState.Open)
            {
                var result = await socket.ReceiveAsync(buffer, CancellationToken.None);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    return;
                }

                frame.Write(buffer, 0, result.Count);
                if (!result.EndOfMessage)
                {
                    continue;
                }

                foreach (var line in Encoding.UTF8.GetString(frame.ToArray()).Split('\n', StringSplitOptions.RemoveEmptyEntries))
                {
                    await AnswerAsync(socket, JsonDocument.Parse(line).RootElement.Clone());
                }

                frame.SetLength(0);
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException)
        {
            // Dropped by the test or by the client.
        }
        finally
        {
            _sockets.TryRemove(socket, out _);
        }
    }

    private async Task AnswerAsync(WebSocket socket, JsonElement o)
    {
        var @ref = o.TryGetProperty("ref", out var r) ? r.GetInt64() : 0;
        switch (o.GetProperty("type").GetString())
        {
            case "hello":
                Hellos.Enqueue(o);
                if (RefuseHelloWith is { } code)
                {
                    await SendAsync(socket, new { type = "error", code, message = "refused by the test" });
                    await socket.CloseAsync((WebSocketCloseStatus)CloseCodes.PolicyViolation, code, CancellationToken.None);
                    return;
                }

                var user = o.TryGetProperty("name", out var name) ? name.GetString() : "token-user";
                await SendAsync(socket, new { type = "welcome", user, session = "s1", nameKey = $"key-of-{user}", node = "scripted", rooms = Array.Empty<object>() });
                break;
            case "auth" when o.GetProperty("token").GetString() == "bad":
                await SendAsync(socket, new { type = "error", code = ErrorCodes.Unauthorized, message = "the token is not valid", @ref });
                break;
            case "auth":
                await SendAsync(socket, new { type = "authed", exp = AuthedExp, @ref });
                break;
        }
    }

    private static Task SendAsync(WebSocket socket, object o) =>
        socket.SendAsync(JsonSerializer.SerializeToUtf8Bytes(o), WebSocketMessageType.Text, true, CancellationToken.None);

    public async ValueTask DisposeAsync()
    {
        DropAll();
        await _app.StopAsync().Bounded();
        await _app.DisposeAsync();
    }
}
