using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;

namespace ScaleChat.Backplane.Redis;

/// <summary>Turns the Redis backplane on in a host's services.</summary>
public static class RedisBackplaneServices
{
    /// <summary>
    /// Uses <see cref="RedisBackplane"/> when the section <c>ScaleChat:Redis</c> names a Redis (its
    /// <c>Configuration</c>, or a plain value); does nothing otherwise, which leaves the host's default.
    /// </summary>
    public static IServiceCollection AddScaleChatRedis(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var section = configuration.GetSection(RedisBackplaneOptions.SectionName);
        var redis = section.Value is { Length: > 0 } plain ? plain : section[nameof(RedisBackplaneOptions.Configuration)];
        if (string.IsNullOrWhiteSpace(redis))
        {
            return services;
        }

        return services.AddScaleChatRedis(options =>
        {
            // One history length for the whole server unless Redis is given its own.
            options.HistorySize = configuration.GetValue("ScaleChat:HistorySize", options.HistorySize);
            section.Bind(options);
            options.Configuration = redis;
        });
    }

    /// <summary>Uses <see cref="RedisBackplane"/> for every concern it covers, with the options <paramref name="configure"/> sets.</summary>
    public static IServiceCollection AddScaleChatRedis(this IServiceCollection services, Action<RedisBackplaneOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        var options = new RedisBackplaneOptions();
        configure(options);
        options.Validate();
        services.RemoveAll<IBackplane>();
        services.RemoveAll<IRoomStreams>();
        services.RemoveAll<IPresence>();
        services.RemoveAll<IUserRouting>();
        services.RemoveAll<INameHolds>();
        services.AddSingleton(sp => new RedisBackplane(options, sp.GetRequiredService<ILogger<RedisBackplane>>()));
        services.AddSingleton<IBackplane>(sp => sp.GetRequiredService<RedisBackplane>());
        services.AddSingleton<IRoomStreams>(sp => sp.GetRequiredService<RedisBackplane>());
        services.AddSingleton<IPresence>(sp => sp.GetRequiredService<RedisBackplane>());
        services.AddSingleton<IUserRouting>(sp => sp.GetRequiredService<RedisBackplane>());
        services.AddSingleton<INameHolds>(sp => sp.GetRequiredService<RedisBackplane>());
        return services;
    }
}
