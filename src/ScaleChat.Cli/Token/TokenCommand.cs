using System.CommandLine;
using Microsoft.Extensions.Configuration;
using ScaleChat.Client;
using ScaleChat.LoadTest.Workload;
using ScaleChat.Protocol;

namespace ScaleChat.Cli.Token;

/// <summary>
/// <c>scalechat token</c>: prints an HS256 token that a server in token mode accepts, signed with
/// <c>--secret</c> or with the secret the server itself reads (<c>ScaleChat:Auth:Secret</c>).
/// </summary>
internal static class TokenCommand
{
    /// <summary>Exit codes: the token was printed, or an argument was wrong.</summary>
    public const int Ok = 0, BadArguments = 2;

    /// <summary>The configuration key of the shared secret, as <c>scalechat serve</c> reads it.</summary>
    public const string SecretKey = "ScaleChat:Auth:Secret";

    public static Command Create() => Create(ServerConfiguration, Console.Out, Console.Error);

    /// <summary>The command with its configuration and streams given: the entry point of the tests.</summary>
    public static Command Create(Func<IConfiguration> configuration, TextWriter output, TextWriter error)
    {
        var sub = new Option<string>("--sub") { Description = "The user the token names (its 'sub'): 1-64 ASCII letters, digits, '-', '_' or '.'.", Required = true };
        var rooms = new Option<string?>("--rooms") { Description = "Rooms the user may use, comma-separated; a trailing * matches any suffix, e.g. 'dev,team-*' (default: every room)." };
        var ttl = new Option<string>("--ttl") { Description = "How long the token is valid, e.g. 90s, 10m, 1h, 2d (at most 7 days; default: 1h)." };
        var secret = new Option<string?>("--secret") { Description = $"The shared secret, at least {ChatTokens.MinSecretBytes} bytes (default: {SecretKey} from appsettings.json or ScaleChat__Auth__Secret, as serve reads it)." };
        var issuer = new Option<string?>("--issuer") { Description = "The 'iss' claim, for a server that checks ScaleChat:Auth:Issuer." };
        var audience = new Option<string?>("--audience") { Description = "The 'aud' claim, for a server that checks ScaleChat:Auth:Audience." };
        var command = new Command("token", "Print a token for a server in token mode (HS256, signed with the server's shared secret).")
        {
            sub, rooms, ttl, secret, issuer, audience,
        };

        command.SetAction(async (parse, cancellationToken) =>
        {
            var problem = Issue(parse.GetValue(sub)!, parse.GetValue(rooms), parse.GetValue(ttl) ?? "1h", parse.GetValue(secret), parse.GetValue(issuer), parse.GetValue(audience),
                configuration, out var token);
            if (problem is not null)
            {
                await error.WriteLineAsync($"scalechat token: {problem}");
                return BadArguments;
            }

            await output.WriteLineAsync(token);
            return Ok;
        });
        return command;
    }

    /// <summary>Mints the token; returns what is wrong with the arguments instead, in one line.</summary>
    private static string? Issue(string sub, string? roomList, string ttlText, string? secret, string? issuer, string? audience,
        Func<IConfiguration> configuration, out string token)
    {
        token = "";
        if (!Names.IsValid(sub))
        {
            return $"--sub '{sub}' is not a valid user name: use 1-64 ASCII letters, digits, '-', '_' or '.'";
        }

        string[]? rooms = null;
        if (roomList is not null)
        {
            rooms = roomList.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            if (Array.Find(rooms, r => !IsRoomPattern(r)) is { } bad)
            {
                return $"--rooms: '{bad}' is not a room name or a prefix ending in *";
            }
        }

        if (!ValueParsers.TryParseDuration(ttlText, out var ttl) || ttl <= TimeSpan.Zero)
        {
            return $"--ttl must be a duration such as 90s, 10m, 1h or 2d (at most 7 days), not '{ttlText}'";
        }

        secret ??= configuration()[SecretKey];
        if (string.IsNullOrEmpty(secret))
        {
            return $"no secret: give --secret, or set {SecretKey} (appsettings.json or ScaleChat__Auth__Secret) as for serve";
        }

        if (System.Text.Encoding.UTF8.GetByteCount(secret) < ChatTokens.MinSecretBytes)
        {
            return $"the secret must be at least {ChatTokens.MinSecretBytes} bytes";
        }

        token = ChatTokens.Issue(secret, sub, ttl, rooms, issuer, audience);
        return null;
    }

    /// <summary>A room name, or a prefix of one followed by <c>*</c> (<c>*</c> alone: every room).</summary>
    private static bool IsRoomPattern(string pattern) =>
        pattern.EndsWith('*') ? pattern.Length == 1 || Names.IsValid(pattern[..^1]) : Names.IsValid(pattern);

    /// <summary>The configuration <c>scalechat serve</c> reads, but for its command line: appsettings files beside the binary, then the environment.</summary>
    private static IConfiguration ServerConfiguration()
    {
        var environment = Environment.GetEnvironmentVariable("DOTNET_ENVIRONMENT") ?? Environment.GetEnvironmentVariable("ASPNETCORE_ENVIRONMENT") ?? "Production";
        return new ConfigurationBuilder()
            .SetBasePath(AppContext.BaseDirectory)
            .AddJsonFile("appsettings.json", optional: true)
            .AddJsonFile($"appsettings.{environment}.json", optional: true)
            .AddEnvironmentVariables()
            .Build();
    }
}
