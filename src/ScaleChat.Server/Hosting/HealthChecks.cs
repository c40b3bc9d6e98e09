using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using ScaleChat.Backplane;

namespace ScaleChat.Server.Hosting;

/// <summary>Ready while the server listens: started, not stopping, with an address bound.</summary>
internal sealed class ListeningHealthCheck(IServer server, IHostApplicationLifetime lifetime) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var addresses = server.Features.Get<IServerAddressesFeature>()?.Addresses;
        return Task.FromResult(
            lifetime.ApplicationStopping.IsCancellationRequested ? HealthCheckResult.Unhealthy("shutting down")
            : !lifetime.ApplicationStarted.IsCancellationRequested || addresses is null || addresses.Count == 0 ? HealthCheckResult.Unhealthy("not listening yet")
            : HealthCheckResult.Healthy(string.Join(' ', addresses)));
    }
}

/// <summary>Ready while the backplane can carry messages (the in-memory one once started; Redis while connected).</summary>
internal sealed class BackplaneHealthCheck(IBackplane backplane) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(backplane.IsReady
            ? HealthCheckResult.Healthy(backplane.GetType().Name)
            : HealthCheckResult.Unhealthy($"{backplane.GetType().Name} is not connected"));
}
