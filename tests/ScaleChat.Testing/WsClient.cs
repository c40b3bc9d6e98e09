using System.Net.WebSockets;
using System.Text;
using System.Text.Json;

namespace ScaleChat.Testing;

/// <summary>
/// A raw WebSocket test client: sends exactly the bytes a test gives it (bad ones included) and
/// reads objects one by one, splitting batched frames on '\n'. Every wait has a timeout.
/// </summary>
public sealed class WsClient : IAsyncDisposable
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    private readonly ClientWebSocket _socket;
    private readonly Queue<JsonElement> _pending = new();
    private readonly byte[] _buffer = new byte[1 << 20];

    private WsClient(ClientWebSocket socket) => _socket = socket;

    public ClientWebSocket Socket => _socket;

    /// <summary>The frames received so far, as text (for checks of batching and legacy framing).</summary>
    public int FramesReceived { get; private set; }

    /// <summary>Connects; <paramref name="subprotocol"/> null speaks the legacy format.</summary>
    public static async Task<WsClient> ConnectAsync(Uri url, string? subprotocol = "scalechat.v1")
    {
        var socket = new ClientWebSocket();
        if (subprotocol is not null)
        {
            socket.Options.AddSubProtocol(subprotocol);
        }

        using var cts = new CancellationTokenSource(Timeout);
        await socket.ConnectAsync(url, cts.Token);
        return new WsClient(socket);
    }

    /// <summary>Connects with version 1 and completes the handshake; returns the client and its welcome.</summary>
    /// <param name="nameKey">The key of the name's hold, to share a name another connection holds.</param>
    public static async Task<(WsClient Client, JsonElement Welcome)> HelloAsync(Uri url, string name, bool presence = false, string? nameKey = null)
    {
        var client = await ConnectAsync(url);
        await client.SendAsync(new { type = "hello", name, presence, nameKey });
        var welcome = await client.ExpectAsync("welcome");
        return (client, welcome);
    }

    public Task SendAsync(object value) => SendTextAsync(JsonSerializer.Serialize(value));

    public Task SendTextAsync(string text) => SendBytesAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text);

    public async Task SendBytesAsync(byte[] bytes, WebSocketMessageType type)
    {
        using var cts = new CancellationTokenSource(Timeout);
        await _socket.SendAsync(bytes, type, endOfMessage: true, cts.Token);
    }

    /// <summary>The next object, or throws on timeout or close.</summary>
    public async Task<JsonElement> ReceiveAsync(TimeSpan? timeout = null)
    {
        while (_pending.Count == 0)
        {
            var text = await ReceiveFrameAsync(timeout ?? Timeout) ?? throw new WebSocketException($"closed: {_socket.CloseStatus} {_socket.CloseStatusDescription}");
            foreach (var line in text.Split('\n'))
            {
                _pending.Enqueue(JsonDocument.Parse(line).RootElement.Clone());
            }
        }

        return _pending.Dequeue();
    }

    /// <summary>The next whole frame as text; null when the server closed.</summary>
    public async Task<string?> ReceiveFrameAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        var length = 0;
        while (true)
        {
            var result = await _socket.ReceiveAsync(_buffer.AsMemory(length), cts.Token);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                return null;
            }

            length += result.Count;
            if (result.EndOfMessage)
            {
                FramesReceived++;
                return Encoding.UTF8.GetString(_buffer, 0, length);
            }
        }
    }

    /// <summary>Skips objects until one of <paramref name="type"/> arrives.</summary>
    public async Task<JsonElement> ExpectAsync(string type, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? Timeout);
        while (true)
        {
            var remaining = deadline - DateTime.UtcNow;
            if (remaining <= TimeSpan.Zero)
            {
                throw new TimeoutException($"no '{type}' in time");
            }

            var element = await ReceiveAsync(remaining);
            if (element.GetProperty("type").GetString() == type)
            {
                return element;
            }
        }
    }

    /// <summary>Reads until the server closes; returns its close code (objects before it are returned too).</summary>
    public async Task<(int Code, List<JsonElement> Before)> ExpectCloseAsync(TimeSpan? timeout = null)
    {
        var before = new List<JsonElement>(_pending);
        _pending.Clear();
        var deadline = DateTime.UtcNow + (timeout ?? Timeout);
        while (true)
        {
            var text = await ReceiveFrameAsync(deadline - DateTime.UtcNow);
            if (text is null)
            {
                return ((int)_socket.CloseStatus!, before);
            }

            foreach (var line in text.Split('\n'))
            {
                before.Add(JsonDocument.Parse(line).RootElement.Clone());
            }
        }
    }

    private long _drainedBytes;

    /// <summary>Bytes read by <see cref="DrainAsync"/> so far.</summary>
    public long DrainedBytes => Interlocked.Read(ref _drainedBytes);

    /// <summary>Reads and drops everything until <paramref name="stop"/> (or the server closes).</summary>
    public async Task DrainAsync(CancellationToken stop)
    {
        try
        {
            while (!stop.IsCancellationRequested)
            {
                var result = await _socket.ReceiveAsync(_buffer, stop);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    return;
                }

                Interlocked.Add(ref _drainedBytes, result.Count);
            }
        }
        catch (OperationCanceledException)
        {
            // Stopped as asked; the socket is unusable afterwards.
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_socket.State == WebSocketState.Open)
        {
            try
            {
                using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                await _socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "", cts.Token);
            }
            catch (Exception ex) when (ex is WebSocketException or OperationCanceledException)
            {
                // The server may already be gone.
            }
        }

        _socket.Dispose();
    }
}

public static class JsonElementExtensions
{
    public static string? Str(this JsonElement e, string name) => e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    public static long Long(this JsonElement e, string name) => e.GetProperty(name).GetInt64();

    public static string Type(this JsonElement e) => e.Str("type")!;
}
