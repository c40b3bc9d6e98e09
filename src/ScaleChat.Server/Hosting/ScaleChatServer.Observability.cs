using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using ScaleChat.Server.Hub;
using ScaleChat.Server.Metrics;
using ScaleChat.Server.Stats;

namespace ScaleChat.Server.Hosting;

public static partial class ScaleChatServer
{
    /// <summary>The runtime's built-in meter (.NET 9+): CPU time, working set, GC, thread pool, locks, exceptions.</summary>
    internal const string RuntimeMeterName = "System.Runtime";

    private const string KestrelMeterName = "Microsoft.AspNetCore.Server.Kestrel";

    private const string ReadyTag = "ready";

    /// <summary>
    /// Metrics through OpenTelemetry's Prometheus exporter (the instruments are plain
    /// System.Diagnostics.Metrics, so the same names reach Prometheus, /api/stats and any OTLP
    /// backend later), the stats sampler and the health checks.
    /// </summary>
    private static void AddObservability(IServiceCollection services)
    {
        services.AddMetrics();
        services.AddSingleton<ChatMetrics>();
        services.AddSingleton<BackplaneMetrics>();
        services.AddSingleton<NodeMetrics>();
        services.AddSingleton<StatsListener>();
        services.AddSingleton<StatsSampler>();
        services.AddHostedService(sp => sp.GetRequiredService<StatsSampler>());
        services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService("scalechat", autoGenerateServiceInstanceId: false))
            .WithMetrics(metrics => metrics
                // Kestrel's counters show what happens before a chat connection exists: sockets rejected
                // over the limit, queued and active connections, upgrades.
                .AddMeter(ChatMetrics.MeterName, RuntimeMeterName, KestrelMeterName)
                .AddView("kestrel.connection.duration", MetricStreamConfiguration.Drop)
                // Prometheus reserves "_count" for histograms and summaries (promtool checks it).
                .AddView("dotnet.assembly.count", MetricStreamConfiguration.Drop)
                .AddView("dotnet.timer.count", MetricStreamConfiguration.Drop)
                .AddView("dotnet.process.cpu.count", "dotnet.process.cpus")
                .AddPrometheusExporter());
        services.AddHealthChecks()
            .AddCheck<ListeningHealthCheck>("listening", tags: [ReadyTag])
            .AddCheck<BackplaneHealthCheck>("backplane", tags: [ReadyTag]);
    }

    private static void MapObservability(WebApplication app)
    {
        // The gauges exist once something asks for them; make that start-up, not the first scrape.
        app.Services.GetRequiredService<NodeMetrics>();
        app.MapPrometheusScrapingEndpoint("/metrics");
        app.MapHealthChecks("/healthz", new HealthCheckOptions { Predicate = _ => false });
        app.MapHealthChecks("/readyz", new HealthCheckOptions { Predicate = check => check.Tags.Contains(ReadyTag) });
        app.MapGet("/api/stats", (StatsSampler sampler) => Results.Json(sampler.Latest, StatsJsonContext.Default.StatsSnapshot));
        app.MapGet("/api/stats/recent", (StatsSampler sampler) => Results.Json(sampler.Recent, StatsJsonContext.Default.IReadOnlyListStatsSnapshot));
    }
}
