using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ScaleChat.Server.Hosting;

namespace ScaleChat.Testing;

/// <summary>
/// The real server (Kestrel, the real hub and backplane) on 127.0.0.1 with a free port, built the
/// same way as <c>scalechat serve</c>. Settings are passed as configuration: "ScaleChat:HistorySize=5".
/// </summary>
public sealed class TestServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private TestServer(WebApplication app, Uri http)
    {
        _app = app;
        HttpUrl = http;
        WsUrl = new Uri($"ws://{http.Authority}/ws");
    }

    /// <summary>The HTTP base address, e.g. http://127.0.0.1:41234/.</summary>
    public Uri HttpUrl { get; }

    /// <summary>The WebSocket endpoint of the room <c>global</c>.</summary>
    public Uri WsUrl { get; }

    /// <summary>The services of the running server.</summary>
    public IServiceProvider Services => _app.Services;

    /// <summary>The endpoint of a room: ws://host/ws/{room}.</summary>
    public Uri RoomUrl(string room) => new($"{WsUrl}/{room}");

    /// <summary>Starts a server; each setting is "Section:Key=value".</summary>
    public static Task<TestServer> StartAsync(params string[] settings) => StartAsync(null, settings);

    /// <summary>Starts a server with services added by <paramref name="configure"/>; each setting is "Section:Key=value".</summary>
    public static async Task<TestServer> StartAsync(Action<WebApplicationBuilder>? configure, params string[] settings)
    {
        var args = new List<string> { "--urls=http://127.0.0.1:0" };
        args.AddRange(settings.Select(s => "--" + s));
        var app = ScaleChatServer.Build([.. args], builder =>
        {
            builder.Logging.SetMinimumLevel(LogLevel.Warning);
            configure?.Invoke(builder);
        });
        await app.StartAsync().WaitAsync(TimeSpan.FromSeconds(30));
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new TestServer(app, new Uri(address));
    }

    /// <summary>
    /// Starts a server on <paramref name="port"/>, where another one just stopped (a restart): the
    /// old listener's port is free at once on Linux, but a moment is allowed to be sure.
    /// </summary>
    public static async Task<TestServer> StartOnPortAsync(int port)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await StartAsync($"urls=http://127.0.0.1:{port}");
            }
            catch (IOException) when (attempt < 20)
            {
                await Task.Delay(250);
            }
        }
    }

    /// <summary>Stops the server as SIGTERM would (graceful shutdown).</summary>
    public Task StopAsync() => _app.StopAsync().WaitAsync(TimeSpan.FromSeconds(60));

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        try
        {
            await StopAsync();
        }
        finally
        {
            await _app.DisposeAsync();
        }
    }
}
