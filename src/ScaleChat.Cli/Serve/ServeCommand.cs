using System.CommandLine;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using ScaleChat.Backplane.Redis;
using ScaleChat.Server.Hosting;

namespace ScaleChat.Cli.Serve;

/// <summary><c>scalechat serve</c>: runs a server node until Ctrl+C or SIGTERM.</summary>
internal static class ServeCommand
{
    private const string HostCategory = "Microsoft.Extensions.Hosting.Internal.Host";
    private const int LegacyMessagesPerSecond = 1000, LegacyMaxMessageBytes = 65536;

    // The original scale-chat load tests send faster than 50 a second per client and texts over 4 KiB.
    private static readonly string[] LegacyLimits =
    [
        $"--ScaleChat:Limits:MessagesPerSecond={LegacyMessagesPerSecond}",
        $"--ScaleChat:Limits:Burst={2 * LegacyMessagesPerSecond}",
        $"--ScaleChat:Limits:MaxMessageBytes={LegacyMaxMessageBytes}",
        $"--ScaleChat:Limits:MaxFrameBytes={4 * LegacyMaxMessageBytes}",
    ];

    public static Command Create()
    {
        var urls = new Option<string?>("--urls") { Description = $"Addresses to listen on (default: {ScaleChatServer.DefaultUrl})." };
        var node = new Option<string?>("--node") { Description = "This node's name in welcome.node (default: host name and a random suffix)." };
        var redis = new Option<string?>("--redis") { Description = "Join other nodes through this Redis, e.g. localhost:6379 (default: a single node, in memory)." };
        var noLegacy = new Option<bool>("--no-legacy") { Description = "Refuse clients that ask for no subprotocol (the legacy scale-chat format)." };
        var adminUrls = new Option<string?>("--admin-urls") { Description = "A separate listener for /metrics, /api/stats and the dashboard, e.g. http://127.0.0.1:9091 (default: none, they are on --urls)." };
        var legacyLimits = new Option<bool>("--legacy-limits")
        {
            Description = $"Limits for workloads written for the original scale-chat server: {LegacyMessagesPerSecond} messages a second per connection and texts up to {LegacyMaxMessageBytes} bytes (default: 50 and 4096); a --ScaleChat:Limits:... setting still wins.",
        };
        var logFormat = new Option<string?>("--log-format") { Description = "Console log format: simple (default), json or systemd." };
        logFormat.AcceptOnlyFromAmong("simple", "json", "systemd");
        // Anything else on the line must be ASP.NET Core configuration, e.g. --ScaleChat:HistorySize=5000;
        // any other word is a mistake (a typo such as --prot 9000), refused as the other commands do.
        var settings = new Argument<string[]>("settings")
        {
            Description = "Any other setting as --Section:Key=value, e.g. --ScaleChat:HistorySize=5000 (also ScaleChat__Name variables or appsettings.json; docs/configuration.md).",
            Arity = ArgumentArity.ZeroOrMore,
        };
        settings.Validators.Add(result =>
        {
            if (Settings(result.Tokens.Select(t => t.Value).ToList()).Error is { } error)
            {
                result.AddError(error);
            }
        });
        var command = new Command("serve", "Run a ScaleChat server node.")
        {
            settings, urls, adminUrls, node, redis, noLegacy, legacyLimits, logFormat,
        };

        command.SetAction(async (parse, cancellationToken) =>
        {
            var args = Settings(parse.GetValue(settings) ?? []).Args;
            if (parse.GetValue(legacyLimits))
            {
                // First, so that a setting on the command line (a later value) wins.
                args.InsertRange(0, LegacyLimits);
            }

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
                // A start that fails (a port in use) is said in one line below; the host would
                // log it first with its stack trace, so its own log is muted until it has started.
                var starting = true;
                var app = ScaleChatServer.Build([.. args], builder =>
                {
                    builder.Services.AddScaleChatRedis(builder.Configuration);
                    builder.Logging.AddFilter((category, _) => !(Volatile.Read(ref starting) && category == HostCategory));
                });
                try
                {
                    await app.StartAsync(cancellationToken);
                }
                finally
                {
                    Volatile.Write(ref starting, false);
                }

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

    /// <summary>
    /// The words no option took, as configuration arguments: <c>--Section:Key=value</c> or
    /// <c>--Section:Key value</c>. Anything else is a mistake, named in <c>Error</c>.
    /// </summary>
    internal static (List<string> Args, string? Error) Settings(IReadOnlyList<string> unmatched)
    {
        var args = new List<string>();
        for (var i = 0; i < unmatched.Count; i++)
        {
            var word = unmatched[i];
            var key = word.StartsWith("--", StringComparison.Ordinal) ? word[2..].Split('=', 2)[0] : "";
            if (!key.Contains(':', StringComparison.Ordinal) || key.StartsWith(':') || key.EndsWith(':'))
            {
                return (args, $"unknown option '{word}'; other settings are written --Section:Key=value");
            }

            if (word.Contains('=', StringComparison.Ordinal))
            {
                args.Add(word);
            }
            else if (i + 1 < unmatched.Count && !unmatched[i + 1].StartsWith("--", StringComparison.Ordinal))
            {
                args.Add($"{word}={unmatched[++i]}");
            }
            else
            {
                return (args, $"the setting '{word}' has no value: write {word}=VALUE");
            }
        }

        return (args, null);
    }
}
