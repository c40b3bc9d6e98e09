using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;
using Microsoft.Extensions.Options;
using ScaleChat.Backplane;
using ScaleChat.Protocol;
using ScaleChat.Server.Backplane;
using ScaleChat.Server.Connections;
using ScaleChat.Server.Hub;
using ScaleChat.Server.Identity;
using ScaleChat.Server.Metrics;

namespace ScaleChat.Server.Hosting;

/// <summary>
/// Builds and configures a ScaleChat server on ASP.NET Core. The CLI's <c>serve</c> and the tests
/// both go through here, so what the tests start is what users run.
/// </summary>
public static partial class ScaleChatServer
{
    /// <summary>Where the server listens when nothing else is configured.</summary>
    public const string DefaultUrl = "http://localhost:8080";

    /// <summary>
    /// A web application builder with ScaleChat's services registered. Configuration comes from
    /// appsettings.json, <c>ScaleChat__*</c> environment variables and <paramref name="args"/>.
    /// </summary>
    public static WebApplicationBuilder CreateBuilder(string[] args)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
        var urls = builder.Configuration[WebHostDefaults.ServerUrlsKey] is { Length: > 0 } configured ? configured : DefaultUrl;
        if (builder.Configuration[$"{ChatServerOptions.SectionName}:{nameof(ChatServerOptions.AdminUrls)}"] is { Length: > 0 } admin)
        {
            urls = $"{urls};{admin}"; // the admin listener's addresses; AdminListener tells them apart by port
        }

        builder.WebHost.UseUrls(urls);

        // The slim builder leaves HTTPS out: https:// addresses and Kestrel:Certificates settings give wss://.
        builder.WebHost.UseKestrelHttpsConfiguration();

        // The slim builder fixes the simple console format; let Logging:Console:FormatterName (json) choose.
        builder.Services.Configure<ConsoleLoggerOptions>(builder.Configuration.GetSection("Logging:Console"));
        if (builder.Configuration.GetValue($"{ChatServerOptions.SectionName}:{nameof(ChatServerOptions.LeanUpgrade)}", true))
        {
            builder.WebHost.ConfigureKestrel(kestrel => kestrel.ConfigureEndpointDefaults(listen =>
                listen.Use(next => new UpgradeFastPath(next, listen.ApplicationServices).OnConnectionAsync)));
        }

        if (builder.Configuration.GetValue($"{ChatServerOptions.SectionName}:{nameof(ChatServerOptions.InlineScheduling)}", true))
        {
            builder.WebHost.UseSockets(sockets => sockets.UnsafePreferInlineScheduling = true);
        }

        AddScaleChat(builder.Services, builder.Configuration);
        builder.Services.AddOptions<KestrelServerOptions>().Configure<ChatServerOptions, StartupFacts>(ApplyLimits);
        return builder;
    }

    /// <summary>Sockets kept beyond <see cref="ChatServerOptions.MaxConnections"/> for HTTP requests and handshakes in progress.</summary>
    internal const int HttpReserve = 1024;

    /// <summary>
    /// Descriptors the process keeps for itself beyond every socket Kestrel accepts: the runtime holds
    /// its assemblies, pipes and logs open (about 230 measured on an idle server, more as assemblies
    /// load), and a process out of descriptors cannot even load one.
    /// </summary>
    private const int ProcessReserve = 384;

    /// <summary>Sockets left for HTTP requests and handshakes when the derived <see cref="ChatServerOptions.MaxConnections"/> is reached.</summary>
    private const int AtTheCeiling = 96;

    /// <summary>
    /// Bounds what Kestrel holds outside the chat connections: a request head (and an idle keep-alive
    /// connection) gets the handshake timeout, and all sockets together stay under the open-file
    /// limit with some to spare, so that at the connection ceiling <c>/healthz</c> still answers.
    /// </summary>
    private static void ApplyLimits(KestrelServerOptions kestrel, ChatServerOptions options, StartupFacts facts)
    {
        kestrel.Limits.RequestHeadersTimeout = options.HandshakeTimeout;
        kestrel.Limits.KeepAliveTimeout = options.HandshakeTimeout;
        var sockets = (long)options.MaxConnections + HttpReserve;
        if (facts.FileLimit is { } fileLimit)
        {
            sockets = Math.Min(sockets, fileLimit - ProcessReserve);
        }

        kestrel.Limits.MaxConcurrentConnections = Math.Max(sockets, options.MaxConnections + 16);
    }

    /// <summary>Registers the hub, the in-memory backplane (unless another is registered) and options.</summary>
    public static IServiceCollection AddScaleChat(IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        var options = configuration.GetSection(ChatServerOptions.SectionName).Get<ChatServerOptions>() ?? new ChatServerOptions();
        options.Validate();
        var fileLimit = FileDescriptorLimit.Raise();
        if (options.MaxConnections == 0)
        {
            // Leave room for the files, sockets and pipes the process itself needs.
            options.MaxConnections = fileLimit is { } limit ? (int)Math.Clamp(limit - ProcessReserve - AtTheCeiling, 16, int.MaxValue) : 100_000;
        }

        services.AddSingleton(options);
        services.AddSingleton(new StartupFacts(fileLimit));
        services.AddSingleton<NodeIdentity>();
        AddObservability(services);
        services.AddSingleton(sp => new ConnectionLimiter(sp.GetRequiredService<ChatServerOptions>().MaxConnections));
        services.AddSingleton<UpgradePolicy>();
        services.AddSingleton(new TokenValidator(options.Auth));
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<INameHolds>(sp => new InMemoryNameHolds(sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<AdminListener>();
        // The single-node default, unless a plug-in registered another backplane before or after this.
        services.TryAddSingleton(_ => new InMemoryBackplane(options.HistorySize, options.HistoryBudgetBytes));
        services.TryAddSingleton<IBackplane>(sp => sp.GetRequiredService<InMemoryBackplane>());
        services.TryAddSingleton<IRoomStreams>(sp => sp.GetRequiredService<InMemoryBackplane>());
        services.TryAddSingleton<IPresence>(sp => sp.GetRequiredService<InMemoryBackplane>());
        services.TryAddSingleton<IUserRouting>(sp => sp.GetRequiredService<InMemoryBackplane>());
        services.AddSingleton<ChatHub>();
        services.AddSingleton(_ => new SendLoops(Environment.ProcessorCount));
        services.AddSingleton(sp => new KeepAlive(sp.GetRequiredService<TimeProvider>(), ChatEndpoints.KeepAliveInterval, ChatEndpoints.KeepAliveTimeout));
        services.AddSingleton<INodeState>(sp => sp.GetRequiredService<ChatHub>());
        services.AddHostedService<ChatHubLifetime>();
        services.Configure<HostOptions>(host => host.ShutdownTimeout = options.ShutdownTimeout + options.CloseTimeout);
        return services;
    }

    /// <summary>
    /// Adds the WebSocket endpoints, the browser pages and the routes that go with them
    /// (<c>/metrics</c>, <c>/healthz</c>, <c>/readyz</c>, <c>/api/stats</c>).
    /// </summary>
    public static WebApplication MapScaleChat(WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        AdminListener.Use(app);
        WebPages.Map(app);
        app.UseWebSockets();
        ChatEndpoints.Map(app);
        MapObservability(app);
        return app;
    }

    /// <summary>Builds the application from <paramref name="args"/> with every ScaleChat endpoint mapped.</summary>
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = CreateBuilder(args);
        configure?.Invoke(builder);
        return MapScaleChat(builder.Build());
    }
}

/// <summary>What start-up learned about the machine.</summary>
/// <param name="FileLimit">The open-file limit in force, when known.</param>
internal sealed record StartupFacts(long? FileLimit);

/// <summary>Starts the backplane with the server and closes every connection with 1001 at shutdown.</summary>
internal sealed partial class ChatHubLifetime(
    ChatHub hub, IBackplane backplane, ConnectionLimiter limiter, ChatServerOptions options, StartupFacts facts,
    NodeIdentity node, IHostApplicationLifetime lifetime, ILogger<ChatHubLifetime> logger) : IHostedService
{
    private readonly CancellationTokenSource _stopping = new();
    private Task _upkeep = Task.CompletedTask;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        // The metrics exporters started before this service: give them every usual series from zero.
        hub.Metrics.Initialize();
        hub.BackplaneMetrics.Initialize();
        await backplane.StartAsync(new BackplaneNode(node.Id, hub), cancellationToken);
        _upkeep = hub.RunIdentityUpkeepAsync(_stopping.Token);
        lifetime.ApplicationStopping.Register(() =>
        {
            limiter.Stop();
            Log.ShuttingDown(logger, hub.ConnectionCount);
            hub.CloseAll(CloseCodes.GoingAway, "server shutting down");
        });

        // Said once the listeners are bound too: a port in use must not be preceded by "started".
        lifetime.ApplicationStarted.Register(() => Log.Started(logger, node.Id,
            facts.FileLimit?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "unknown", limiter.Max,
            options.HistorySize, options.LegacyEnabled, backplane.GetType().Name));
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        // Connections close on ApplicationStopping; wait for them (bounded) before the backplane goes.
        var deadline = DateTime.UtcNow + options.ShutdownTimeout;
        while (hub.ConnectionCount > 0 && DateTime.UtcNow < deadline && !cancellationToken.IsCancellationRequested)
        {
            await Task.Delay(50, CancellationToken.None);
        }

        await _stopping.CancelAsync();
        await _upkeep.ContinueWith(static _ => { }, TaskScheduler.Default);
        await backplane.DisposeAsync();
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1, Level = LogLevel.Information,
            Message = "ScaleChat node {Node} started: open-file limit {FileLimit}, up to {MaxConnections} connections, history {HistorySize} per room, legacy clients {LegacyEnabled}, backplane {Backplane}")]
        public static partial void Started(ILogger logger, string node, string fileLimit, int maxConnections, int historySize, bool legacyEnabled, string backplane);

        [LoggerMessage(EventId = 2, Level = LogLevel.Information, Message = "Shutting down: closing {Connections} connections with 1001")]
        public static partial void ShuttingDown(ILogger logger, int connections);
    }
}
