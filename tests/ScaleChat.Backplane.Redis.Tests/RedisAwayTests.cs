using System.Text.RegularExpressions;
using ScaleChat.Backplane.Redis.Tests.Infrastructure;

namespace ScaleChat.Backplane.Redis.Tests;

/// <summary>
/// A node whose Redis is not there says so in one plain line, tells its clients to come back later,
/// and says when Redis is back: no stack traces for an outage, which is expected.
/// </summary>
public sealed partial class RedisAwayTests
{
    [Fact]
    public async Task ANodeWhoseRedisIsAwaySaysSoOnceTellsClientsUnavailableAndSaysWhenItIsBack()
    {
        using var redis = await RedisProcess.StartOwnAsync(persistent: false);
        redis.Kill();
        await using var cluster = await Cluster.CreateAsync(redis.Address);
        var node = await cluster.StartProcessAsync("a");

        // Several retries (every 2/3 s here) go by; the log says it once, in words, without a stack.
        await using var client = await WsClient.ConnectAsync(node.WsUrl);
        await client.SendAsync(new { type = "hello", name = "alice", @ref = 1 });
        var error = await client.ExpectAsync("error");
        Assert.Equal(("unavailable", 1L), (error.Str("code"), error.Long("ref")));
        await Task.Delay(TimeSpan.FromSeconds(3));
        var output = node.Output;
        Assert.Single(Regex.Matches(output, "Cannot reach Redis at 127\\.0\\.0\\.1:"));
        Assert.Contains("nothing answers there", output, StringComparison.Ordinal);
        Assert.DoesNotMatch(StackFrame(), output);

        await redis.StartAsync();
        await RecordingWait.UntilAsync(() => node.Output.Contains($"Redis at {redis.Address} is back", StringComparison.Ordinal), "the line saying Redis is back");
        await client.SendAsync(new { type = "hello", name = "alice", @ref = 2 });
        Assert.Equal("alice", (await client.ExpectAsync("welcome")).Str("user"));
        Assert.DoesNotMatch(StackFrame(), node.Output);
    }

    [GeneratedRegex(@"^\s+at \S+\(", RegexOptions.Multiline)]
    private static partial Regex StackFrame();
}
