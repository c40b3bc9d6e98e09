using System.Diagnostics;
using System.Globalization;
using ScaleChat.Client;

namespace ScaleChat.Benchmarks;

/// <summary>
/// Memory per idle client: connects N clients to a running server (in another process, so its
/// memory is not counted), lets them settle and divides what this process grew by N.
/// Usage: idle --url ws://127.0.0.1:8080/ws [--clients 5000] [--hold SECONDS]. With --hold the clients
/// stay connected that long after the figures, so that a server measuring them (server-idle) still
/// has them all.
/// </summary>
internal static class ClientIdleMemory
{
    public static async Task<int> RunAsync(string[] args)
    {
        var url = new Uri(Probe.Flag(args, "--url") ?? "ws://127.0.0.1:8080/ws");
        var count = int.Parse(Probe.Flag(args, "--clients") ?? "5000", CultureInfo.InvariantCulture);
        var hold = int.Parse(Probe.Flag(args, "--hold") ?? "0", CultureInfo.InvariantCulture);

        // Warm up: one client, so code, the shared handler and pools are not counted per client.
        var warm = await ConnectAsync(url, "warm");
        var (heapBefore, workingSetBefore) = Probe.Memory();
        var clients = new List<ChatClient>(count);
        using var gate = new SemaphoreSlim(64);
        var tasks = Enumerable.Range(0, count).Select(async i =>
        {
            await gate.WaitAsync();
            try
            {
                var client = await ConnectAsync(url, $"idle{i}");
                lock (clients)
                {
                    clients.Add(client);
                }
            }
            finally
            {
                gate.Release();
            }
        });
        var started = Stopwatch.StartNew();
        await Task.WhenAll(tasks);
        var connectTime = started.Elapsed;
        await Task.Delay(TimeSpan.FromSeconds(3));
        var (heapAfter, workingSetAfter) = Probe.Memory();

        Console.WriteLine($"clients: {count} (connected in {connectTime.TotalSeconds:0.0} s)");
        Console.WriteLine($"managed heap per idle client: {(heapAfter - heapBefore) / count:N0} bytes");
        Console.WriteLine($"working set per idle client: {(workingSetAfter - workingSetBefore) / count:N0} bytes");
        await Task.Delay(TimeSpan.FromSeconds(hold));
        await Task.WhenAll(clients.Select(c => c.DisposeAsync().AsTask()));
        await warm.DisposeAsync();
        return 0;
    }

    private static async Task<ChatClient> ConnectAsync(Uri url, string name)
    {
        var client = new ChatClient(new ChatClientOptions { Url = url, Name = name });
        await client.ConnectAsync();
        return client;
    }
}
