using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using ScaleChat.Server.Hosting;
using ScaleChat.Server.Hub;

namespace ScaleChat.Benchmarks;

/// <summary>
/// Memory per idle connection on the server: runs a server in this process, waits until the given
/// number of clients (connected from another process, e.g. with "idle") have said hello, and divides
/// what the managed heap and the working set grew by their number.
/// Usage: server-idle --port 18092 --clients 5000 [--lean false]
/// </summary>
internal static class ServerIdleMemory
{
    public static async Task<int> RunAsync(string[] args)
    {
        var port = Probe.Flag(args, "--port") ?? "18092";
        var expected = int.Parse(Probe.Flag(args, "--clients") ?? "5000", CultureInfo.InvariantCulture);
        var lean = Probe.Flag(args, "--lean") ?? "true";
        var app = ScaleChatServer.Build([$"--urls=http://127.0.0.1:{port}", "--Logging:LogLevel:Default=Warning", $"--ScaleChat:LeanUpgrade={lean}"]);
        await app.StartAsync();
        var hub = app.Services.GetRequiredService<ChatHub>();
        var (heapBefore, workingSetBefore) = Probe.Memory();
        Console.WriteLine($"server listening on {port} (lean upgrade: {lean}); waiting for {expected} connections");

        var deadline = DateTime.UtcNow.AddMinutes(5);
        while (hub.UserCount < expected && DateTime.UtcNow < deadline)
        {
            await Task.Delay(500);
        }

        await Task.Delay(TimeSpan.FromSeconds(3));
        var connections = hub.ConnectionCount;
        var (heapAfter, workingSetAfter) = Probe.Memory();
        Console.WriteLine($"connections: {connections}");
        Console.WriteLine($"managed heap per idle connection: {(heapAfter - heapBefore) / Math.Max(1, connections):N0} bytes");
        Console.WriteLine($"working set per idle connection: {(workingSetAfter - workingSetBefore) / Math.Max(1, connections):N0} bytes");
        await app.StopAsync();
        return 0;
    }
}
