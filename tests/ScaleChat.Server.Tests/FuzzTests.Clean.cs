using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using System.Text.Json;
using ScaleChat.Server.Tests.Infrastructure;

namespace ScaleChat.Server.Tests;

/// <summary>
/// The clean side of the fuzz run: two clients that exchange numbered messages in a room the fuzz
/// connections also use, and the replay that finds which input made the server close with 1011.
/// </summary>
public sealed partial class FuzzTests
{
    /// <summary>
    /// Replays the last inputs of a few connections closed with 1011, each alone on a new connection,
    /// and reports the ones that do it again: a failure names its cause, not only its seed.
    /// </summary>
    private static async Task ReplayIncidentsAsync(TestServer server, Findings findings)
    {
        if (findings.Incidents.Count == 0)
        {
            return;
        }

        var found = new List<string>();
        foreach (var incident in findings.Incidents.Take(3))
        {
            // A raw connection sent one input, already described.
            var culprit = incident.Category == "raw" ? incident.Recent[0] : await FindCulpritAsync(server, incident);
            found.Add(culprit is null
                ? $"[{incident.Category}] not reproduced alone; last input sent: {Findings.Shorten(incident.Recent.LastOrDefault())}"
                : $"[{incident.Category}] {Findings.Shorten(culprit)}");
        }

        findings.Problem($"connections were closed with 1011 (an unexpected server error); inputs that do it alone:\n  " + string.Join("\n  ", found));
    }

    private static async Task<string?> FindCulpritAsync(TestServer server, Incident incident)
    {
        foreach (var input in incident.Recent.Reverse())
        {
            if (await ClosesWith1011Async(server, incident.Category, input))
            {
                // A batch: name the line that does it, if one does alone.
                foreach (var line in input.Split('\n').Where(l => l != input))
                {
                    if (await ClosesWith1011Async(server, incident.Category, line))
                    {
                        return line;
                    }
                }

                return input;
            }
        }

        return null;
    }

    private static async Task<bool> ClosesWith1011Async(TestServer server, string category, string input)
    {
        var scratch = new Findings();
        var (marker, before, after) = category switch
        {
            "v1" => ("\"ref\":\"probe\"", "{\"type\":\"hello\",\"name\":\"fz-replay\"}", "{\"type\":\"ping\",\"ref\":\"probe\"}"),
            "legacy" => ("probe-marker", null, "{\"clientId\":\"fz-replay\",\"message\":\"probe-marker\"}"),
            _ => ("\"type\":\"welcome\"", null, "{\"type\":\"hello\",\"name\":\"fz-replay\"}"),
        };
        using var socket = await FuzzSocket.ConnectAsync(server.RoomUrl("fz-replay"), v1: category != "legacy", scratch, marker);
        if (before is not null)
        {
            await socket.SendAsync(Encoding.UTF8.GetBytes(before));
        }

        await socket.SendAsync(Encoding.UTF8.GetBytes(input));
        await socket.SendAsync(Encoding.UTF8.GetBytes(after));
        var answered = await socket.MarkedAsync(TimeSpan.FromSeconds(2));
        return await socket.EndAsync(closeFirst: answered) == 1011;
    }

    /// <summary>Two clients that chat in the clean room for as long as the fuzzing lasts.</summary>
    private sealed class CleanPair : IAsyncDisposable
    {
        private readonly CleanClient _a;
        private readonly CleanClient _b;
        private readonly CancellationTokenSource _stopSending = new();

        private CleanPair(CleanClient a, CleanClient b)
        {
            _a = a;
            _b = b;
        }

        public static async Task<CleanPair> StartAsync(TestServer server)
        {
            var (a, _) = await WsClient.HelloAsync(server.RoomUrl(CleanRoom), "clean-a");
            var (b, _) = await WsClient.HelloAsync(server.RoomUrl(CleanRoom), "clean-b");
            return new CleanPair(new CleanClient(a, "clean-a", "clean-b"), new CleanClient(b, "clean-b", "clean-a"));
        }

        /// <summary>Sends until <see cref="StopAsync"/>, then reads until each has the other's last message.</summary>
        public Task RunAsync(CancellationToken fuzzTimeLimit)
        {
            fuzzTimeLimit.Register(_stopSending.Cancel);
            return Task.WhenAll(_a.SendAsync(_stopSending.Token), _a.ReadAsync(), _b.SendAsync(_stopSending.Token), _b.ReadAsync());
        }

        public Task StopAsync() => _stopSending.CancelAsync();

        public void Check(Findings findings)
        {
            foreach (var (client, peer) in new[] { (_a, _b), (_b, _a) })
            {
                foreach (var problem in client.Problems)
                {
                    findings.Problem($"{client.Name}: {problem}");
                }

                if (client.Received != peer.Sent || client.Acked != client.Sent)
                {
                    findings.Problem($"{client.Name} received {client.Received} of the {peer.Sent} messages {peer.Name} sent, "
                        + $"and {client.Acked} acks for its own {client.Sent}");
                }
            }
        }

        public async ValueTask DisposeAsync()
        {
            _stopSending.Dispose();
            await _a.Client.DisposeAsync();
            await _b.Client.DisposeAsync();
        }
    }

    /// <summary>One clean client: "name 0", "name 1"... every 10 ms, then "name done".</summary>
    private sealed class CleanClient(WsClient client, string name, string peer)
    {
        private static readonly TimeSpan ReadTimeout = TimeSpan.FromSeconds(20);

        private int _nextReceived;
        private int _nextAck;

        public WsClient Client { get; } = client;

        public string Name { get; } = name;

        public int Sent { get; private set; }

        /// <summary>The peer's numbered messages received so far.</summary>
        public int Received { get; private set; }

        public int Acked { get; private set; }

        public ConcurrentQueue<string> Problems { get; } = new();

        public async Task SendAsync(CancellationToken stop)
        {
            try
            {
                while (!stop.IsCancellationRequested)
                {
                    await Client.SendAsync(new { type = "send", room = CleanRoom, text = $"{Name} {Sent}", @ref = Sent });
                    Sent++;
                    await Task.Delay(10, CancellationToken.None);
                }

                await Client.SendAsync(new { type = "send", room = CleanRoom, text = $"{Name} done", @ref = "done" });
            }
            catch (Exception ex) when (ex is OperationCanceledException or IOException or System.Net.WebSockets.WebSocketException)
            {
                Problems.Enqueue($"could not send: {ex.GetType().Name}: {ex.Message} (socket {Client.Socket.State}, close {Client.Socket.CloseStatus})");
            }
        }

        public async Task ReadAsync()
        {
            bool peerDone = false, ownDone = false;
            try
            {
                while (!(peerDone && ownDone))
                {
                    var e = await Client.ReceiveAsync(ReadTimeout);
                    var refValue = e.TryGetProperty("ref", out var r) ? r : default;
                    switch (e.Str("type"))
                    {
                        case "message" when e.Str("room") == CleanRoom && e.Str("from") == peer && !e.TryGetProperty("legacy", out _):
                            var text = e.Str("text");
                            if (text == $"{peer} done")
                            {
                                peerDone = true;
                            }
                            else
                            {
                                var n = int.Parse(text![(peer.Length + 1)..], CultureInfo.InvariantCulture);
                                Expect(n, _nextReceived, $"{peer}'s message");
                                _nextReceived = n + 1;
                                Received++;
                            }

                            break;
                        case "ack" when refValue.ValueKind == JsonValueKind.Number:
                            Expect(refValue.GetInt32(), _nextAck, "ack");
                            _nextAck = refValue.GetInt32() + 1;
                            Acked++;
                            break;
                        case "ack" when refValue.ValueKind == JsonValueKind.String && refValue.GetString() == "done":
                            ownDone = true;
                            break;
                        case "error" when refValue.ValueKind is JsonValueKind.Number || (refValue.ValueKind == JsonValueKind.String && refValue.GetString() == "done"):
                            Problems.Enqueue($"its message {refValue.GetRawText()} was refused: {e.GetRawText()}");
                            break;
                    }
                }
            }
            catch (Exception ex) when (ex is TimeoutException or OperationCanceledException or IOException or System.Net.WebSockets.WebSocketException or JsonException)
            {
                Problems.Enqueue($"stopped reading ({(peerDone ? "" : "before the peer's last message")}{(ownDone ? "" : ", before its own last ack")}): "
                    + $"{ex.GetType().Name}: {ex.Message}");
            }
        }

        private void Expect(int got, int expected, string what)
        {
            if (got != expected && Problems.Count < 5)
            {
                Problems.Enqueue($"{what} {got} arrived when {expected} was next");
            }
        }
    }
}
