using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using ScaleChat.Server;
using ScaleChat.Server.Backplane;
using ScaleChat.Server.Hub;

namespace ScaleChat.Backplane.Redis;

/// <summary>Turns the Redis backplane on when the configuration names a Redis.</summary>
public static class RedisBackplaneServices
{
    /// <summary>
    /// Replaces the in-memory backplane with <see cref="RedisBackplane"/> when <c>ScaleChat:Redis</c> is
    /// set; does nothing otherwise.
    /// </summary>
    public static IServiceCollection AddScaleChatRedis(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        if (string.IsNullOrWhiteSpace(configuration[$"{ChatServerOptions.SectionName}:{nameof(ChatServerOptions.Redis)}"]))
        {
            return services;
        }

        services.RemoveAll<IBackplane>();
        services.RemoveAll<INameHolds>();
        services.AddSingleton<IBackplane>(sp => sp.GetRequiredService<RedisBackplane>());
        services.AddSingleton<INameHolds>(sp => sp.GetRequiredService<RedisBackplane>());
        services.AddSingleton(sp =>
        {
            var options = sp.GetRequiredService<ChatServerOptions>();
            return new RedisBackplane(
                new RedisBackplaneOptions
                {
                    Configuration = options.Redis!,
                    NodeId = sp.GetRequiredService<NodeIdentity>().Id,
                    Prefix = options.RedisPrefix,
                    HistorySize = options.HistorySize,
                    NodeTimeout = options.NodeTimeout,
                },
                sp.GetRequiredService<ILogger<RedisBackplane>>());
        });
        return services;
    }
}
