using System.Diagnostics;
using System.Globalization;
using System.Net.WebSockets;
using System.Text;
using ScaleChat.Client;

namespace ScaleChat.Benchmarks;

/// <summary>
/// What identity checks cost per connection: starts a server build as its own process in open mode
/// (name holds) and then in token mode (HS256), opens the same number of connections to each, every
/// one saying hello and waiting for welcome, and reports the connect rate and the server's CPU time
/// per connection (from /proc, so the clients' own cost is not counted). The modes alternate for
/// the given number of rounds.
/// Usage: connect-cost --server DIR/scalechat.dll [--connections 5000] [--concurrency 64] [--rounds 2]
///   [--where hello|header]
/// </summary>
internal static class ConnectCost
{
    private const string Secret = "connect-cost-benchmark-secret-32-bytes";

    public static async Task<int> RunAsync(string[] args)
    {
        var dll = Probe.Flag(args, "--server") ?? throw new ArgumentException("--server DIR/scalechat.dll is required");
        var connections = Probe.Int(args, "--connections", 5000);
        var concurrency = Probe.Int(args, "--concurrency", 64);
        var rounds = Probe.Int(args, "--rounds", 2);
        var inHeader = Probe.Flag(args, "--where") == "header";
        Console.WriteLine($"{connections} connections, {concurrency} at a time, {rounds} rounds; token {(inHeader ? "in the Authorization header" : "in hello")}");
        Console.WriteLine("| mode | round | connections | seconds | connections/s | server CPU per connection |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|");
        for (var round = 1; round <= rounds; round++)
        {
            foreach (var token in new[] { false, true })
            {
                string[] settings = token
                    ? ["ScaleChat:Auth:Mode=token", $"ScaleChat:Auth:Secret={Secret}", "ScaleChat:SummaryInterval=00:00:00", "Logging:LogLevel:Default=Warning"]
                    : ["ScaleChat:SummaryInterval=00:00:00", "Logging:LogLevel:Default=Warning"];
                await using var server = await ServerProcess.StartAsync(dll, ServerProcess.FreePort(), settings, null);
                // A first batch, not counted, so that the JIT and the pools are warm when counting starts.
                foreach (var socket in await OpenAsync(server.WebSocketUrl, Math.Min(connections, 1000), concurrency, token, inHeader, "warm"))
                {
                    socket.Abort();
                    socket.Dispose();
                }

                await Task.Delay(TimeSpan.FromSeconds(2));
                var cpuBefore = CpuTime(server.Pid);
                var watch = Stopwatch.StartNew();
                var sockets = await OpenAsync(server.WebSocketUrl, connections, concurrency, token, inHeader, "user");
                var elapsed = watch.Elapsed;
                var cpu = CpuTime(server.Pid) - cpuBefore;
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"| {(token ? "token (HS256)" : "open (name holds)")} | {round} | {sockets.Count:N0} | {elapsed.TotalSeconds:F2} | {sockets.Count / elapsed.TotalSeconds:N0} | {cpu.TotalMicroseconds / sockets.Count:N0} µs |"));
                foreach (var socket in sockets)
                {
                    socket.Abort();
                    socket.Dispose();
                }
            }
        }

        return 0;
    }

    private static async Task<List<ClientWebSocket>> OpenAsync(Uri url, int count, int concurrency, bool token, bool inHeader, string prefix)
    {
        var sockets = new List<ClientWebSocket>(count);
        var next = 0;
        var invoker = new HttpMessageInvoker(new SocketsHttpHandler());
        async Task WorkAsync()
        {
            var buffer = new byte[4096];
            while (Interlocked.Increment(ref next) is var i && i <= count)
            {
                var name = $"{prefix}{i}";
                var jwt = token ? ChatTokens.Issue(Secret, name, TimeSpan.FromHours(1)) : null;
                var socket = new ClientWebSocket();
                socket.Options.AddSubProtocol("scalechat.v1");
                if (jwt is not null && inHeader)
                {
                    socket.Options.SetRequestHeader("Authorization", $"Bearer {jwt}");
                }

                await socket.ConnectAsync(url, invoker, CancellationToken.None);
                var hello = jwt is null ? $$"""{"type":"hello","name":"{{name}}"}"""
                    : inHeader ? """{"type":"hello"}""" : $$"""{"type":"hello","token":"{{jwt}}"}""";
                await socket.SendAsync(Encoding.UTF8.GetBytes(hello), WebSocketMessageType.Text, true, CancellationToken.None);
                var received = await socket.ReceiveAsync(buffer, CancellationToken.None);
                if (!Encoding.UTF8.GetString(buffer, 0, received.Count).Contains("\"welcome\"", StringComparison.Ordinal))
                {
                    throw new InvalidOperationException($"no welcome for {name}: {Encoding.UTF8.GetString(buffer, 0, received.Count)}");
                }

                lock (sockets)
                {
                    sockets.Add(socket);
                }
            }
        }

        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(_ => Task.Run(WorkAsync)));
        return sockets;
    }

    /// <summary>User plus system CPU time of a process, from /proc/PID/stat (clock ticks of 10 ms).</summary>
    private static TimeSpan CpuTime(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
        return TimeSpan.FromMilliseconds(ticks * 10);
    }
}
