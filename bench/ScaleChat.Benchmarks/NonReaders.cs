using System.Buffers.Binary;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Security.Cryptography;
using System.Text;
using ScaleChat.Client;

namespace ScaleChat.Benchmarks;

/// <summary>
/// Clients that ask for long answers and never read them. The room's history is filled with
/// messages whose text is all control characters (one byte each in UTF-8, six once the server
/// escapes them), then raw TCP clients with a tiny receive buffer join the room and ask for the
/// whole history several times without ever reading: nothing on the client side holds the bytes
/// for them, so whatever the answers cost stays in the server.
/// </summary>
internal static class NonReaders
{
    // Linux doubles it and keeps a floor of a few KB: the window the server may fill stays tiny.
    public const int ReceiveBufferBytes = 4096;

    /// <summary>
    /// Fills <paramref name="room"/> with <paramref name="messages"/> texts of <paramref name="textBytes"/>
    /// control characters, spread over several connections each paced under the server's rate limit
    /// (the server keeps its default limits). Returns the rate-limit rejections seen (0 expected).
    /// </summary>
    public static async Task<long> FillAsync(Uri url, string room, int messages, int textBytes, int fillers)
    {
        var text = new string('\u0001', textBytes);
        long rejected = 0;
        var share = (messages + fillers - 1) / fillers;
        await Task.WhenAll(Enumerable.Range(0, fillers).Select(f => Task.Run(async () =>
        {
            await using var client = new ChatClient(new ChatClientOptions { Url = url, Name = $"filler{f}", Reconnect = false });
            await client.ConnectAsync();
            await client.JoinAsync(room);

            // 80 % of the announced steady rate: the bucket never runs dry, whatever the burst.
            var interval = TimeSpan.FromSeconds(1 / (0.8 * client.Limits.MessagesPerSecond));
            var clock = Stopwatch.StartNew();
            var count = Math.Min(share, messages - (f * share));
            for (var i = 0; i < count; i++)
            {
                var wait = (interval * i) - clock.Elapsed;
                if (wait > TimeSpan.Zero)
                {
                    await Task.Delay(wait);
                }

                try
                {
                    await client.SendAsync(room, text);
                }
                catch (ChatServerException ex) when (ex.Code == Protocol.ErrorCodes.RateLimited)
                {
                    Interlocked.Increment(ref rejected);
                    i--;
                    await Task.Delay(interval);
                }
            }
        })));
        return rejected;
    }

    /// <summary>
    /// Asks for <paramref name="limit"/> messages of history once, as a reading client, and returns
    /// the size of the frame that carries the answer (or the close code, when the server closes instead).
    /// </summary>
    public static async Task<(long Bytes, string Outcome)> MeasureAnswerAsync(Uri url, string room, int limit)
    {
        using var socket = new ClientWebSocket();
        socket.Options.AddSubProtocol("scalechat.v1");
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await socket.ConnectAsync(new Uri($"{url}/{room}"), timeout.Token);
        await socket.SendAsync("{\"type\":\"hello\",\"name\":\"measure\"}"u8.ToArray(), WebSocketMessageType.Text, true, timeout.Token);
        var buffer = new byte[64 * 1024];
        var sent = false;
        while (true)
        {
            long bytes = 0;
            var head = new List<byte>();
            WebSocketReceiveResult result;
            do
            {
                result = await socket.ReceiveAsync(buffer, timeout.Token);
                bytes += result.Count;
                if (head.Count < 64)
                {
                    head.AddRange(buffer.AsSpan(0, Math.Min(result.Count, 64)).ToArray());
                }
            }
            while (!result.EndOfMessage && result.MessageType != WebSocketMessageType.Close);

            if (result.MessageType == WebSocketMessageType.Close)
            {
                return (0, $"closed {(int?)result.CloseStatus} {result.CloseStatusDescription}");
            }

            var start = Encoding.UTF8.GetString([.. head]);
            if (!sent && start.Contains("\"welcome\"", StringComparison.Ordinal))
            {
                var ask = $"{{\"type\":\"history\",\"room\":\"{room}\",\"limit\":{limit}}}";
                await socket.SendAsync(Encoding.UTF8.GetBytes(ask), WebSocketMessageType.Text, true, timeout.Token);
                sent = true;
            }
            else if (sent)
            {
                // Nothing else happens in the room meanwhile: the next frame is the answer, whatever it is.
                await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "", timeout.Token);
                return (bytes, start.Contains("\"type\":\"history\"", StringComparison.Ordinal) ? "answered" : "answered with: " + start);
            }
        }
    }

    /// <summary>Opens one raw WebSocket to <c>/ws/{room}</c> (version 1) and says hello; it is never read again.</summary>
    public static async Task<Socket> ConnectAsync(int port, string room, string name)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp)
        {
            ReceiveBufferSize = ReceiveBufferBytes,
            NoDelay = true,
        };
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port), timeout.Token);
            var key = Convert.ToBase64String(RandomNumberGenerator.GetBytes(16));
            var request = $"GET /ws/{room} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + $"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: scalechat.v1\r\n\r\n";
            await socket.SendAsync(Encoding.ASCII.GetBytes(request), SocketFlags.None, timeout.Token);

            // Read the answer's head byte by byte, so not one byte of what follows is taken.
            var head = new StringBuilder();
            var one = new byte[1];
            while (!head.ToString().EndsWith("\r\n\r\n", StringComparison.Ordinal))
            {
                if (await socket.ReceiveAsync(one, SocketFlags.None, timeout.Token) == 0 || head.Length > 4096)
                {
                    throw new IOException("the server closed during the WebSocket handshake");
                }

                head.Append((char)one[0]);
            }

            if (!head.ToString().StartsWith("HTTP/1.1 101", StringComparison.Ordinal))
            {
                throw new IOException($"the server refused the upgrade: {head.ToString().Split('\r')[0]}");
            }

            await SendTextAsync(socket, $"{{\"type\":\"hello\",\"name\":\"{name}\"}}");
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Sends one masked text frame (every client frame must be masked).</summary>
    public static async Task SendTextAsync(Socket socket, string json)
    {
        var payload = Encoding.UTF8.GetBytes(json);
        if (payload.Length > ushort.MaxValue)
        {
            throw new ArgumentException("frame too long for this probe", nameof(json));
        }

        var header = payload.Length < 126 ? 2 : 4;
        var frame = new byte[header + 4 + payload.Length];
        frame[0] = 0x81; // FIN, text
        if (payload.Length < 126)
        {
            frame[1] = (byte)(0x80 | payload.Length);
        }
        else
        {
            frame[1] = 0x80 | 126;
            BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(2), (ushort)payload.Length);
        }

        var mask = RandomNumberGenerator.GetBytes(4);
        mask.CopyTo(frame, header);
        for (var i = 0; i < payload.Length; i++)
        {
            frame[header + 4 + i] = (byte)(payload[i] ^ mask[i % 4]);
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await socket.SendAsync(frame, SocketFlags.None, timeout.Token);
    }
}
