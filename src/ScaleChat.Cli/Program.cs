using System.CommandLine;
using System.CommandLine.Invocation;
using ScaleChat.Cli.Chat;
using ScaleChat.Cli.Serve;

// `scalechat <command>`: each command lives in its own folder and adds itself here.
var root = new RootCommand("ScaleChat: a real-time chat server, its client and its load generator.")
{
    ServeCommand.Create(),
    ChatCommand.Create(),
};

var parse = root.Parse(args);
if (parse.Action is ParseErrorAction parseError)
{
    // A bad flag gets its one-line error, not the whole help page.
    parseError.ShowHelp = false;
}

return await parse.InvokeAsync();
