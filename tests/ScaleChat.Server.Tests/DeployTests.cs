using System.Text.Json;
using System.Text.RegularExpressions;
using ScaleChat.Server.Tests.Infrastructure;
using YamlDotNet.RepresentationModel;
using static ScaleChat.Server.Tests.Infrastructure.Observability;

namespace ScaleChat.Server.Tests;

/// <summary>
/// What can be checked of deploy/ without a Docker engine: the compose file, the Prometheus
/// configuration, the dashboard against the live metrics, the Dockerfile. (scripts/test.sh runs the
/// Dockerfile's publish command.)
/// </summary>
[Collection(ObservabilityCollection.Name)]
public sealed partial class DeployTests
{
    private static readonly string Deploy = Path.Combine(RepositoryRoot, "deploy");

    [Fact]
    public void ComposeFileParsesAndNamesOnlyFilesThatExist()
    {
        var services = Services();

        Assert.Superset(new HashSet<string> { "chat", "chat-2", "lb", "redis", "prometheus", "grafana", "load" }, services.Keys.ToHashSet());
        foreach (var (name, service) in services)
        {
            if (Scalar(service, "build", "context") is { } context)
            {
                var root = Path.GetFullPath(Path.Combine(Deploy, context));
                Assert.True(File.Exists(Path.Combine(root, Scalar(service, "build", "dockerfile")!)), $"{name}: Dockerfile");
            }

            foreach (var volume in Sequence(service, "volumes"))
            {
                var source = volume.Split(':')[0];
                if (source.StartsWith('.'))
                {
                    var path = Path.GetFullPath(Path.Combine(Deploy, source));
                    Assert.True(File.Exists(path) || Directory.Exists(path), $"{name}: {source} does not exist");
                }
            }
        }
    }

    [Fact]
    public void ComposeLimitsTheServerAndRunsLoadAndScaleOutOnDemand()
    {
        var services = Services();

        Assert.NotNull(Scalar(services["chat"], "cpus"));
        Assert.NotNull(Scalar(services["chat"], "mem_limit"));
        Assert.Empty(Sequence(services["chat"], "profiles"));
        Assert.Equal(["load"], Sequence(services["load"], "profiles"));
        Assert.Equal(["scale"], Sequence(services["chat-2"], "profiles"));
        Assert.Equal(["scale"], Sequence(services["lb"], "profiles"));
        var load = (YamlMappingNode)services["load"]["environment"];
        foreach (var variable in new[] { "SCALECHAT_LOAD_URL", "SCALECHAT_LOAD_CLIENTS", "SCALECHAT_LOAD_RATE", "SCALECHAT_LOAD_DURATION" })
        {
            Assert.True(load.Children.ContainsKey(variable), variable);
        }

        Assert.Contains("redis:6379", Scalar(services["chat-2"], "environment", "ScaleChat__Redis__Configuration"), StringComparison.Ordinal);
        foreach (var node in new[] { "chat", "chat-2" })
        {
            Assert.Equal("http://0.0.0.0:9091", Scalar(services[node], "environment", "ScaleChat__AdminUrls"));
        }
    }

    [Fact]
    public async Task PrometheusConfigurationPassesPromtoolAndScrapesEveryNode()
    {
        if (Tool("promtool") is not { } promtool)
        {
            return;
        }

        var config = Path.Combine(Deploy, "prometheus", "prometheus.yml");
        var (code, output) = await RunAsync(promtool, $"check config {config}");

        Assert.True(code == 0, output);
        var text = File.ReadAllText(config);
        // The nodes' admin listener (ScaleChat__AdminUrls in the compose file), not the public port.
        Assert.Contains("chat:9091", text, StringComparison.Ordinal);
        Assert.Contains("chat-2:9091", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EveryDashboardQueryNamesAMetricTheServerExports()
    {
        var dashboard = JsonDocument.Parse(File.ReadAllText(Path.Combine(Deploy, "grafana", "dashboards", "scalechat.json"))).RootElement;
        var queries = dashboard.GetProperty("panels").EnumerateArray()
            .SelectMany(p => p.GetProperty("targets").EnumerateArray())
            .Select(t => t.GetProperty("expr").GetString()!)
            .ToList();
        await using var server = await TestServer.StartAsync();
        await using var traffic = await GenerateTrafficAsync(server);
        var exported = MetricNames(await EventuallyAsync(() => GetTextAsync(server, "/metrics"),
            t => MetricNames(t).Contains("scalechat_delivery_duration_seconds_bucket"), "the delivery histogram"));

        var used = queries.SelectMany(q => MetricReference().Matches(q).Select(m => m.Value)).ToHashSet();

        Assert.True(queries.Count >= 16, "a panel per figure");
        Assert.Empty(used.Except(exported));
        foreach (var figure in new[] { "scalechat_connections_active", "scalechat_messages_received_total", "scalechat_fanout_duration_seconds_bucket",
            "scalechat_slow_consumer_disconnects_total", "scalechat_frames_rejected_total", "dotnet_process_cpu_time_seconds_total",
            "dotnet_process_memory_working_set_bytes", "dotnet_gc_collections_total" })
        {
            Assert.Contains(figure, used);
        }
    }

    [Fact]
    public void DockerfileBuildsInStagesAndRunsAsNonRootOn8080WithAHealthCheck()
    {
        var dockerfile = File.ReadAllText(Path.Combine(Deploy, "Dockerfile"));

        Assert.Equal(2, Regex.Matches(dockerfile, "^FROM ", RegexOptions.Multiline).Count);
        Assert.Matches("(?m)^USER \\$APP_UID", dockerfile);
        Assert.Matches("(?m)^HEALTHCHECK .*", dockerfile);
        Assert.Contains("ASPNETCORE_URLS=http://0.0.0.0:8080", dockerfile, StringComparison.Ordinal);
        Assert.Matches("(?m)^ *dotnet publish .* -o /app$", dockerfile);
        Assert.True(File.Exists(Path.Combine(Deploy, "Dockerfile.dockerignore")));
    }

    private static Dictionary<string, YamlMappingNode> Services()
    {
        var yaml = new YamlStream();
        using (var reader = new StreamReader(Path.Combine(Deploy, "docker-compose.yml")))
        {
            yaml.Load(reader);
        }

        var root = (YamlMappingNode)yaml.Documents[0].RootNode;
        return ((YamlMappingNode)root["services"]).Children.ToDictionary(
            entry => ((YamlScalarNode)entry.Key).Value!,
            entry => Merged((YamlMappingNode)entry.Value));
    }

    // Applies a YAML merge key ("<<: *anchor") the way compose does: the service's own keys win.
    private static YamlMappingNode Merged(YamlMappingNode service)
    {
        if (!service.Children.TryGetValue(new YamlScalarNode("<<"), out var merge))
        {
            return service;
        }

        var merged = new YamlMappingNode();
        foreach (var (key, value) in ((YamlMappingNode)merge).Children.Concat(service.Children).Where(e => ((YamlScalarNode)e.Key).Value != "<<"))
        {
            merged.Children[key] = value;
        }

        return merged;
    }

    private static string? Scalar(YamlMappingNode node, params string[] path)
    {
        YamlNode current = node;
        foreach (var key in path)
        {
            if (current is not YamlMappingNode mapping || !mapping.Children.TryGetValue(new YamlScalarNode(key), out current!))
            {
                return null;
            }
        }

        return (current as YamlScalarNode)?.Value;
    }

    private static List<string> Sequence(YamlMappingNode node, string key) =>
        node.Children.TryGetValue(new YamlScalarNode(key), out var value) && value is YamlSequenceNode sequence
            ? [.. sequence.Children.OfType<YamlScalarNode>().Select(s => s.Value!)]
            : [];

    [GeneratedRegex("\\b(scalechat|dotnet)_[a-z0-9_]+")]
    private static partial Regex MetricReference();
}
