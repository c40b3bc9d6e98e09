using Microsoft.Extensions.Logging.Abstractions;
using ScaleChat.Backplane.Redis.Tests.Infrastructure;
using ScaleChat.Testing.Backplane;

namespace ScaleChat.Backplane.Redis.Tests;

/// <summary>The backplane contract, kept by the Redis backplane: two nodes on one real Redis.</summary>
public sealed class RedisBackplaneConformanceTests : BackplaneConformanceTests<RedisBackplane>
{
    protected override Func<RedisBackplane> CreateStore(int historySize)
    {
        // A prefix of its own is a store of its own on the one Redis the tests share.
        var prefix = TestRedis.NewPrefix();
        var address = TestRedis.AddressAsync().GetAwaiter().GetResult();
        return () => new RedisBackplane(
            new RedisBackplaneOptions { Configuration = address, Prefix = prefix, HistorySize = historySize },
            NullLogger<RedisBackplane>.Instance);
    }
}
