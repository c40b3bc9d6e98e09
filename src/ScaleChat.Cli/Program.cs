using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;
using ScaleChat.Cli.Chat;
using ScaleChat.Cli.Load;
using ScaleChat.Cli.Serve;
using ScaleChat.Cli.Token;
using ScaleChat.LoadTest.Running;

// `scalechat <command>`: each command lives in its own folder and adds itself here.
var root = new RootCommand("ScaleChat: a real-time chat server, its client and its load generator.")
{
    ServeCommand.Create(),
    HealthCommand.Create(),
    ChatCommand.Create(),
    LoadCommand.Create(),
    TokenCommand.Create(),
};

var parse = root.Parse(args);
if (parse.Action is ParseErrorAction && parse.Errors.Count > 0)
{
    // A bad command line gets one line saying what is wrong, not a page of help.
    Console.Error.WriteLine($"scalechat: {parse.Errors[0].Message} (see --help)");
    return 2;
}

// The load generator runs without tiered compilation, so it restarts itself that way first.
if (parse.CommandResult.Command.Name == "load" && parse.Action is not HelpAction)
{
    GeneratorProcess.RestartWithoutTiering();
}

// Ctrl+C and SIGTERM cancel the command's token; commands shut down gracefully (serve closes every
// connection with 1001 and flushes), so give them time before the process is ended regardless.
return await parse.InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = TimeSpan.FromSeconds(60) });
