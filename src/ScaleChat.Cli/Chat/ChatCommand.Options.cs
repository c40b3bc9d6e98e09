using System.CommandLine;
using System.CommandLine.Parsing;
using ScaleChat.Protocol;

namespace ScaleChat.Cli.Chat;

/// <summary>The flags of <c>scalechat chat</c>.</summary>
internal static partial class ChatCommand
{
    /// <summary>The variable that gives the token when <c>--token</c> is not on the command line.</summary>
    public const string TokenVariable = "SCALECHAT_TOKEN";

    /// <summary>Where <c>chat</c> connects without <c>--url</c>.</summary>
    public const string DefaultUrl = "ws://localhost:8080/ws";

    /// <summary>The <c>chat</c> command, to add to the root command.</summary>
    public static Command Create() => Create(Environment.GetEnvironmentVariable);

    /// <summary>The command with its environment given: the entry point of the tests.</summary>
    public static Command Create(Func<string, string?> environment)
    {
        var url = new Option<Uri>("--url")
        {
            Description = $"The server's WebSocket endpoint (default: {DefaultUrl}).",
            CustomParser = ParseUrl,
        };
        var fallback = new Option<Uri[]>("--fallback-url")
        {
            Description = "Another node of the cluster to reconnect to when the first cannot be reached (repeat for more).",
            CustomParser = ParseUrls,
        };
        var name = new Option<string?>("--name") { Description = "Your user name: 1-64 ASCII letters, digits, '-', '_' or '.' (optional with a token: the server takes it from the token)." };
        var room = new Option<string?>("--room") { Description = "A room to join and talk in (default: the URL's room, or global)." };
        var token = new Option<string?>("--token") { Description = $"A JWT, for a server in token mode (default: ${TokenVariable})." };
        var quiet = new Option<bool>("--no-presence") { Description = "Do not show who joins and leaves (shown by default)." };
        var presence = new Option<bool>("--presence") { Hidden = true }; // the default now; still accepted
        var plain = new Option<bool>("--plain") { Description = "Line mode even on a terminal: one line in per message or command, one line out per event." };
        name.Validators.Add(r => CheckName(r, "--name"));
        room.Validators.Add(r => CheckName(r, "--room"));

        var command = new Command("chat", "Chat from the terminal; line by line when input or output is not a terminal.")
        {
            url, fallback, name, room, token, quiet, presence, plain,
        };

        string? TokenOr(string? flag) => flag ?? (environment(TokenVariable) is { Length: > 0 } t ? t : null);
        command.Validators.Add(r =>
        {
            if (r.GetValue(name) is null && TokenOr(r.GetValue(token)) is null)
            {
                r.AddError($"--name is required without a token (--token or {TokenVariable})");
            }
        });
        command.SetAction((parse, cancellationToken) =>
        {
            var arguments = new ChatArguments(parse.GetValue(url) ?? new Uri(DefaultUrl), parse.GetValue(name), parse.GetValue(room), TokenOr(parse.GetValue(token)), !parse.GetValue(quiet), parse.GetValue(plain),
                parse.GetValue(fallback) ?? []);
            return RunAsync(arguments, cancellationToken);
        });
        return command;
    }

    private static Uri? ParseUrl(ArgumentResult result)
    {
        var text = result.Tokens.Count > 0 ? result.Tokens[0].Value : "";
        if (Uri.TryCreate(text, UriKind.Absolute, out var uri) && uri.Scheme is "ws" or "wss")
        {
            return uri;
        }

        result.AddError($"--url must be a ws:// or wss:// URL, not '{text}'");
        return null;
    }

    private static Uri[] ParseUrls(ArgumentResult result)
    {
        var urls = new List<Uri>();
        foreach (var token in result.Tokens)
        {
            if (Uri.TryCreate(token.Value, UriKind.Absolute, out var uri) && uri.Scheme is "ws" or "wss")
            {
                urls.Add(uri);
            }
            else
            {
                result.AddError($"--fallback-url must be a ws:// or wss:// URL, not '{token.Value}'");
            }
        }

        return [.. urls];
    }

    private static void CheckName(OptionResult result, string flag)
    {
        var value = result.Tokens.Count > 0 ? result.Tokens[0].Value : null;
        if (value is not null && !Names.IsValid(value))
        {
            result.AddError($"{flag} '{value}' is not valid: use 1-64 ASCII letters, digits, '-', '_' or '.'");
        }
    }
}
