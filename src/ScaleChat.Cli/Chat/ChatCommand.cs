using ScaleChat.Client;
using ScaleChat.Protocol;

namespace ScaleChat.Cli.Chat;

/// <summary><c>scalechat chat</c>: an interactive terminal chat, or line by line when not on a terminal.</summary>
internal static partial class ChatCommand
{
    /// <summary>Exit codes: 0 after /quit or end of input, 1 when the server cannot be reached or closes for good.</summary>
    public const int Ok = 0, Failed = 1;

    /// <summary>Runs on the process's console; line mode when either end is redirected.</summary>
    public static Task<int> RunAsync(ChatArguments arguments, CancellationToken cancellationToken)
    {
        var terminal = !arguments.Plain && !Console.IsInputRedirected && !Console.IsOutputRedirected;
        return RunAsync(arguments, Console.In, Console.Out, Console.Error, terminal, cancellationToken);
    }

    /// <summary>Runs with the given streams; the entry point the tests drive in line mode.</summary>
    public static async Task<int> RunAsync(ChatArguments arguments, TextReader input, TextWriter output, TextWriter error, bool terminal, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        var options = new ChatClientOptions
        {
            Url = arguments.Url,
            FallbackUrls = arguments.FallbackUrls ?? [],
            Name = arguments.Name,
            Token = arguments.Token,
            Presence = arguments.Presence,
        };
        await using var client = new ChatClient(options);
        var terminalView = terminal ? new TerminalView() : null;
        var session = new ChatSession(client, terminalView ?? (IChatView)new LineView(output));
        try
        {
            await client.ConnectAsync(cancellationToken).ConfigureAwait(false);
            await session.StartAsync(arguments.Room).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is ChatConnectionException or ChatServerException or OperationCanceledException)
        {
            await error.WriteLineAsync($"scalechat chat: {Describe(ex, arguments)}").ConfigureAwait(false);
            return Failed;
        }

        var closed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        client.StateChanged += s =>
        {
            if (s.State == ConnectionState.Closed)
            {
                closed.TrySetResult();
            }
        };

        using var stop = cancellationToken.Register(() => closed.TrySetResult());
        while (true)
        {
            // Reading blocks (a keyboard or a pipe); race it against the client closing or Ctrl+C.
            var read = terminalView is not null ? Task.Run(terminalView.ReadLine, CancellationToken.None) : input.ReadLineAsync(CancellationToken.None).AsTask();
            if (await Task.WhenAny(read, closed.Task).ConfigureAwait(false) != read)
            {
                break;
            }

            var line = await read.ConfigureAwait(false);
            if (line is null || !await session.HandleAsync(line).ConfigureAwait(false))
            {
                break;
            }
        }

        if (terminalView is not null)
        {
            Console.Out.WriteLine();
        }

        return session.Closed ? Failed : Ok;
    }

    /// <summary>Why the chat could not start, in one line; a refused identity says what to change.</summary>
    private static string Describe(Exception ex, ChatArguments arguments) => ex switch
    {
        ChatServerException { Code: ErrorCodes.NameTaken } => $"the name '{arguments.Name}' is held by another connection; choose another --name ({ErrorCodes.NameTaken})",
        ChatServerException { Code: ErrorCodes.Unauthorized } e => $"the server refused the token: {e.ServerMessage} ({ErrorCodes.Unauthorized})",
        _ => ex.Message,
    };
}
