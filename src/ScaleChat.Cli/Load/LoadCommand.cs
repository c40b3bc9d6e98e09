using System.CommandLine;
using ScaleChat.LoadTest;
using ScaleChat.LoadTest.Reports;
using ScaleChat.LoadTest.Running;
using ScaleChat.LoadTest.Workers;

namespace ScaleChat.Cli.Load;

/// <summary><c>scalechat load</c>: simulate many chat clients against a server and measure what it delivers.</summary>
internal static class LoadCommand
{
    private static readonly Dictionary<string, string> Descriptions = new()
    {
        ["url"] = "The server's WebSocket endpoint; clients connect to {url}/{room} (default: ws://localhost:8080/ws).",
        ["clients"] = "Simulated clients, one connection each (default: 1000).",
        ["rooms"] = "Rooms; clients are spread evenly over them (default: clients/50, 1 to 20).",
        ["publishers"] = "Clients that send messages (default: clients/10).",
        ["rate"] = "Messages per second in total, on a fixed schedule whatever the server does (default: 2 per publisher).",
        ["size"] = "Message text size in bytes, N or MIN-MAX (default: 64).",
        ["private"] = "Share of messages sent privately to another client, 0-1 (default: 0).",
        ["ramp"] = "New connections per second while connecting (default: 500).",
        ["warmup"] = "Sending before measuring starts, e.g. 5s (default: 5s).",
        ["duration"] = "Time measured, e.g. 30s or 2m (default: 30s).",
        ["drain"] = "Longest wait for deliveries still on their way after the last send (default: 5s).",
        ["legacy"] = "Speak the legacy scale-chat format (no subprotocol) instead of scalechat.v1.",
        ["slo"] = "Thresholds that set the exit code, e.g. \"p99<50ms,loss=0\".",
        ["search"] = "Capacity search: step up 'clients' or 'rate' (x2 per step, or clients:FACTOR:STEPS) until the SLO breaks.",
        ["workers"] = "Worker processes that share the clients; their results merge into one report (default: 1).",
        ["report"] = "Directory for report.json, report.html and timeseries.csv.",
        ["sources"] = "Loopback source addresses (127.0.0.1, .2, ...) to spread connections over (default: 8).",
        ["token-secret"] = "For a server in token mode: its shared secret (ScaleChat:Auth:Secret); each client gets its own token, named after it.",
        ["token-issuer"] = "The 'iss' claim of the clients' tokens, for a server that checks one.",
        ["token-audience"] = "The 'aud' claim of the clients' tokens, for a server that checks one.",
        ["raw"] = "Write one CSV row per measured send and receipt to this file, in the original scale-chat load tester's format (no header: message id, sender id, client id, Sent|Received, Unix microseconds).",
        ["receive"] = "How clients read: 'lean' (a raw socket) or 'full' (the runtime's WebSocket client, to check the lean path; always used for wss://) (default: lean).",
    };

    public static Command Create() => Create(Environment.GetEnvironmentVariable, Console.Out, Console.Error);

    /// <summary>The command with its environment and streams given: the entry point of the tests.</summary>
    public static Command Create(Func<string, string?> environment, TextWriter output, TextWriter error)
    {
        var command = new Command("load", "Load a chat server with many simulated clients and report latency, loss and errors. Every flag can also be set with SCALECHAT_LOAD_<NAME>.");
        var options = new Dictionary<string, Option>();
        foreach (var name in LoadArguments.Names)
        {
            Option option = name == "legacy"
                ? new Option<bool>("--legacy") { Description = $"{Descriptions[name]} (variable: {LoadArguments.VariableOf(name)})" }
                : new Option<string>("--" + name) { Description = $"{Descriptions[name]} (variable: {LoadArguments.VariableOf(name)})" };
            options[name] = option;
            command.Options.Add(option);
        }

        command.Subcommands.Add(CompareCommand(output, error));
        var worker = new Option<bool>("--worker") { Hidden = true };
        command.Options.Add(worker);
        command.SetAction(async (parse, cancellationToken) =>
        {
            try
            {
                if (parse.GetValue(worker))
                {
                    var json = environment(WorkerLauncher.SettingsVariable) ?? throw new LoadException($"{WorkerLauncher.SettingsVariable} is not set");
                    return await WorkerPool.RunWorkerAsync(json, output, cancellationToken);
                }

                string? Flag(string name) => parse.GetResult(options[name]) is null ? null
                    : name == "legacy" ? (parse.GetValue((Option<bool>)options[name]) ? "true" : "false")
                    : parse.GetValue((Option<string>)options[name]);
                var settings = LoadArguments.Resolve(Flag, environment, out var problem);
                if (settings is null)
                {
                    await error.WriteLineAsync($"scalechat load: {problem}");
                    return LoadSession.CouldNotRun;
                }

                var outcome = await LoadSession.RunAsync(settings, null, output, cancellationToken);
                return outcome.ExitCode;
            }
            catch (LoadException ex)
            {
                await error.WriteLineAsync($"scalechat load: {ex.Message}");
                return LoadSession.CouldNotRun;
            }
            catch (ArgumentException ex)
            {
                await error.WriteLineAsync($"scalechat load: {ex.Message}");
                return LoadSession.CouldNotRun;
            }
        });
        return command;
    }

    // scalechat load compare A/report.json B/report.json
    private static Command CompareCommand(TextWriter output, TextWriter error)
    {
        var a = new Argument<string>("A") { Description = "report.json of the first run (the baseline)." };
        var b = new Argument<string>("B") { Description = "report.json of the run to compare with it." };
        var compare = new Command("compare", "Show the figures of two runs' report.json side by side, with the change from A to B.") { a, b };
        compare.SetAction(async parse =>
        {
            try
            {
                await output.WriteAsync(ReportComparison.Compare(parse.GetValue(a)!, parse.GetValue(b)!));
                return LoadSession.Ok;
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or System.Text.Json.JsonException)
            {
                await error.WriteLineAsync($"scalechat load compare: {ex.Message}");
                return LoadSession.CouldNotRun;
            }
        });
        return compare;
    }
}
