using Microsoft.Extensions.Logging.Abstractions;
using ScaleChat.Backplane.Redis.Tests.Infrastructure;
using ScaleChat.Testing.Backplane;

namespace ScaleChat.Backplane.Redis.Tests;

/// <summary>The backplane contract, kept by the Redis backplane against a real Redis.</summary>
public sealed class RedisBackplaneConformanceTests : BackplaneConformanceTests<RedisBackplane>
{
    private readonly string _prefix = TestRedis.NewPrefix();

    protected override RedisBackplane Create(int historySize) => new(
        new RedisBackplaneOptions
        {
            Configuration = TestRedis.AddressAsync().GetAwaiter().GetResult(),
            Prefix = _prefix,
            HistorySize = historySize,
        },
        NullLogger<RedisBackplane>.Instance);
}
