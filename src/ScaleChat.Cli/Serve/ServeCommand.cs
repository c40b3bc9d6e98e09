using System.CommandLine;
using Microsoft.Extensions.Hosting;
using ScaleChat.Backplane.Redis;
using ScaleChat.Server.Hosting;

namespace ScaleChat.Cli.Serve;

/// <summary><c>scalechat serve</c>: runs a server node until Ctrl+C or SIGTERM.</summary>
internal static class ServeCommand
{
    public static Command Create()
    {
        var urls = new Option<string?>("--urls") { Description = $"Addresses to listen on (default {ScaleChatServer.DefaultUrl})." };
        var node = new Option<string?>("--node") { Description = "This node's name in welcome.node (default: host name and a random suffix)." };
        var redis = new Option<string?>("--redis") { Description = "Join other nodes through this Redis, e.g. localhost:6379 (default: a single node, in memory)." };
        var noLegacy = new Option<bool>("--no-legacy") { Description = "Refuse clients that ask for no subprotocol (the legacy scale-chat format)." };
        var adminUrls = new Option<string?>("--admin-urls") { Description = "A separate listener for /metrics, /api/stats and the dashboard, e.g. http://127.0.0.1:9091 (default: none, they are on --urls)." };
        var logFormat = new Option<string?>("--log-format") { Description = "Console log format: simple (default), json or systemd." };
        logFormat.AcceptOnlyFromAmong("simple", "json", "systemd");
        var command = new Command("serve", "Run a ScaleChat server node. Other settings: --ScaleChat:Name=value, ScaleChat__Name variables or appsettings.json (docs/configuration.md).")
        {
            urls, adminUrls, node, redis, noLegacy, logFormat,
        };

        // Anything else on the line is ASP.NET Core configuration, e.g. --ScaleChat:HistorySize=5000.
        command.TreatUnmatchedTokensAsErrors = false;
        command.SetAction(async (parse, cancellationToken) =>
        {
            var args = new List<string>(parse.UnmatchedTokens);
            if (parse.GetValue(urls) is { } u)
            {
                args.Add($"--urls={u}");
            }

            if (parse.GetValue(adminUrls) is { } admin)
            {
                args.Add($"--ScaleChat:AdminUrls={admin}");
            }

            if (parse.GetValue(node) is { } n)
            {
                args.Add($"--ScaleChat:NodeId={n}");
            }

            if (parse.GetValue(logFormat) is { } format)
            {
                args.Add($"--Logging:Console:FormatterName={format}");
            }

            if (parse.GetValue(redis) is { } r)
            {
                args.Add($"--ScaleChat:Redis:Configuration={r}");
            }

            if (parse.GetValue(noLegacy))
            {
                args.Add("--ScaleChat:LegacyEnabled=false");
            }

            try
            {
                var app = ScaleChatServer.Build([.. args], builder => builder.Services.AddScaleChatRedis(builder.Configuration));
                await app.StartAsync(cancellationToken);
                await app.WaitForShutdownAsync(cancellationToken);
                return 0;
            }
            catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or IOException)
            {
                // One line: argument exceptions add "Actual value was ..." on a second line.
                await Console.Error.WriteLineAsync($"scalechat serve: {ex.Message.Split('\n')[0].Trim()}");
                return 2;
            }
        });
        return command;
    }
}
