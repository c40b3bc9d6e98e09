using System.CommandLine;
using ScaleChat.Cli.Serve;

// `scalechat <command>`: each command lives in its own folder and adds itself here.
var root = new RootCommand("ScaleChat: a real-time chat server, its client and its load generator.")
{
    ServeCommand.Create(),
};

return await root.Parse(args).InvokeAsync();
