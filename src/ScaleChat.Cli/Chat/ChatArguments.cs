using ScaleChat.Protocol;

namespace ScaleChat.Cli.Chat;

/// <summary>The flags of <c>scalechat chat</c>.</summary>
internal sealed record ChatArguments
{
    public const string Usage = """
        usage: scalechat chat --name NAME [--url ws://localhost:8080/ws] [--room ROOM] [--token JWT] [--presence] [--plain]
          --url       the server's WebSocket endpoint (default ws://localhost:8080/ws)
          --name      your user name: 1-64 ASCII letters, digits, '-', '_' or '.'
          --room      a room to join and talk in (default: global)
          --token     a JWT, when the server requires authentication
          --presence  show who joins and leaves
          --plain     line mode even on a terminal: one input line per message or command, one output line per event
        """;

    public Uri Url { get; init; } = new("ws://localhost:8080/ws");
    public string Name { get; init; } = "";
    public string? Room { get; init; }
    public string? Token { get; init; }
    public bool Presence { get; init; }
    public bool Plain { get; init; }
    public bool Help { get; init; }

    /// <summary>Parses the flags; on failure returns null with a one-line <paramref name="error"/>.</summary>
    public static ChatArguments? Parse(IReadOnlyList<string> args, out string? error)
    {
        var result = new ChatArguments();
        error = null;
        for (var i = 0; i < args.Count; i++)
        {
            var flag = args[i];
            var eq = flag.IndexOf('=', StringComparison.Ordinal);
            string? inline = null;
            if (flag.StartsWith("--", StringComparison.Ordinal) && eq > 0)
            {
                (flag, inline) = (flag[..eq], flag[(eq + 1)..]);
            }

            string? Value()
            {
                if (inline is not null)
                {
                    return inline;
                }

                return i + 1 < args.Count ? args[++i] : null;
            }

            switch (flag)
            {
                case "-h" or "--help": result = result with { Help = true }; break;
                case "--presence": result = result with { Presence = true }; break;
                case "--plain": result = result with { Plain = true }; break;
                case "--url":
                    var url = Value();
                    if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("ws" or "wss"))
                    {
                        error = $"--url must be a ws:// or wss:// URL, not '{url}'";
                        return null;
                    }

                    result = result with { Url = uri };
                    break;
                case "--name": result = result with { Name = Value() ?? "" }; break;
                case "--room": result = result with { Room = Value() ?? "" }; break;
                case "--token": result = result with { Token = Value() }; break;
                default:
                    error = $"unknown option '{args[i]}'";
                    return null;
            }
        }

        error = result.Help ? null
            : result.Name.Length == 0 ? "--name is required"
            : !Names.IsValid(result.Name) ? $"--name '{result.Name}' is not valid: use 1-64 ASCII letters, digits, '-', '_' or '.'"
            : result.Room is not null && !Names.IsValid(result.Room) ? $"--room '{result.Room}' is not valid: use 1-64 ASCII letters, digits, '-', '_' or '.'"
            : null;
        return error is null ? result : null;
    }
}
