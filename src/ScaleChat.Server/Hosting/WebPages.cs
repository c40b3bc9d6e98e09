using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Rewrite;
using Microsoft.Extensions.FileProviders;

namespace ScaleChat.Server.Hosting;

/// <summary>
/// The browser chat page at <c>/</c> and the live dashboard at <c>/dashboard</c>: static files from
/// <c>wwwroot</c> beside the assembly, with a content security policy that lets no inline script run.
/// </summary>
internal static class WebPages
{
    // Scripts and styles only from this server; the page talks WebSocket and fetch to it alone.
    private const string ContentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self' ws: wss:; " +
        "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

    public static string Root => Path.Combine(AppContext.BaseDirectory, "wwwroot");

    public static void Map(WebApplication app)
    {
        if (!Directory.Exists(Root))
        {
            return;
        }

        var files = new PhysicalFileProvider(Root);
        // Browsers ask for /favicon.ico whatever the page names: give them the page's icon.
        app.UseRewriter(new RewriteOptions()
            .AddRewrite("^dashboard/?$", "dashboard.html", skipRemainingRules: true)
            .AddRewrite("^favicon\\.ico$", "favicon.svg", skipRemainingRules: true));
        app.UseDefaultFiles(new DefaultFilesOptions { FileProvider = files });
        app.UseStaticFiles(new StaticFileOptions
        {
            FileProvider = files,
            OnPrepareResponse = context =>
            {
                var headers = context.Context.Response.Headers;
                headers.XContentTypeOptions = "nosniff";
                // Pages and modules change with the server; revalidate rather than run stale code.
                headers.CacheControl = "no-cache";
                if (context.File.Name.EndsWith(".html", StringComparison.Ordinal))
                {
                    headers.ContentSecurityPolicy = ContentSecurityPolicy;
                    headers["Referrer-Policy"] = "no-referrer";
                }
            },
        });
    }
}
