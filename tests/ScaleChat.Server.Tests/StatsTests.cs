using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;
using Microsoft.Extensions.Options;
using ScaleChat.Server.Tests.Infrastructure;
using static ScaleChat.Server.Tests.Infrastructure.Observability;

namespace ScaleChat.Server.Tests;

/// <summary>/api/stats and the summary log line.</summary>
public sealed class StatsTests
{
    [Fact]
    public async Task StatsShowConnectionsRatesLatencyAndTheProcess()
    {
        await using var server = await TestServer.StartAsync("ScaleChat:NodeId=stats-node");
        await using var traffic = await GenerateTrafficAsync(server, messages: 30);

        // Rates and percentiles cover the last one-second interval: wait for the one with the traffic.
        var stats = await EventuallyAsync(() => GetStatsAsync(server),
            s => s.GetProperty("messages").GetProperty("inTotal").GetInt64() >= 32 && s.GetProperty("latency").GetProperty("fanOut").GetProperty("count").GetInt64() > 0,
            "stats with the traffic's interval");

        Assert.Equal("stats-node", stats.GetProperty("node").GetString());
        var connections = stats.GetProperty("connections");
        Assert.Equal((3, 2, 1), (connections.GetProperty("total").GetInt64(), connections.GetProperty("v1").GetInt64(), connections.GetProperty("legacy").GetInt64()));
        Assert.True(stats.GetProperty("messages").GetProperty("inPerSecond").GetDouble() > 0);
        // A snapshot can fall between a message's arrival and its last write: the total catches up.
        await EventuallyAsync(() => GetStatsAsync(server), s => s.GetProperty("messages").GetProperty("deliveredTotal").GetInt64() >= 3 * 31, "every delivery counted");
        var fanOut = stats.GetProperty("latency").GetProperty("fanOut");
        Assert.True(fanOut.GetProperty("p50Ms").GetDouble() > 0 && fanOut.GetProperty("p99Ms").GetDouble() >= fanOut.GetProperty("p50Ms").GetDouble());
        Assert.Equal(1, stats.GetProperty("errors").GetProperty("byCode").GetProperty("no_such_user").GetInt64());
        Assert.Equal(2, stats.GetProperty("rooms").GetInt32());
        Assert.Equal(2, stats.GetProperty("users").GetInt32());
        Assert.True(stats.GetProperty("historyMessages").GetInt64() >= 31);
        var process = stats.GetProperty("process");
        Assert.True(process.GetProperty("workingSetBytes").GetInt64() > 0);
        Assert.True(process.GetProperty("threadPoolThreads").GetInt32() > 0);
        Assert.True(stats.GetProperty("backplane").GetProperty("ready").GetBoolean());
        var node = Assert.Single(stats.GetProperty("nodes").EnumerateArray());
        Assert.Equal("stats-node", node.GetProperty("node").GetString());
        Assert.Equal(3, node.GetProperty("connections").GetInt64());
    }

    [Fact]
    public async Task TheLastTwoMinutesOfSamplesAreKeptOldestFirst()
    {
        await using var server = await TestServer.StartAsync();
        var recent = await EventuallyAsync(async () => JsonDocument.Parse(await GetTextAsync(server, "/api/stats/recent")).RootElement.Clone(),
            r => r.GetArrayLength() >= 3, "three samples");
        var times = recent.EnumerateArray().Select(s => s.GetProperty("time").GetDateTimeOffset()).ToList();
        Assert.Equal(times.Order(), times);
        Assert.All(recent.EnumerateArray(), s => Assert.True(s.TryGetProperty("messages", out _)));
        Assert.InRange(times[^1] - times[0], TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(120));
    }

    [Fact]
    public async Task StatsHaveEveryDocumentedField()
    {
        await using var server = await TestServer.StartAsync();
        var stats = await GetStatsAsync(server);
        var documented = File.ReadAllText(Path.Combine(RepositoryRoot, "docs", "operations.md"));

        // Every field the server sends is in docs/operations.md, and the other way round.
        var sent = Paths(stats, "").ToHashSet();
        foreach (var path in sent)
        {
            Assert.Contains($"`{path}`", documented, StringComparison.Ordinal);
        }

        foreach (var required in new[] { "connections.total", "messages.inPerSecond", "latency.delivery.p99Ms", "sendQueue.maxBytes", "process.cpuPercent", "uptimeSeconds", "nodes" })
        {
            Assert.Contains(required, sent);
        }
    }

    [Fact]
    public async Task ASummaryLineIsLoggedEveryIntervalAndNoLinePerMessage()
    {
        var logs = new LogCapture();
        await using var server = await TestServer.StartAsync(
            builder =>
            {
                builder.Logging.SetMinimumLevel(LogLevel.Information);
                builder.Logging.AddProvider(logs);
            },
            "ScaleChat:SummaryInterval=00:00:01");
        // ScaleChat's own lines (the production settings keep ASP.NET Core's per-request lines at Warning).
        bool Ours((string Category, LogLevel Level, EventId Event, string Message) l) =>
            l.Category.StartsWith("ScaleChat", StringComparison.Ordinal) && l.Level >= LogLevel.Information && l.Event.Id != 3001;
        var before = logs.Lines.Count(Ours);
        await using (await GenerateTrafficAsync(server, messages: 50))
        {
            await EventuallyAsync(() => Task.FromResult(logs.Lines.Count(l => l.Event.Id == 3001 && l.Message.Contains("3 connections", StringComparison.Ordinal))),
                n => n > 0, "a summary line with the traffic");
        }

        var informational = logs.Lines.Where(Ours).ToList();
        Assert.True(informational.Count - before == 0, $"lines at Information for 50 messages: {string.Join(" | ", informational.Skip(before).Select(l => l.Message))}");
    }

    [Fact]
    public async Task ConsoleLogsAreJsonWhenTheFormatterSettingSaysSo()
    {
        await using var server = await TestServer.StartAsync("Logging:Console:FormatterName=json");

        var console = server.Services.GetRequiredService<IOptionsMonitor<ConsoleLoggerOptions>>().CurrentValue;

        Assert.Equal(ConsoleFormatterNames.Json, console.FormatterName);
    }

    private static IEnumerable<string> Paths(JsonElement element, string prefix)
    {
        if (element.ValueKind != JsonValueKind.Object || prefix is "errors.byCode" or "errors.refused")
        {
            yield return prefix;
            yield break;
        }

        foreach (var property in element.EnumerateObject())
        {
            foreach (var path in Paths(property.Value, prefix.Length == 0 ? property.Name : $"{prefix}.{property.Name}"))
            {
                yield return path;
            }
        }
    }
}
