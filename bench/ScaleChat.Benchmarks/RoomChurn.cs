using System.Collections.Concurrent;
using System.Diagnostics;
using ScaleChat.Client;

namespace ScaleChat.Benchmarks;

/// <summary>
/// Rooms made and abandoned: each of N version-1 connections repeatedly joins a room no one has used
/// before, sends one text to it and leaves, at a steady pace kept under the server's rate limit
/// (three objects a cycle). With <see cref="ChurnSettings.RoomsPerConnection"/> the connection is
/// closed after that many rooms and a new one opened, so clients come and go too. Every request
/// waits for its answer, so a server that slows down slows the churn instead of being flooded.
/// Usage (standalone, against a running server, e.g. from bench/soak.sh):
///   churn --url ws://127.0.0.1:8080/ws --clients 4 --seconds 120 [--rate 2] [--rooms-per-connection 10] [--size 4096]
/// </summary>
internal static class RoomChurn
{
    /// <summary>The <c>churn</c> mode: churns for <c>--seconds</c> and prints what it did.</summary>
    public static async Task<int> RunAsync(string[] args)
    {
        var url = new Uri(Probe.Flag(args, "--url") ?? "ws://127.0.0.1:8080/ws");
        var settings = new ChurnSettings(
            Clients: Probe.Int(args, "--clients", 4),
            Duration: TimeSpan.FromSeconds(Probe.Number(args, "--seconds", 60)),
            CyclesPerSecond: Probe.Number(args, "--rate", 2),
            RoomsPerConnection: Probe.Int(args, "--rooms-per-connection", 10),
            TextBytes: Probe.Int(args, "--size", 4096),
            Prefix: Probe.Flag(args, "--prefix") ?? "churn");
        Console.WriteLine($"churn: {settings.Clients} clients x {settings.CyclesPerSecond} rooms/s for {settings.Duration.TotalSeconds} s, "
            + $"{(settings.RoomsPerConnection > 0 ? $"a new connection every {settings.RoomsPerConnection} rooms" : "one connection each")}, {settings.TextBytes}-byte texts");
        var result = await RunAsync(url, settings, progress: TimeSpan.FromSeconds(10));
        Console.WriteLine($"churn done: {result}");
        return 0;
    }

    /// <summary>Churns until the duration is over; never throws for what the server does.</summary>
    public static async Task<ChurnResult> RunAsync(Uri url, ChurnSettings settings, TimeSpan? progress = null)
    {
        var result = new ChurnResult();
        var text = new string('x', settings.TextBytes);
        var clock = Stopwatch.StartNew();
        using var reporting = new CancellationTokenSource();
        var reporter = progress is { } every ? ReportAsync(result, clock, every, reporting.Token) : Task.CompletedTask;
        await Task.WhenAll(Enumerable.Range(0, settings.Clients).Select(i => Task.Run(() => ClientAsync(url, settings, i, text, clock, result))));
        result.Seconds = clock.Elapsed.TotalSeconds;
        await reporting.CancelAsync();
        await reporter;
        return result;
    }

    private static async Task ClientAsync(Uri url, ChurnSettings settings, int index, string text, Stopwatch clock, ChurnResult result)
    {
        var interval = TimeSpan.FromSeconds(1 / settings.CyclesPerSecond);

        // Start the clients spread over one interval, so they do not all ask at once.
        var next = interval * index / settings.Clients;
        var generation = 0;
        while (clock.Elapsed < settings.Duration)
        {
            var name = $"{settings.Prefix}{index}-{generation++}";
            var client = new ChatClient(new ChatClientOptions
            {
                Url = url,
                Name = name,
                Reconnect = false,
                RequestTimeout = TimeSpan.FromSeconds(10),
                ConnectTimeout = TimeSpan.FromSeconds(10),
            });
            try
            {
                await client.ConnectAsync();
                Interlocked.Increment(ref result.Connections);
                for (var k = 0; (settings.RoomsPerConnection <= 0 || k < settings.RoomsPerConnection) && clock.Elapsed < settings.Duration; k++)
                {
                    var wait = next - clock.Elapsed;
                    if (wait > TimeSpan.Zero)
                    {
                        await Task.Delay(wait);
                    }

                    next += interval;
                    if (next < clock.Elapsed - interval)
                    {
                        next = clock.Elapsed; // fell behind (a slow server): do not catch up in a burst
                    }

                    var room = $"{name}-r{k}";
                    await client.JoinAsync(room);
                    await client.SendAsync(room, text);
                    await client.LeaveAsync(room);
                    Interlocked.Increment(ref result.Rooms);
                }
            }
            catch (ChatServerException ex)
            {
                result.Errors.AddOrUpdate(ex.Code, 1, (_, n) => n + 1);
            }
            catch (ChatConnectionException ex)
            {
                result.Errors.AddOrUpdate("connection: " + ex.Message.Split(':')[0], 1, (_, n) => n + 1);
                await Task.Delay(250); // the server may be struggling: do not hammer it
            }
            finally
            {
                await client.DisposeAsync();
            }
        }
    }

    private static async Task ReportAsync(ChurnResult result, Stopwatch clock, TimeSpan every, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(every);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken))
            {
                Console.WriteLine($"[{clock.Elapsed.TotalSeconds,5:0}s churn] {result}");
            }
        }
        catch (OperationCanceledException)
        {
            // Done.
        }
    }
}

/// <summary>How to churn.</summary>
/// <param name="Clients">Connections working at once.</param>
/// <param name="Duration">How long.</param>
/// <param name="CyclesPerSecond">Rooms each connection makes a second (join, send, leave: three objects each).</param>
/// <param name="RoomsPerConnection">Rooms before a connection is closed and a new one opened; 0 keeps one connection.</param>
/// <param name="TextBytes">Size of the text sent to each room.</param>
/// <param name="Prefix">User and room names start with it.</param>
internal sealed record ChurnSettings(int Clients, TimeSpan Duration, double CyclesPerSecond, int RoomsPerConnection, int TextBytes, string Prefix);

/// <summary>What a churn did.</summary>
internal sealed class ChurnResult
{
    public long Rooms;
    public long Connections;

    public ConcurrentDictionary<string, long> Errors { get; } = new(StringComparer.Ordinal);

    public double Seconds { get; set; }

    public override string ToString()
    {
        var errors = Errors.IsEmpty ? "none" : string.Join(", ", Errors.OrderBy(e => e.Key, StringComparer.Ordinal).Select(e => $"{e.Key} {e.Value}"));
        return $"rooms made {Interlocked.Read(ref Rooms):N0}, connections opened {Interlocked.Read(ref Connections):N0}, errors: {errors}";
    }
}
