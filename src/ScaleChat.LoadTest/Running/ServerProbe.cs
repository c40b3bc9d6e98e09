using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using ScaleChat.LoadTest.Clients;
using ScaleChat.LoadTest.Workload;
using ScaleChat.Protocol;

namespace ScaleChat.LoadTest.Running;

/// <summary>
/// Connects once before the run: an unreachable server fails fast with one line, and the limits of
/// <c>welcome</c> let the plan be checked before any load is sent.
/// </summary>
public static class ServerProbe
{
    /// <summary>The server's limits (null for legacy, which has no welcome); throws <see cref="LoadException"/> when it cannot be reached.</summary>
    public static async Task<ProtocolLimits?> ProbeAsync(LoadSettings settings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        using var sources = new SourceAddresses(1);
        using var events = settings.UsesLeanPath ? EventLoop.Start() : null;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(10));
        var client = new LoadClient(0, 0, 0, 0, $"ld{settings.RunTag}-probe");
        try
        {
            await client.ConnectAsync(settings.Url, sources, settings.Legacy, events, timeout.Token).ConfigureAwait(false);
            if (settings.Legacy)
            {
                return null;
            }

            var welcome = new TaskCompletionSource<ProtocolLimits>(TaskCreationOptions.RunContinuationsAsynchronously);
            var loop = client.ReceiveLoopAsync((_, json, _) =>
            {
                if (LoadObjectReader.TryRead(json, legacy: false, out var o) && o.Kind == ServerObjectKind.Welcome)
                {
                    welcome.TrySetResult(ReadLimits(json));
                }
                else if (o.Kind == ServerObjectKind.Error)
                {
                    var code = Encoding.UTF8.GetString(o.Code);
                    var hint = code == ErrorCodes.Unauthorized && settings.TokenSecret is null ? " (a server in token mode needs --token-secret)" : "";
                    welcome.TrySetException(new LoadException($"the server refused the hello: {code}{hint}"));
                }
            });
            client.Send(LoadHello.For(client.Name, settings));
            await Task.WhenAny(welcome.Task, loop).WaitAsync(timeout.Token).ConfigureAwait(false);

            // An error then a close complete both; the close may win the race, but the error says why.
            return welcome.Task.IsCompleted ? await welcome.Task.ConfigureAwait(false)
                : throw new LoadException($"the server at {settings.Url} closed the connection before its welcome (close code {client.CloseStatus?.ToString() ?? "none"})");
        }
        catch (Exception ex) when (ex is WebSocketException or HttpRequestException or OperationCanceledException or TimeoutException or IOException or System.Net.Sockets.SocketException)
        {
            if (cancellationToken.IsCancellationRequested)
            {
                throw;
            }

            throw new LoadException($"cannot reach the server at {settings.Url}: {ConnectFailure.Describe(ex)}", ex);
        }
        finally
        {
            await client.CloseAsync(TimeSpan.FromSeconds(2)).ConfigureAwait(false);
        }
    }

    private static ProtocolLimits ReadLimits(ReadOnlySpan<byte> json)
    {
        using var document = JsonDocument.Parse(json.ToArray());
        var limits = new ProtocolLimits();
        if (!document.RootElement.TryGetProperty("limits", out var l) || l.ValueKind != JsonValueKind.Object)
        {
            return limits;
        }

        int Get(string name, int fallback) => l.TryGetProperty(name, out var v) && v.TryGetInt32(out var n) ? n : fallback;
        return new ProtocolLimits
        {
            MaxMessageBytes = Get("maxMessageBytes", limits.MaxMessageBytes),
            MaxFrameBytes = Get("maxFrameBytes", limits.MaxFrameBytes),
            MessagesPerSecond = Get("messagesPerSecond", limits.MessagesPerSecond),
            Burst = Get("burst", limits.Burst),
            MaxRooms = Get("maxRooms", limits.MaxRooms),
        };
    }
}
