using ScaleChat.Server.Tests.Infrastructure;
using static ScaleChat.Server.Tests.Infrastructure.Observability;

namespace ScaleChat.Server.Tests;

/// <summary>/metrics in the Prometheus text format, as promtool and a real Prometheus see it.</summary>
[Collection(ObservabilityCollection.Name)]
public sealed class MetricsTests
{
    [Fact]
    public async Task MetricsCountConnectionsMessagesBytesAndErrorsByTheirLabels()
    {
        await using var server = await TestServer.StartAsync();
        await using var traffic = await GenerateTrafficAsync(server, messages: 20);

        var text = await EventuallyAsync(() => GetTextAsync(server, "/metrics"),
            t => Sum(t, "scalechat_messages_delivered_total", "kind=\"legacy\"") >= 21, "legacy deliveries");
        Assert.Equal(2, Sum(text, "scalechat_connections_active", "protocol=\"v1\""));
        Assert.Equal(1, Sum(text, "scalechat_connections_active", "protocol=\"legacy\""));
        Assert.Equal(2, Sum(text, "scalechat_connections_opened_total", "protocol=\"v1\""));
        Assert.Equal(20, Sum(text, "scalechat_messages_received_total", "kind=\"room\""));
        Assert.Equal(1, Sum(text, "scalechat_messages_received_total", "kind=\"legacy\""));
        Assert.Equal(1, Sum(text, "scalechat_messages_received_total", "kind=\"private\""));
        Assert.True(Sum(text, "scalechat_messages_delivered_total", "kind=\"room\"") >= 2 * 21, "both v1 members get every room message");
        Assert.Equal(1, Sum(text, "scalechat_frames_rejected_total", "code=\"no_such_user\""));
        Assert.True(Sum(text, "scalechat_received_bytes_total") > 0);
        Assert.True(Sum(text, "scalechat_sent_bytes_total") > 0);
        Assert.Equal(21, Sum(text, "scalechat_fanout_duration_seconds_count"));
        Assert.Equal(21, Sum(text, "scalechat_delivery_duration_seconds_count"));
        Assert.Equal(2, Sum(text, "scalechat_rooms"));
        Assert.Equal(2, Sum(text, "scalechat_users_online"));
        Assert.True(Sum(text, "scalechat_history_size") >= 21);
        Assert.Equal(1, Sum(text, "scalechat_backplane_ready"));
        Assert.True(Sum(text, "scalechat_backplane_published_total", "kind=\"room\"") >= 21);

        // The runtime's and the process's figures.
        foreach (var name in new[]
        {
            "dotnet_process_cpu_time_seconds_total", "dotnet_process_memory_working_set_bytes", "dotnet_gc_collections_total",
            "dotnet_gc_pause_time_seconds_total", "dotnet_thread_pool_thread_count_total", "dotnet_thread_pool_queue_length_total",
        })
        {
            Assert.Contains(name, MetricNames(text));
        }
    }

    [Fact]
    public async Task MetricsPassPromtoolCheck()
    {
        if (Tool("promtool") is not { } promtool)
        {
            return;
        }

        await using var server = await TestServer.StartAsync();
        await using var traffic = await GenerateTrafficAsync(server);
        var text = await EventuallyAsync(() => GetTextAsync(server, "/metrics"),
            t => MetricNames(t).Contains("scalechat_fanout_duration_seconds_bucket"), "the fan-out histogram");

        var (code, output) = await RunAsync(promtool, "check metrics", stdin: text);

        Assert.True(code == 0, $"promtool check metrics: {output}");
    }

    [Fact]
    public async Task APrometheusServerScrapesTheConnectionGauge()
    {
        if (Tool("prometheus") is not { } prometheus)
        {
            return;
        }

        await using var server = await TestServer.StartAsync();
        await using var traffic = await GenerateTrafficAsync(server, messages: 1);
        using var instance = await PrometheusProcess.StartAsync(prometheus, server.HttpUrl.Authority);

        var value = await EventuallyAsync(() => instance.QueryAsync("sum(scalechat_connections_active)"), v => v == 3,
            "scalechat_connections_active through Prometheus's API", TimeSpan.FromSeconds(60));

        Assert.Equal(3, value);
    }
}
