using System.Net.WebSockets;
using System.Text;
using ScaleChat.Server.Tests.Infrastructure;

namespace ScaleChat.Server.Tests;

/// <summary>
/// The fuzz connections. Each worker draws its inputs from its own Random (seed and worker number),
/// so a seed gives every worker the same inputs in the same order; where the server closes a
/// connection decides only which of them a new connection carries on with.
/// </summary>
public sealed partial class FuzzTests
{
    private const int MaxFrameBytes = 65536;
    private const int RecentInputs = 64;

    /// <summary>Version 1 after hello: batches of one to eight objects per frame.</summary>
    private static async Task RunV1WorkerAsync(TestServer server, int seed, int worker, Findings findings, CancellationToken stop)
    {
        var inputs = new Random(seed + (worker * 7919));
        var choices = new Random(seed - worker);
        var recent = new Queue<string>();
        var done = 0;
        for (var generation = 0; done < V1InputsPerWorker && !stop.IsCancellationRequested; generation++)
        {
            using var socket = await FuzzSocket.ConnectAsync(server.RoomUrl(Pick(choices, ["fz0", "fz1", CleanRoom])), v1: true, findings);
            await socket.SendAsync(Encoding.UTF8.GetBytes($"{{\"type\":\"hello\",\"name\":\"fz-w{worker}-{generation}\",\"presence\":true}}"));
            int?[]? expected = null; // the close codes an input that ends the connection gets
            while (done < V1InputsPerWorker && !stop.IsCancellationRequested && socket.IsOpen && expected is null)
            {
                var count = inputs.Next(1, 9);
                var frame = string.Join('\n', Enumerable.Range(0, count).Select(_ => V1Input(inputs)));
                var binary = inputs.Next(5000) == 0;
                var bytes = Encoding.UTF8.GetBytes(frame);
                var oversize = bytes.Length > MaxFrameBytes;
                expected = binary && oversize ? [1003, 1009] : binary ? [1003] : oversize ? [1009] : null;
                Remember(recent, frame);
                if (!await socket.SendAsync(bytes, binary ? WebSocketMessageType.Binary : WebSocketMessageType.Text))
                {
                    break;
                }

                done += count;
                findings.Input("v1", count);
            }

            var code = await socket.EndAsync(closeFirst: expected is null);
            findings.Closed("v1", code, expected ?? [1000], [.. recent]);
        }
    }

    /// <summary>Legacy clients (no subprotocol): one frame of either shape at a time.</summary>
    private static async Task RunLegacyWorkerAsync(TestServer server, int seed, Findings findings, CancellationToken stop)
    {
        var inputs = new Random(seed + 1_000_003);
        var choices = new Random(seed - 1_000_003);
        var recent = new Queue<string>();
        var done = 0;
        while (done < LegacyInputs && !stop.IsCancellationRequested)
        {
            using var socket = await FuzzSocket.ConnectAsync(server.RoomUrl(Pick(choices, ["fz0", "fz2", CleanRoom])), v1: false, findings);
            int? expected = null;
            while (done < LegacyInputs && !stop.IsCancellationRequested && socket.IsOpen && expected is null)
            {
                var frame = LegacyInput(inputs);
                var bytes = Encoding.UTF8.GetBytes(frame);
                expected = bytes.Length > MaxFrameBytes ? 1009 : null;
                Remember(recent, frame);
                if (!await socket.SendAsync(bytes))
                {
                    break;
                }

                done++;
                findings.Input("legacy");
            }

            // A legacy text over maxMessageBytes closes with 1009 too (legacy clients get no errors).
            var code = await socket.EndAsync(closeFirst: expected is null);
            findings.Closed("legacy", code, expected is null ? [1000, 1009] : [expected], [.. recent]);
        }
    }

    /// <summary>
    /// Short version-1 connections that send one to four inputs (mostly mutated hellos) before a
    /// valid hello: the answer is a welcome, or bad_request and a 1008 close.
    /// </summary>
    private static async Task RunBeforeHelloWorkerAsync(TestServer server, int seed, Findings findings, CancellationToken stop)
    {
        var inputs = new Random(seed + 2_000_003);
        for (var i = 0; i < BeforeHelloConnections && !stop.IsCancellationRequested; i++)
        {
            using var socket = await FuzzSocket.ConnectAsync(i % 2 == 0 ? server.WsUrl : server.RoomUrl("fz1"), v1: true, findings);
            var sent = new List<string>();
            var oversize = false;
            for (var n = inputs.Next(1, 5); n > 0 && socket.IsOpen; n--)
            {
                var frame = V1Input(inputs, beforeHello: true);
                var bytes = Encoding.UTF8.GetBytes(frame);
                oversize |= bytes.Length > MaxFrameBytes;
                sent.Add(frame);
                if (!await socket.SendAsync(bytes))
                {
                    break;
                }

                findings.Input("before-hello");
            }

            await socket.SendAsync(Encoding.UTF8.GetBytes($"{{\"type\":\"hello\",\"name\":\"fz-pre-{i}\"}}"));
            var welcomed = await socket.MarkedAsync(TimeSpan.FromSeconds(5));
            var code = await socket.EndAsync(closeFirst: welcomed);
            findings.Closed("before-hello", code, oversize ? [1000, 1008, 1009] : welcomed ? [1000] : [1008], sent);
        }
    }

    /// <summary>
    /// Short raw connections: WebSocket protocol violations, invalid UTF-8, random frame bytes, and
    /// valid fragmented messages, each on a connection of its own that the client then drops.
    /// </summary>
    private static async Task RunRawWorkerAsync(TestServer server, int seed, Findings findings, CancellationToken stop)
    {
        var random = new Random(seed + 3_000_017);
        for (var i = 0; i < RawConnections && !stop.IsCancellationRequested; i++)
        {
            var v1 = random.Next(3) > 0;
            using var raw = await RawWsClient.OpenAsync(server.HttpUrl);
            findings.Connected();
            var head = await raw.UpgradeAsync(new RawUpgrade { Path = random.Next(2) == 0 ? "/ws" : "/ws/fz2", Subprotocol = v1 ? "scalechat.v1" : null });
            if (head.Status != 101)
            {
                findings.Problem($"a raw upgrade was answered '{head.StatusLine}'");
                continue;
            }

            var hello = v1 && random.Next(2) == 0;
            if (hello)
            {
                await raw.SendTextAsync($"{{\"type\":\"hello\",\"name\":\"fz-raw-{i}\"}}");
                await raw.ExpectAsync("welcome");
            }

            var kind = random.Next(Violations.Kinds.Count + 3);
            string input;
            IReadOnlyCollection<int?> allowed;
            if (kind < Violations.Kinds.Count)
            {
                var frame = Violations.Frame(Violations.Kinds[kind], random).Encode();
                await raw.SendRawAsync(frame);
                input = $"{Violations.Kinds[kind]}: {Convert.ToHexString(frame.AsSpan(0, Math.Min(40, frame.Length)))}";
                allowed = [Violations.CloseCode(Violations.Kinds[kind])];
            }
            else if (kind == Violations.Kinds.Count)
            {
                var payload = InvalidUtf8(random);
                await raw.SendFrameAsync(new WsFrame(WsOpcode.Text, payload));
                input = "invalid UTF-8: " + Convert.ToHexString(payload);
                allowed = [1007];
            }
            else if (kind == Violations.Kinds.Count + 1)
            {
                var garbage = new byte[random.Next(1, 64)];
                random.NextBytes(garbage);
                await raw.SendRawAsync(garbage);
                input = "random bytes: " + Convert.ToHexString(garbage);
                allowed = [1002, 1003, 1007, 1008, 1009, null];
            }
            else
            {
                // Valid: a text message in three fragments with a ping between them.
                var text = v1 ? "{\"type\":\"ping\",\"ref\":\"frag\"}" : "{\"clientId\":\"fz-frag\",\"message\":\"in pieces\"}";
                await raw.SendFrameAsync(WsFrame.Text(text[..5], fin: false));
                await raw.SendFrameAsync(new WsFrame(WsOpcode.Ping, "p"u8.ToArray()));
                await raw.SendFrameAsync(new WsFrame(WsOpcode.Continuation, Encoding.UTF8.GetBytes(text[5..12]), Fin: false));
                await raw.SendFrameAsync(new WsFrame(WsOpcode.Continuation, Encoding.UTF8.GetBytes(text[12..])));
                input = "fragmented: " + text;
                allowed = hello ? [null] : v1 ? [1008] : [null];
            }

            findings.Input("raw");
            int? code;
            try
            {
                code = await raw.ExpectCloseAsync(TimeSpan.FromMilliseconds(allowed.Contains(null) ? 300 : 3000));
            }
            catch (TimeoutException)
            {
                code = null; // nothing came back: the client drops the connection anyway
            }

            findings.Closed("raw", code, allowed, [input]);
            if (i % 2 == 0)
            {
                raw.Close();
            }
            else
            {
                raw.Reset();
            }
        }
    }

    private static byte[] InvalidUtf8(Random random)
    {
        var payload = new byte[random.Next(1, 40)];
        random.NextBytes(payload);
        payload[random.Next(payload.Length)] = Pick(random, new byte[] { 0xFF, 0xFE, 0xC0, 0xC1, 0xF5 }); // never in UTF-8
        return payload;
    }

    private static void Remember(Queue<string> recent, string frame)
    {
        recent.Enqueue(frame);
        if (recent.Count > RecentInputs)
        {
            recent.Dequeue();
        }
    }

    /// <summary>
    /// A fuzz connection on the real client WebSocket: one sender, and a reader that drains
    /// everything, notices 'internal' errors and welcomes, and records the server's close code.
    /// </summary>
    private sealed class FuzzSocket : IDisposable
    {
        private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

        private readonly ClientWebSocket _socket;
        private readonly Findings _findings;
        private readonly TaskCompletionSource<int?> _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _marked = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly byte[] _marker;

        private FuzzSocket(ClientWebSocket socket, Findings findings, byte[] marker)
        {
            _socket = socket;
            _findings = findings;
            _marker = marker;
            _ = ReadAsync();
        }

        public bool IsOpen => _socket.State == WebSocketState.Open && !_closed.Task.IsCompleted;

        /// <summary>Connects; <paramref name="marker"/> is the text <see cref="MarkedAsync"/> waits for (a welcome by default).</summary>
        public static async Task<FuzzSocket> ConnectAsync(Uri url, bool v1, Findings findings, string marker = "\"type\":\"welcome\"")
        {
            var socket = new ClientWebSocket();
            if (v1)
            {
                socket.Options.AddSubProtocol("scalechat.v1");
            }

            using var cts = new CancellationTokenSource(Timeout);
            await socket.ConnectAsync(url, cts.Token);
            findings.Connected();
            return new FuzzSocket(socket, findings, Encoding.UTF8.GetBytes(marker));
        }

        /// <summary>Sends one frame; false when the connection is gone.</summary>
        public async Task<bool> SendAsync(byte[] bytes, WebSocketMessageType type = WebSocketMessageType.Text)
        {
            try
            {
                using var cts = new CancellationTokenSource(Timeout);
                await _socket.SendAsync(bytes, type, endOfMessage: true, cts.Token);
                return true;
            }
            catch (Exception ex) when (ex is WebSocketException or IOException or OperationCanceledException or ObjectDisposedException)
            {
                return false;
            }
        }

        /// <summary>True once the marker arrived; false when the connection closed first or nothing came in time.</summary>
        public async Task<bool> MarkedAsync(TimeSpan timeout)
        {
            var first = await Task.WhenAny(_marked.Task, _closed.Task, Task.Delay(timeout));
            return first == _marked.Task;
        }

        /// <summary>
        /// Ends the connection and returns the server's close code (null: none). With
        /// <paramref name="closeFirst"/> the client starts the close (the server answers 1000);
        /// otherwise it waits for the server's close.
        /// </summary>
        public async Task<int?> EndAsync(bool closeFirst)
        {
            if (closeFirst && _socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
            {
                try
                {
                    using var cts = new CancellationTokenSource(Timeout);
                    await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "", cts.Token);
                }
                catch (Exception ex) when (ex is WebSocketException or IOException or OperationCanceledException)
                {
                    // The server closed first; its code is what counts.
                }
            }

            var first = await Task.WhenAny(_closed.Task, Task.Delay(TimeSpan.FromSeconds(5)));
            return first == _closed.Task ? await _closed.Task : -1; // -1: no close in time
        }

        public void Dispose() => _socket.Dispose();

        private async Task ReadAsync()
        {
            var buffer = new byte[64 * 1024];
            var message = new MemoryStream();
            try
            {
                while (true)
                {
                    var result = await _socket.ReceiveAsync(buffer, CancellationToken.None);
                    if (result.MessageType == WebSocketMessageType.Close)
                    {
                        _closed.TrySetResult((int?)_socket.CloseStatus);
                        return;
                    }

                    message.Write(buffer, 0, result.Count);
                    if (result.EndOfMessage)
                    {
                        var text = message.GetBuffer().AsSpan(0, (int)message.Length);
                        if (text.IndexOf("\"code\":\"internal\""u8) >= 0)
                        {
                            _findings.InternalError(Encoding.UTF8.GetString(text));
                        }

                        if (text.IndexOf(_marker) >= 0)
                        {
                            _marked.TrySetResult();
                        }

                        message.SetLength(0);
                    }
                }
            }
            catch (Exception ex) when (ex is WebSocketException or IOException or OperationCanceledException or ObjectDisposedException or InvalidOperationException)
            {
                _closed.TrySetResult(null);
            }
        }
    }
}
