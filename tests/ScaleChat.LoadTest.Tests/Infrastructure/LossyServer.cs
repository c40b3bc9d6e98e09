using System.Collections.Concurrent;
using System.Diagnostics;
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

namespace ScaleChat.LoadTest.Tests.Infrastructure;

/// <summary>How the lossy target misbehaves.</summary>
public sealed record LossyOptions
{
    /// <summary>Drop every Nth message sent (0: none). The sender still gets its ack.</summary>
    public int DropEvery { get; init; }

    /// <summary>Hold every message this long before delivering it.</summary>
    public TimeSpan Delay { get; init; }

    /// <summary>When message number <see cref="StallAt"/> arrives, deliver nothing for <see cref="StallFor"/>.</summary>
    public long StallAt { get; init; } = -1;

    public TimeSpan StallFor { get; init; }

    /// <summary>Drop every message while more than this many clients are connected (0: no limit).</summary>
    public int DropAllAbove { get; init; }
}

/// <summary>
/// A tiny test target that speaks just enough of version 1 (hello/welcome, ack, room and private
/// delivery) and misbehaves on purpose: it drops every Nth message, delays every delivery, or
/// stalls everything once, and counts what it did so a test can compare with the report.
/// </summary>
public sealed class LossyServer : IAsyncDisposable
{
    private readonly LossyOptions _options;
    private readonly ConcurrentDictionary<Member, string> _members = new();
    private WebApplication? _app;
    private long _sends;
    private long _dropped;
    private long _stallUntil;

    private LossyServer(LossyOptions options) => _options = options;

    /// <summary>Messages received and not delivered to anyone.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>Messages received.</summary>
    public long Sends => Interlocked.Read(ref _sends);

    public Uri WsUrl { get; private set; } = null!;

    public static async Task<LossyServer> StartAsync(LossyOptions options)
    {
        var server = new LossyServer(options);
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        var app = builder.Build();
        app.UseWebSockets();
        app.Map("/ws", (HttpContext context) => server.AcceptAsync(context, "global"));
        app.Map("/ws/{room}", (HttpContext context, string room) => server.AcceptAsync(context, room));
        await app.StartAsync().WaitAsync(TimeSpan.FromSeconds(30));
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        server._app = app;
        server.WsUrl = new Uri($"ws://{new Uri(address).Authority}/ws");
        return server;
    }

    private sealed class Member(WebSocket socket, string room)
    {
        public WebSocket Socket { get; } = socket;
        public string Room { get; } = room;
        public string Name { get; set; } = "";
        public SemaphoreSlim Gate { get; } = new(1, 1);

        public async Task SendAsync(string json)
        {
            await Gate.WaitAsync();
            try
            {
                await Socket.SendAsync(Encoding.UTF8.GetBytes(json), WebSocketMessageType.Text, true, CancellationToken.None);
            }
            catch (Exception ex) when (ex is WebSocketException or ObjectDisposedException or OperationCanceledException)
            {
                // The client left.
            }
            finally
            {
                Gate.Release();
            }
        }
    }

    private async Task AcceptAsync(HttpContext context, string room)
    {
        if (!context.WebSockets.IsWebSocketRequest)
        {
            context.Response.StatusCode = 400;
            return;
        }

        using var socket = await context.WebSockets.AcceptWebSocketAsync("scalechat.v1");
        var member = new Member(socket, room);
        _members[member] = room;
        try
        {
            var buffer = new byte[1 << 16];
            while (true)
            {
                var length = 0;
                WebSocketReceiveResult result;
                do
                {
                    result = await socket.ReceiveAsync(new ArraySegment<byte>(buffer, length, buffer.Length - length), CancellationToken.None);
                    length += result.Count;
                }
                while (!result.EndOfMessage && result.MessageType != WebSocketMessageType.Close);

                if (result.MessageType == WebSocketMessageType.Close)
                {
                    break;
                }

                foreach (var line in Encoding.UTF8.GetString(buffer, 0, length).Split('\n', StringSplitOptions.RemoveEmptyEntries))
                {
                    await HandleAsync(member, JsonDocument.Parse(line).RootElement);
                }
            }
        }
        catch (WebSocketException)
        {
            // The client went away.
        }
        finally
        {
            _members.TryRemove(member, out _);
        }
    }

    private async Task HandleAsync(Member member, JsonElement o)
    {
        var type = o.GetProperty("type").GetString();
        if (type == "hello")
        {
            member.Name = o.GetProperty("name").GetString()!;
            await member.SendAsync($$"""{"type":"welcome","user":"{{member.Name}}","session":"s","node":"lossy","limits":{"maxMessageBytes":4096,"maxFrameBytes":65536,"messagesPerSecond":100000,"burst":100000,"maxRooms":100},"rooms":[]}""");
            return;
        }

        if (type != "send")
        {
            return;
        }

        var n = Interlocked.Increment(ref _sends);
        var @ref = o.GetProperty("ref").GetRawText();
        await member.SendAsync($$"""{"type":"ack","ref":{{@ref}},"id":"m{{n}}","seq":{{n}}}""");
        if (n == _options.StallAt)
        {
            Interlocked.Exchange(ref _stallUntil, Stopwatch.GetTimestamp() + (long)(_options.StallFor.TotalSeconds * Stopwatch.Frequency));
        }

        if ((_options.DropEvery > 0 && n % _options.DropEvery == 0) || (_options.DropAllAbove > 0 && _members.Count > _options.DropAllAbove))
        {
            Interlocked.Increment(ref _dropped);
            return;
        }

        var wait = Math.Max(_options.Delay.TotalSeconds, (Interlocked.Read(ref _stallUntil) - Stopwatch.GetTimestamp()) / (double)Stopwatch.Frequency);
        if (wait > 0)
        {
            await Task.Delay(TimeSpan.FromSeconds(wait));
        }

        var text = o.GetProperty("text").GetRawText();
        var to = o.TryGetProperty("to", out var t) ? t.GetString() : null;
        var json = to is null
            ? $$"""{"type":"message","room":"{{member.Room}}","from":"{{member.Name}}","text":{{text}},"seq":{{n}},"id":"m{{n}}","ts":0}"""
            : $$"""{"type":"message","to":"{{to}}","from":"{{member.Name}}","text":{{text}},"id":"m{{n}}","ts":0}""";
        var recipients = _members.Keys.Where(m => to is null ? m.Room == member.Room : m.Name == to || m == member);
        await Task.WhenAll(recipients.Select(m => m.SendAsync(json)));
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync().WaitAsync(TimeSpan.FromSeconds(30));
            await _app.DisposeAsync();
        }
    }
}
