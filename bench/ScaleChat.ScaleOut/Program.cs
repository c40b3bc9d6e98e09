using System.Diagnostics;
using System.Globalization;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;

// Scale-out figures with raw WebSocket clients spread round robin over one or more nodes:
//   fanout: rooms of members, one sender per room at a fixed total rate; deliveries per second and
//           latency percentiles (send to receive, one clock: this process).
//   hold:   opens idle connections (hello only), holds them, reports how many were held.
var options = Args.Parse(args);
var urls = options.Get("urls", "ws://127.0.0.1:8080/ws").Split(',').Select(u => new Uri(u)).ToArray();
return options.Mode switch
{
    "fanout" => await Fanout.RunAsync(urls, options),
    "hold" => await Hold.RunAsync(urls, options),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("usage: fanout|hold --urls ws://a/ws,ws://b/ws [--clients N --rooms R --rate MSGS_PER_S --seconds S]");
    return 2;
}

internal sealed class Args(string mode, Dictionary<string, string> values)
{
    public string Mode { get; } = mode;

    public static Args Parse(string[] args)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 1; i + 1 < args.Length; i += 2)
        {
            values[args[i].TrimStart('-')] = args[i + 1];
        }

        return new Args(args.Length > 0 ? args[0] : "", values);
    }

    public string Get(string name, string fallback) => values.GetValueOrDefault(name, fallback);

    public int Int(string name, int fallback) => int.Parse(Get(name, fallback.ToString(CultureInfo.InvariantCulture)), CultureInfo.InvariantCulture);
}

internal static class Wire
{
    public static async Task<ClientWebSocket> ConnectAsync(Uri url, string name, string? room)
    {
        var socket = new ClientWebSocket();
        socket.Options.AddSubProtocol("scalechat.v1");
        socket.Options.KeepAliveInterval = TimeSpan.Zero;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await socket.ConnectAsync(url, timeout.Token);
        await SendAsync(socket, $$"""{"type":"hello","name":"{{name}}"}""");
        if (room is not null)
        {
            await SendAsync(socket, $$"""{"type":"join","room":"{{room}}"}""");
        }

        return socket;
    }

    public static Task SendAsync(ClientWebSocket socket, string json) =>
        socket.SendAsync(Encoding.UTF8.GetBytes(json), WebSocketMessageType.Text, true, CancellationToken.None);
}

internal static class Fanout
{
    public static async Task<int> RunAsync(Uri[] urls, Args options)
    {
        int clients = options.Int("clients", 1000), rooms = options.Int("rooms", 10), rate = options.Int("rate", 200), seconds = options.Int("seconds", 20);
        var latencies = new List<double>[clients];
        var measuring = 0;
        var sockets = new ClientWebSocket[clients];
        for (var i = 0; i < clients; i++)
        {
            sockets[i] = await Wire.ConnectAsync(urls[i % urls.Length], $"u{i}", $"r{i % rooms}");
            latencies[i] = [];
        }

        using var stop = new CancellationTokenSource();
        var readers = sockets.Select((s, i) => ReadAsync(s, latencies[i], () => Volatile.Read(ref measuring) == 1, stop.Token)).ToArray();
        await Task.Delay(2000); // joins answered, everything quiet

        // One sender per room (its first member), together sending `rate` messages per second.
        var senders = Enumerable.Range(0, rooms).Select(r => sockets[r]).ToArray();
        var started = Stopwatch.GetTimestamp();
        var sent = 0L;
        var warmup = TimeSpan.FromSeconds(3);
        long measuredFrom = 0, measuredTo = 0;
        while (true)
        {
            var elapsed = Stopwatch.GetElapsedTime(started);
            if (elapsed > warmup + TimeSpan.FromSeconds(seconds))
            {
                break;
            }

            if (elapsed > warmup && measuredFrom == 0)
            {
                measuredFrom = Stopwatch.GetTimestamp();
                Volatile.Write(ref measuring, 1);
            }

            var due = (long)(elapsed.TotalSeconds * rate);
            for (; sent < due; sent++)
            {
                var room = (int)(sent % rooms);
                _ = Wire.SendAsync(senders[room], $$"""{"type":"send","room":"r{{room}}","text":"t{{Stopwatch.GetTimestamp()}}"}""");
            }

            await Task.Delay(1);
        }

        Volatile.Write(ref measuring, 0);
        measuredTo = Stopwatch.GetTimestamp();
        await Task.Delay(2000);
        await stop.CancelAsync();
        var all = latencies.SelectMany(l => l).Order().ToArray();
        var window = Stopwatch.GetElapsedTime(measuredFrom, measuredTo).TotalSeconds;
        double P(double q) => all.Length == 0 ? double.NaN : all[Math.Min(all.Length - 1, (int)(q * all.Length))];
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"nodes={urls.Length} clients={clients} rooms={rooms} rate={rate}/s seconds={seconds} deliveries={all.Length} deliveries/s={all.Length / window:F0} expected/s={(double)rate * clients / rooms:F0} p50={P(0.50):F1}ms p99={P(0.99):F1}ms max={(all.Length == 0 ? 0 : all[^1]):F1}ms"));
        foreach (var socket in sockets)
        {
            socket.Abort();
        }

        return 0;
    }

    private static async Task ReadAsync(ClientWebSocket socket, List<double> latencies, Func<bool> measuring, CancellationToken stop)
    {
        var buffer = new byte[1 << 16];
        try
        {
            while (!stop.IsCancellationRequested)
            {
                var length = 0;
                ValueWebSocketReceiveResult result;
                do
                {
                    result = await socket.ReceiveAsync(buffer.AsMemory(length), stop);
                    length += result.Count;
                }
                while (!result.EndOfMessage);

                var now = Stopwatch.GetTimestamp();
                foreach (var line in Encoding.UTF8.GetString(buffer, 0, length).Split('\n'))
                {
                    using var json = JsonDocument.Parse(line);
                    var root = json.RootElement;
                    if (root.GetProperty("type").GetString() == "message" && root.GetProperty("text").GetString() is ['t', .. var ticks] && measuring())
                    {
                        latencies.Add(Stopwatch.GetElapsedTime(long.Parse(ticks, CultureInfo.InvariantCulture), now).TotalMilliseconds);
                    }
                }
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or WebSocketException)
        {
        }
    }
}

internal static class Hold
{
    public static async Task<int> RunAsync(Uri[] urls, Args options)
    {
        int clients = options.Int("clients", 1000), seconds = options.Int("seconds", 30), parallel = options.Int("parallel", 50);
        var name = options.Get("name", "h");
        var held = new ClientWebSocket?[clients];
        var failed = 0;
        using var gate = new SemaphoreSlim(parallel);
        await Task.WhenAll(Enumerable.Range(0, clients).Select(async i =>
        {
            await gate.WaitAsync();
            try
            {
                held[i] = await Wire.ConnectAsync(urls[i % urls.Length], $"{name}{i}", null);
            }
            catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or IOException)
            {
                Interlocked.Increment(ref failed);
            }
            finally
            {
                gate.Release();
            }
        }));
        Console.WriteLine($"opened={clients - failed} failed={failed}; holding {seconds} s");
        await Task.Delay(TimeSpan.FromSeconds(seconds));
        var open = held.Count(s => s?.State == WebSocketState.Open);
        Console.WriteLine($"still open after {seconds} s: {open}");
        foreach (var socket in held)
        {
            socket?.Abort();
        }

        return 0;
    }
}
