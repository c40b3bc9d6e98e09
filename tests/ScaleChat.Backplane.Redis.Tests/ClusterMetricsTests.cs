using ScaleChat.Backplane.Redis.Tests.Infrastructure;

namespace ScaleChat.Backplane.Redis.Tests;

/// <summary>
/// A node's figures hold in a cluster too: the delivery latency of messages sent on another node, and
/// the history the node's rooms hold in Redis. The measured node runs as a process of its own, so that
/// its /metrics shows its figures alone.
/// </summary>
public sealed class ClusterMetricsTests
{
    [Fact]
    public async Task ANodeRecordsTheDeliveryLatencyAndHistoryOfMessagesSentOnAnotherNode()
    {
        await using var cluster = await Cluster.CreateAsync();
        var a = await cluster.StartNodeAsync("a");
        var b = await cluster.StartProcessAsync("b");
        var (bob, _) = await WsClient.HelloAsync(b.WsUrl, "bob");
        await using var onB = bob;
        await bob.JoinAsync("dev");
        var (alice, _) = await WsClient.HelloAsync(a.WsUrl, "alice");
        await using var onA = alice;
        await alice.JoinAsync("dev");
        for (var i = 1; i <= 5; i++)
        {
            Assert.Equal(i, await alice.SendAndWaitAsync("dev", $"m{i}", i));
        }

        Assert.Equal(5, (await bob.MessagesUntilAsync(5)).Count);

        // The history gauge is sampled at each heartbeat (a third of the 2 s node timeout here).
        var metrics = new Uri($"http://{b.WsUrl.Authority}/metrics");
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        string[] samples;
        do
        {
            await Task.Delay(250);
            samples = (await http.GetStringAsync(metrics)).Split('\n');
        }
        while (Value(samples, "scalechat_history_size") < 5 && DateTime.UtcNow < deadline);

        Assert.Equal(5, Value(samples, "scalechat_history_size"));
        Assert.Equal(5, Value(samples, "scalechat_delivery_duration_seconds_count"));
        Assert.InRange(Value(samples, "scalechat_delivery_duration_seconds_sum"), 0, 5);
    }

    /// <summary>The sum of the samples of <paramref name="series"/> (any labels) in Prometheus text lines.</summary>
    private static double Value(string[] lines, string series) => lines
        .Where(line => line.StartsWith(series + " ", StringComparison.Ordinal) || line.StartsWith(series + "{", StringComparison.Ordinal))
        .Sum(line => double.Parse(line[(line.LastIndexOf(' ') + 1)..], System.Globalization.CultureInfo.InvariantCulture));
}
