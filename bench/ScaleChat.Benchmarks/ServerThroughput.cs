using System.Diagnostics;
using System.Net.WebSockets;
using System.Text;

namespace ScaleChat.Benchmarks;

/// <summary>
/// Raw fan-out throughput of a running server: N readers in the room <c>global</c> count the objects
/// they receive (no parsing), P publishers send R messages a second in total. Prints deliveries a
/// second and the server's CPU time (give its PID). A probe for before/after comparisons of the
/// server's write path; the load generator is the tool for latency and loss.
/// Usage: throughput --url ws://127.0.0.1:8080/ws --clients 1000 --publishers 10 --rate 400 --seconds 10 [--server-pid N]
/// </summary>
internal static class ServerThroughput
{
    public static async Task<int> RunAsync(string[] args)
    {
        var url = new Uri(Probe.Flag(args, "--url") ?? "ws://127.0.0.1:8080/ws");
        var clients = Probe.Int(args, "--clients", 1000);
        var publishers = Probe.Int(args, "--publishers", 10);
        var rate = Probe.Int(args, "--rate", 400);
        var seconds = Probe.Int(args, "--seconds", 10);
        var serverPid = Probe.Int(args, "--server-pid", 0);
        long received = 0;
        using var stop = new CancellationTokenSource();

        var sockets = new List<ClientWebSocket>();
        for (var i = 0; i < clients + publishers; i++)
        {
            var socket = new ClientWebSocket();
            socket.Options.AddSubProtocol("scalechat.v1");
            await socket.ConnectAsync(url, CancellationToken.None);
            await socket.SendAsync(Encoding.UTF8.GetBytes($"{{\"type\":\"hello\",\"name\":\"t{i}\"}}"), WebSocketMessageType.Text, true, CancellationToken.None);
            sockets.Add(socket);
        }

        var readers = sockets.Select(socket => Task.Run(async () =>
        {
            var buffer = new byte[256 * 1024];
            try
            {
                while (!stop.IsCancellationRequested)
                {
                    var result = await socket.ReceiveAsync(buffer, stop.Token);
                    if (result.MessageType == WebSocketMessageType.Close)
                    {
                        return;
                    }

                    // Count message objects only: every one contains "type":"message".
                    var span = buffer.AsSpan(0, result.Count);
                    var count = 0;
                    int at;
                    while ((at = span.IndexOf("\"message\""u8)) >= 0)
                    {
                        count++;
                        span = span[(at + 9)..];
                    }

                    Interlocked.Add(ref received, count);
                }
            }
            catch (OperationCanceledException)
            {
            }
        })).ToList();

        await Task.Delay(2000); // let every hello be answered
        var payload = Encoding.UTF8.GetBytes("{\"type\":\"send\",\"room\":\"global\",\"text\":\"hello, this is a typical short chat message\"}");
        var cpuBefore = ServerCpu(serverPid);
        var receivedBefore = Interlocked.Read(ref received);
        var clock = Stopwatch.StartNew();
        var interval = TimeSpan.FromSeconds(publishers / (double)rate);
        var sending = Enumerable.Range(0, publishers).Select(p => Task.Run(async () =>
        {
            var socket = sockets[clients + p];
            var next = clock.Elapsed + (interval * p / publishers);
            while (clock.Elapsed < TimeSpan.FromSeconds(seconds))
            {
                var wait = next - clock.Elapsed;
                if (wait > TimeSpan.Zero)
                {
                    await Task.Delay(wait);
                }

                await socket.SendAsync(payload, WebSocketMessageType.Text, true, CancellationToken.None);
                next += interval;
            }
        })).ToList();
        await Task.WhenAll(sending);
        await Task.Delay(1000); // drain
        var elapsed = clock.Elapsed.TotalSeconds - 1;
        var delivered = Interlocked.Read(ref received) - receivedBefore;
        var cpu = ServerCpu(serverPid) - cpuBefore;
        Console.WriteLine($"clients {clients}, publishers {publishers}, offered {rate} msg/s for {seconds} s");
        Console.WriteLine($"delivered: {delivered:N0} ({delivered / elapsed:N0}/s), expected {(long)rate * seconds * (clients + publishers):N0}");
        if (serverPid > 0)
        {
            Console.WriteLine($"server CPU: {cpu.TotalSeconds:0.0} s over {clock.Elapsed.TotalSeconds:0.0} s ({cpu.TotalSeconds / clock.Elapsed.TotalSeconds:P0} of one core)");
        }

        await stop.CancelAsync();
        await Task.WhenAll(readers);
        foreach (var socket in sockets)
        {
            socket.Abort();
            socket.Dispose();
        }

        return 0;
    }

    private static TimeSpan ServerCpu(int pid)
    {
        if (pid <= 0)
        {
            return TimeSpan.Zero;
        }

        using var process = Process.GetProcessById(pid);
        return process.TotalProcessorTime;
    }
}
