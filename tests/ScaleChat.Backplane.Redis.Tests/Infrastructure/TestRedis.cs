namespace ScaleChat.Backplane.Redis.Tests.Infrastructure;

/// <summary>
/// The Redis the tests share: SCALECHAT_TEST_REDIS (scripts/test.sh starts one), else a redis-server
/// started here. Without either the tests fail: they never skip.
/// </summary>
public static class TestRedis
{
    private static readonly Lazy<Task<string>> Shared = new(FindOrStartAsync);

    public static Task<string> AddressAsync() => Shared.Value;

    /// <summary>A key prefix of its own for each test, so that tests share one Redis without meeting.</summary>
    public static string NewPrefix() => "t" + Guid.NewGuid().ToString("N")[..12];

    private static async Task<string> FindOrStartAsync()
    {
        if (Environment.GetEnvironmentVariable("SCALECHAT_TEST_REDIS") is { Length: > 0 } address)
        {
            return address;
        }

        var own = await RedisProcess.TryStartAsync(persistent: false)
            ?? throw new InvalidOperationException(
                "The Redis backplane tests need a real Redis: set SCALECHAT_TEST_REDIS=host:port, or install redis-server " +
                "(bash scripts/test.sh does both).");
        AppDomain.CurrentDomain.ProcessExit += (_, _) => own.Dispose();
        return own.Address;
    }
}
