using ScaleChat.Cli.Chat;

// Each subcommand lives in its own folder and parses its own flags; this file only dispatches.
return args switch
{
    ["chat", .. var rest] => await ChatCommand.RunAsync(rest),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("usage: scalechat <command> [options]");
    Console.Error.WriteLine("  chat    talk to a ScaleChat server from the terminal (scalechat chat --help)");
    return 2;
}
