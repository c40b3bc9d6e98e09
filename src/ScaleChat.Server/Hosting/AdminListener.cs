using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using ScaleChat.Server.Identity;

namespace ScaleChat.Server.Hosting;

/// <summary>
/// The operator's listener (<c>ScaleChat:AdminUrls</c>): when it is set, <c>/metrics</c>,
/// <c>/api/stats</c> and the dashboard are served there only, and chat connections on the public
/// addresses only. Told apart by the local port, so its addresses need explicit ports. In token mode
/// without it they are not served at all unless <c>ScaleChat:Auth:PublicObservability</c> says so.
/// </summary>
internal sealed class AdminListener(ChatServerOptions options)
{
    /// <summary>The ports of the admin addresses; empty when there is no admin listener.</summary>
    public IReadOnlySet<int> Ports { get; } = ParsePorts(options.AdminUrls);

    /// <summary>The admin addresses' ports; throws on an address without an explicit port.</summary>
    public static HashSet<int> ParsePorts(string? urls)
    {
        var ports = new HashSet<int>();
        foreach (var url in (urls ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            // Kestrel's wildcards are not host names; any host will do to read the port.
            var parsed = url.Replace("://*", "://any", StringComparison.Ordinal).Replace("://+", "://any", StringComparison.Ordinal);
            if (!Uri.TryCreate(parsed, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https")
                || !parsed.Contains($":{uri.Port}", StringComparison.Ordinal) || uri.Port == 0)
            {
                throw new ArgumentException($"AdminUrls: '{url}' is not an http:// or https:// address with an explicit port other than 0", nameof(urls));
            }

            ports.Add(uri.Port);
        }

        return ports;
    }

    /// <summary>Whether the public addresses keep the operator's pages to themselves.</summary>
    public bool HidesObservability { get; } = ParsePorts(options.AdminUrls).Count > 0
        || (options.Auth.Mode == AuthMode.Token && !options.Auth.PublicObservability);

    /// <summary>Sends each request to the listener it belongs to: a 404 on the other one.</summary>
    public static void Use(WebApplication app)
    {
        var admin = app.Services.GetRequiredService<AdminListener>();
        if (!admin.HidesObservability)
        {
            return;
        }

        app.Use((context, next) =>
        {
            var onAdmin = admin.Ports.Contains(context.Connection.LocalPort);
            var path = context.Request.Path;
            var refused = onAdmin ? path.StartsWithSegments("/ws") : IsAdminPath(path);
            if (refused)
            {
                context.Response.StatusCode = StatusCodes.Status404NotFound;
                return Task.CompletedTask;
            }

            return next(context);
        });
    }

    private static bool IsAdminPath(PathString path) =>
        path.StartsWithSegments("/metrics") || path.StartsWithSegments("/api/stats") || path.StartsWithSegments("/dashboard")
        || path.StartsWithSegments("/dashboard.html");
}
