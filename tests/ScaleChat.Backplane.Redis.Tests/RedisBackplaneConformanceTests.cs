using Microsoft.Extensions.Logging.Abstractions;
using ScaleChat.Backplane.Redis.Tests.Infrastructure;
using ScaleChat.Server.Backplane;
using ScaleChat.Server.Tests.Backplane;

namespace ScaleChat.Backplane.Redis.Tests;

/// <summary>The backplane contract, kept by the Redis backplane against a real Redis.</summary>
public sealed class RedisBackplaneConformanceTests : BackplaneConformanceTests
{
    private readonly string _prefix = TestRedis.NewPrefix();

    protected override IBackplane Create(string nodeId, int historySize) => new RedisBackplane(
        new RedisBackplaneOptions
        {
            Configuration = TestRedis.AddressAsync().GetAwaiter().GetResult(),
            NodeId = nodeId,
            Prefix = _prefix,
            HistorySize = historySize,
        },
        NullLogger<RedisBackplane>.Instance);
}
