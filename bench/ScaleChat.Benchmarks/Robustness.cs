using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Text;
using ScaleChat.Client;

namespace ScaleChat.Benchmarks;

/// <summary>
/// What two cheap attacks cost a server build, in memory: each starts that build as its own
/// process (a fresh one per attack), samples its RSS and <c>/api/stats</c>, and reports the figures
/// before the attack, at its peak, when it stops, and once things have settled.
///   churn   — connections that keep joining new rooms, sending one text and leaving them;
///   readers — clients that ask for a long history again and again and never read the answers.
/// Usage:
///   robustness --server DIR/scalechat.dll [--attack all|churn|readers] [--report DIR] [--settle 15]
///     [--set ScaleChat:Key=value ...] [--port N]
///     churn:   [--churn-seconds 60] [--churn-clients 20] [--churn-rate R] [--churn-size 4096]
///     readers: [--readers 50] [--fill 500] [--size 4096] [--fillers 5] [--limit 500] [--asks 3]
///              [--ask-interval 1] [--hold 20]
/// </summary>
internal static class Robustness
{
    private const string FloodRoom = "flood";
    private static readonly TimeSpan StartQuiet = TimeSpan.FromSeconds(3);

    // /api/stats is renewed once a second: "after" waits that long, so its figures are from after the stop.
    private static readonly TimeSpan StatsAge = TimeSpan.FromSeconds(1.2);

    public static async Task<int> RunAsync(string[] args)
    {
        var dll = Probe.Flag(args, "--server");
        if (dll is null)
        {
            Console.Error.WriteLine("robustness: --server PATH/scalechat.dll is required (dotnet publish src/ScaleChat.Cli -c Release -o DIR)");
            return 2;
        }

        var attack = Probe.Flag(args, "--attack") ?? "all";
        if (attack is not ("all" or "churn" or "readers"))
        {
            Console.Error.WriteLine($"robustness: --attack must be all, churn or readers, not '{attack}'");
            return 2;
        }

        var report = Probe.Flag(args, "--report");
        if (report is not null)
        {
            Directory.CreateDirectory(report);
        }

        var run = new Run(Path.GetFullPath(dll), Probe.Int(args, "--port", 0), Probe.Flags(args, "--set"), report,
            TimeSpan.FromSeconds(Probe.Number(args, "--settle", 15)));
        var output = new StringBuilder();
        output.AppendLine(CultureInfo.InvariantCulture, $"date: {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC");
        output.AppendLine(CultureInfo.InvariantCulture, $"command: robustness {string.Join(' ', args)}");
        output.AppendLine(CultureInfo.InvariantCulture, $"server build: {run.Dll}");
        output.AppendLine(CultureInfo.InvariantCulture, $"settings: {(run.Settings.Count == 0 ? "defaults" : string.Join(' ', run.Settings))}");
        output.AppendLine(CultureInfo.InvariantCulture, $"machine: {Environment.ProcessorCount} cores, {Environment.OSVersion}, .NET {Environment.Version}, load average {LoadAverage()}");
        output.AppendLine();
        Console.Write(output);

        try
        {
            if (attack is "all" or "churn")
            {
                output.Append(await ChurnAsync(run, args));
            }

            if (attack is "all" or "readers")
            {
                output.Append(await ReadersAsync(run, args));
            }
        }
        catch (Exception ex) when (ex is FileNotFoundException or InvalidOperationException or TimeoutException)
        {
            // The server build is missing or would not start: one line, not a stack trace.
            Console.Error.WriteLine($"robustness: {ex.Message}");
            return 2;
        }

        if (report is not null)
        {
            await File.WriteAllTextAsync(Path.Combine(report, "summary.md"), output.ToString());
            Console.WriteLine($"files in {Path.GetFullPath(report)}");
        }

        return 0;
    }

    private static async Task<string> ChurnAsync(Run run, string[] args)
    {
        var seconds = Probe.Number(args, "--churn-seconds", 60);
        var clients = Probe.Int(args, "--churn-clients", 20);
        var size = Probe.Int(args, "--churn-size", 4096);
        await using var server = await run.StartAsync("churn");
        await using var sampler = new ServerSampler(server);
        var messagesPerSecond = await MessagesPerSecondAsync(server.WebSocketUrl);

        // Three objects a room (join, send, leave), kept just under the announced steady rate.
        var rate = Probe.Number(args, "--churn-rate", Math.Floor(0.96 * messagesPerSecond / 3));
        Log($"churn: {clients} connections, each joining a new room, sending {size} bytes and leaving it, {rate} rooms/s each, for {seconds} s (server pid {server.Pid})");
        await Task.Delay(StartQuiet);
        var moments = new List<Moment> { await Moment.TakeAsync("before", server) };
        sampler.ResetPeaks();
        sampler.Phase = "attack";
        var result = await RoomChurn.RunAsync(server.WebSocketUrl, new ChurnSettings(clients, TimeSpan.FromSeconds(seconds), rate, 0, size, "churn"),
            progress: TimeSpan.FromSeconds(10));
        await Task.Delay(StatsAge);
        moments.Add(await Moment.TakeAsync("after (churn stopped)", server));
        sampler.Phase = "settle";
        await Task.Delay(run.Settle);
        moments.Add(await Moment.TakeAsync($"settled ({run.Settle.TotalSeconds:0} s later)", server));
        var text = new StringBuilder();
        text.AppendLine("## Room churn");
        text.AppendLine();
        text.AppendLine(CultureInfo.InvariantCulture, $"{clients} connections x {rate} rooms/s for {result.Seconds:0} s, {size}-byte texts: {result}");
        text.AppendLine(CultureInfo.InvariantCulture, $"({result.Rooms / Math.Max(1, result.Seconds):N0} rooms/s in total)");
        text.AppendLine();
        text.Append(Table(moments, sampler, server));
        await run.SaveAsync("churn", sampler, moments);
        return Print(text);
    }

    private static async Task<string> ReadersAsync(Run run, string[] args)
    {
        var readers = Probe.Int(args, "--readers", 50);
        var fill = Probe.Int(args, "--fill", 500);
        var size = Probe.Int(args, "--size", 4096);
        var fillers = Probe.Int(args, "--fillers", 5);
        var limit = Probe.Int(args, "--limit", 500);
        var asks = Probe.Int(args, "--asks", 3);
        var askInterval = TimeSpan.FromSeconds(Probe.Number(args, "--ask-interval", 1));
        var hold = TimeSpan.FromSeconds(Probe.Number(args, "--hold", 20));
        await using var server = await run.StartAsync("readers");
        await using var sampler = new ServerSampler(server);
        await Task.Delay(StartQuiet);
        var moments = new List<Moment> { await Moment.TakeAsync("idle (after start)", server) };

        sampler.Phase = "fill";
        var clock = Stopwatch.StartNew();
        var rejected = await NonReaders.FillAsync(server.WebSocketUrl, FloodRoom, fill, size, fillers);
        var fillSeconds = clock.Elapsed.TotalSeconds;
        Log($"readers: filled '{FloodRoom}' with {fill} texts of {size} control characters over {fillers} connections in {fillSeconds:0.0} s (rate_limited: {rejected})");
        var (answerBytes, outcome) = await NonReaders.MeasureAnswerAsync(server.WebSocketUrl, FloodRoom, limit);
        Log($"readers: one history answer of {limit} to a reading client: {answerBytes:N0} bytes ({Probe.MiB(answerBytes)} MiB), {outcome}");
        await Task.Delay(StartQuiet);
        moments.Add(await Moment.TakeAsync("before (history filled)", server));

        sampler.ResetPeaks();
        sampler.Phase = "attack";
        var sockets = new List<Socket>();
        var connectFailures = new List<string>();
        for (var i = 0; i < readers; i++)
        {
            try
            {
                sockets.Add(await NonReaders.ConnectAsync(server.Port, FloodRoom, $"nonreader{i}"));
            }
            catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException)
            {
                connectFailures.Add(ex.Message);
            }
        }

        Log($"readers: {sockets.Count} non-reading clients in '{FloodRoom}'; each asks for history (limit {limit}) {asks} times, {askInterval.TotalSeconds} s apart");
        long asked = 0, sendFailures = 0;
        for (var ask = 0; ask < asks; ask++)
        {
            foreach (var socket in sockets)
            {
                try
                {
                    await NonReaders.SendTextAsync(socket, $"{{\"type\":\"history\",\"room\":\"{FloodRoom}\",\"limit\":{limit},\"ref\":{ask}}}");
                    asked++;
                }
                catch (Exception ex) when (ex is SocketException or OperationCanceledException or ObjectDisposedException)
                {
                    sendFailures++;
                }
            }

            await Task.Delay(askInterval);
        }

        Log($"readers: {asked} history requests sent ({sendFailures} could not be); holding the sockets unread for {hold.TotalSeconds} s");
        await Task.Delay(hold);
        moments.Add(await Moment.TakeAsync($"held ({hold.TotalSeconds:0} s after the last ask)", server));
        foreach (var socket in sockets)
        {
            socket.Dispose();
        }

        await Task.Delay(StatsAge);
        moments.Add(await Moment.TakeAsync("after (clients gone)", server));
        sampler.Phase = "settle";
        await Task.Delay(run.Settle);
        moments.Add(await Moment.TakeAsync($"settled ({run.Settle.TotalSeconds:0} s later)", server));

        var text = new StringBuilder();
        text.AppendLine("## Non-readers");
        text.AppendLine();
        text.AppendLine(CultureInfo.InvariantCulture, $"History of '{FloodRoom}': {fill} texts of {size} control characters (U+0001), sent over {fillers} connections paced under the default rate limit in {fillSeconds:0.0} s (rate_limited: {rejected}).");
        text.AppendLine(CultureInfo.InvariantCulture, $"One `history` answer (limit {limit}) to a reading client: {answerBytes:N0} bytes ({Probe.MiB(answerBytes)} MiB), {outcome}.");
        text.AppendLine(CultureInfo.InvariantCulture, $"{sockets.Count} non-reading raw TCP clients (receive buffer {NonReaders.ReceiveBufferBytes} bytes; {connectFailures.Count} failed to connect{(connectFailures.Count > 0 ? ": " + connectFailures[0] : "")}), {asks} asks each {askInterval.TotalSeconds} s apart ({asked} sent, {sendFailures} failed), held {hold.TotalSeconds:0} s.");
        text.AppendLine(CultureInfo.InvariantCulture, $"Server during the attack: most open connections {sampler.PeakConnections}, most bytes in all send queues {Probe.MiB(sampler.PeakQueueBytes)} MiB, fullest queue {Probe.MiB(sampler.PeakQueueMaxBytes)} MiB.");
        text.AppendLine();
        text.Append(Table(moments, sampler, server));
        await run.SaveAsync("readers", sampler, moments);
        return Print(text);
    }

    private static string Table(List<Moment> moments, ServerSampler sampler, ServerProcess server)
    {
        var text = new StringBuilder();
        text.AppendLine("| Moment | RSS MiB | VmHWM MiB | GC heap MiB | Connections | Rooms | History messages | Send queues MiB | Slow disconnects |");
        text.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var moment in moments)
        {
            var s = moment.Stats;
            text.AppendLine(CultureInfo.InvariantCulture,
                $"| {moment.Label} | {Probe.MiB(moment.Rss)} | {Probe.MiB(moment.Hwm)} | {Mib(s?.GcHeapBytes)} | {N(s?.Connections)} | {N(s?.Rooms)} | {N(s?.HistoryMessages)} | {Mib(s?.SendQueueBytes)} | {N(s?.SlowDisconnects)} |");
        }

        text.AppendLine(CultureInfo.InvariantCulture,
            $"| **peak** (RSS sampled every 250 ms; VmHWM as the kernel keeps it) | **{Probe.MiB(sampler.PeakRss)}** | **{Probe.MiB(server.Memory().Hwm)}** | | | | | | |");
        text.AppendLine();
        return text.ToString();

        static string N(long? value) => value is { } v && v >= 0 ? v.ToString("N0", CultureInfo.InvariantCulture) : "?";
        static string Mib(long? value) => value is { } v && v >= 0 ? Probe.MiB(v) : "?";
    }

    /// <summary>The steady rate the server announces in <c>welcome.limits</c>.</summary>
    private static async Task<int> MessagesPerSecondAsync(Uri url)
    {
        await using var client = new ChatClient(new ChatClientOptions { Url = url, Name = "limits", Reconnect = false });
        await client.ConnectAsync();
        return client.Limits.MessagesPerSecond;
    }

    private static string LoadAverage()
    {
        try
        {
            return string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3));
        }
        catch (IOException)
        {
            return "?";
        }
    }

    private static string Print(StringBuilder text)
    {
        Console.WriteLine();
        Console.Write(text);
        return text.ToString();
    }

    private static void Log(string line) => Console.WriteLine($"{DateTime.Now:HH:mm:ss} {line}");

    /// <summary>One attack's settings and where its files go.</summary>
    private sealed record Run(string Dll, int Port, List<string> Settings, string? Report, TimeSpan Settle)
    {
        public Task<ServerProcess> StartAsync(string attack) =>
            ServerProcess.StartAsync(Dll, Port > 0 ? Port : ServerProcess.FreePort(), Settings,
                Report is null ? null : Path.Combine(Report, $"server-{attack}.log"));

        public async Task SaveAsync(string attack, ServerSampler sampler, List<Moment> moments)
        {
            if (Report is null)
            {
                return;
            }

            await File.WriteAllTextAsync(Path.Combine(Report, $"samples-{attack}.csv"), sampler.Csv);
            var stats = new StringBuilder();
            foreach (var moment in moments)
            {
                stats.AppendLine(CultureInfo.InvariantCulture, $"== {moment.Label}: RSS {moment.Rss} VmHWM {moment.Hwm}");
                stats.AppendLine(moment.Stats?.Json ?? "(no answer from /api/stats)");
                foreach (var line in moment.Metrics)
                {
                    stats.AppendLine(line);
                }

                stats.AppendLine();
            }

            await File.WriteAllTextAsync(Path.Combine(Report, $"stats-{attack}.txt"), stats.ToString());
        }
    }

    /// <summary>The server's memory and figures at one moment.</summary>
    private sealed record Moment(string Label, long Rss, long Hwm, ServerStats? Stats, List<string> Metrics)
    {
        public static async Task<Moment> TakeAsync(string label, ServerProcess server)
        {
            var (rss, hwm) = server.Memory();
            var stats = await server.StatsAsync();
            var metrics = await server.MetricsAsync("room", "history", "connections_active", "send_queue", "slow");
            Log($"{label}: RSS {Probe.MiB(rss)} MiB, VmHWM {Probe.MiB(hwm)} MiB, connections {stats?.Connections}, rooms {stats?.Rooms}, history messages {stats?.HistoryMessages}");
            return new Moment(label, rss, hwm, stats, metrics);
        }
    }
}
