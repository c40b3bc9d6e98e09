using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Net.WebSockets;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using ScaleChat.Protocol;
using ScaleChat.Server.Hub;

namespace ScaleChat.Server.Hosting;

/// <summary>
/// Serves a plain WebSocket upgrade to <c>/ws</c> or <c>/ws/{room}</c> straight from the connection,
/// without the HTTP request objects that ASP.NET Core keeps alive for the whole life of an upgraded
/// request: that is most of what an idle connection costs. Anything else (other paths, a room that
/// breaks the name rules, an unusual handshake, a server at its limit) goes on unchanged to the
/// normal HTTP pipeline, which answers it as the <c>/ws</c> endpoint does: both paths ask the same
/// <see cref="UpgradePolicy"/>. It runs before Kestrel's TLS, so it serves plain <c>ws://</c> endpoints only
/// (a TLS proxy in front keeps the saving); on an https:// endpoint everything goes through the pipeline.
/// </summary>
internal sealed class UpgradeFastPath(ConnectionDelegate next, IServiceProvider services)
{
    private const int MaxHeadBytes = 8 * 1024;
    private static readonly byte[] HeadEnd = "\r\n\r\n"u8.ToArray();

    private HashSet<int>? _portsNotServed;

    /// <summary>
    /// Kestrel keeps this task, and the state of whatever it awaits, for the connection's whole life:
    /// the handshake's state (the head, the parsed request, its strings) is let go once it is done,
    /// and what is left is the connection's run and the two things to give back after it.
    /// </summary>
    public async Task OnConnectionAsync(ConnectionContext context)
    {
        var (run, socket) = await AcceptAsync(context);
        if (socket is null)
        {
            await run;
            return;
        }

        try
        {
            await run;
        }
        finally
        {
            socket.Dispose();
            services.GetRequiredService<ConnectionLimiter>().Release();
        }
    }

    /// <summary>
    /// Serves the handshake; returns the rest of the connection's life: ours, with its WebSocket and a
    /// connection-limit slot to give back, or the HTTP pipeline's.
    /// </summary>
    private async Task<(Task Run, TransportWebSocket? Socket)> AcceptAsync(ConnectionContext context)
    {
        if (context.LocalEndPoint is IPEndPoint local && PortsNotServed().Contains(local.Port))
        {
            // An https:// endpoint: TLS comes after this middleware, so what arrives here is encrypted, and
            // a request in clear text must not be served on it either. Or the admin listener: no chat there.
            return (next(context), null);
        }

        var options = services.GetRequiredService<ChatServerOptions>();
        var limits = services.GetRequiredService<IOptions<KestrelServerOptions>>().Value.Limits;
        var maxHead = (int)Math.Min(MaxHeadBytes, limits.MaxRequestHeadersTotalSize);
        var input = context.Transport.Input;
        ReadResult result;
        long headLength;
        using (var timeout = new CancellationTokenSource(options.HandshakeTimeout))
        using (timeout.Token.UnsafeRegister(static state => ((PipeReader)state!).CancelPendingRead(), input))
        {
            while (true)
            {
                result = await input.ReadAsync();
                headLength = IndexAfterHead(result.Buffer);
                if (headLength >= 0 || result.IsCompleted || result.IsCanceled || result.Buffer.Length > maxHead)
                {
                    break;
                }

                input.AdvanceTo(result.Buffer.Start, result.Buffer.End);
            }
        }

        var buffer = result.Buffer;
        if (result.IsCanceled && headLength < 0)
        {
            // No request head within the handshake timeout: the connection ends here, on this path as
            // on the HTTP pipeline's (whose header timeout is the same).
            input.AdvanceTo(buffer.End);
            services.GetRequiredService<ChatHub>().Metrics.ConnectionRefused("handshake_timeout");
            context.Abort(new ConnectionAbortedException("no request head within the handshake timeout"));
            return (Task.CompletedTask, null);
        }

        // Only a small, plain head is served here; anything larger or with many headers goes to the
        // HTTP pipeline, whose limits (431) then apply exactly as to every other request.
        var limiter = services.GetRequiredService<ConnectionLimiter>();
        UpgradeVerdict verdict = default;
        if (headLength < 0 || headLength > maxHead || !TryParse(buffer.Slice(0, headLength), limits.MaxRequestHeaderCount, out var lean)
            || (verdict = await services.GetRequiredService<UpgradePolicy>().CheckAsync(lean.Request)).Refusal is not null || !limiter.TryAcquire())
        {
            input.AdvanceTo(buffer.Start); // consume nothing: the HTTP pipeline reads the same bytes
            return (next(context), null);
        }

        TransportWebSocket? socket = null;
        try
        {
            input.AdvanceTo(buffer.GetPosition(headLength));
            socket = new TransportWebSocket(context, lean.Request.V1 ? ProtocolConstants.SubprotocolV1 : null, services.GetRequiredService<KeepAlive>());
            await socket.WriteHandshakeAsync(Accept(lean)); // the 101 goes the way every later frame goes
            return (ChatEndpoints.RunConnectionAsync(socket, lean.Request.V1, lean.Request.Room, verdict.Identity, services, socket), socket);
        }
        catch
        {
            // The peer left before its 101: the keep-alive and the limit let go of it here.
            socket?.Dispose();
            limiter.Release();
            throw;
        }
    }

    /// <summary>
    /// The ports of the https:// addresses, once they are bound (port 0 becomes the real one), and of the
    /// admin listener.
    /// </summary>
    private HashSet<int> PortsNotServed() => _portsNotServed ??= [.. services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses
        .Select(address => new Uri(address.Replace("*", "localhost", StringComparison.Ordinal).Replace("+", "localhost", StringComparison.Ordinal)))
        .Where(uri => uri.Scheme == Uri.UriSchemeHttps)
        .Select(uri => uri.Port)
        .Concat(services.GetRequiredService<AdminListener>().Ports)];

    private static long IndexAfterHead(ReadOnlySequence<byte> buffer)
    {
        var reader = new SequenceReader<byte>(buffer);
        return reader.TryReadTo(out ReadOnlySequence<byte> _, HeadEnd, advancePastDelimiter: true) ? reader.Consumed : -1;
    }

    private readonly record struct LeanUpgrade(UpgradeRequest Request, string Key);

    /// <summary>A well-formed WebSocket upgrade of ours, or false for anything the HTTP pipeline should see.</summary>
    private static bool TryParse(ReadOnlySequence<byte> head, int maxHeaders, out LeanUpgrade request)
    {
        request = default;
        var text = Encoding.Latin1.GetString(head);
        var lines = text.Split("\r\n");
        if (lines.Length - 3 > maxHeaders) // the request line and the blank line that ends the head
        {
            return false;
        }

        var requestLine = lines[0].Split(' ');
        if (requestLine is not ["GET", var target, "HTTP/1.1"])
        {
            return false;
        }

        var q = target.IndexOf('?', StringComparison.Ordinal);
        var query = q >= 0 ? target[(q + 1)..] : "";
        var path = q >= 0 ? target[..q] : target;
        string? room = null;
        if (path != "/ws")
        {
            if (!path.StartsWith("/ws/", StringComparison.Ordinal))
            {
                return false;
            }

            room = path[4..];
        }

        string? upgrade = null, connection = null, version = null, key = null, protocols = null, origin = null, host = null, authorization = null;
        foreach (var line in lines.AsSpan(1))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0)
            {
                continue;
            }

            var value = line[(colon + 1)..].Trim();
            switch (line[..colon].Trim().ToLowerInvariant())
            {
                case "upgrade": upgrade = value; break;
                case "connection": connection = value; break;
                case "sec-websocket-version": version = value; break;
                case "sec-websocket-key": key = value; break;
                case "sec-websocket-protocol": protocols = protocols is null ? value : $"{protocols},{value}"; break;
                case "origin": origin ??= value; break;
                case "host": host ??= value; break;
                case "authorization": authorization ??= value; break;
            }
        }

        if (!string.Equals(upgrade, "websocket", StringComparison.OrdinalIgnoreCase) || version != "13" || key is not { Length: 24 }
            || connection is null || !connection.Split(',').Any(t => t.Trim().Equals("upgrade", StringComparison.OrdinalIgnoreCase)))
        {
            return false;
        }

        var v1 = protocols is not null && protocols.Split(',').Any(p => p.Trim() == ProtocolConstants.SubprotocolV1);
        var token = AccessToken(query) ?? UpgradeRequest.BearerToken(authorization);
        request = new LeanUpgrade(new UpgradeRequest(IsHttp10: false, room, v1, origin, host, token), key);
        return true;
    }

    /// <summary>The <c>access_token</c> parameter of a query string, as the HTTP pipeline's query would read it.</summary>
    private static string? AccessToken(string query)
    {
        foreach (var pair in query.Split('&'))
        {
            if (pair.StartsWith("access_token=", StringComparison.Ordinal))
            {
                return Uri.UnescapeDataString(pair["access_token=".Length..].Replace('+', ' '));
            }
        }

        return null;
    }

    private static byte[] Accept(LeanUpgrade request)
    {
        var accept = Convert.ToBase64String(SHA1.HashData(Encoding.ASCII.GetBytes(request.Key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11")));
        var protocol = request.Request.V1 ? $"Sec-WebSocket-Protocol: {ProtocolConstants.SubprotocolV1}\r\n" : "";
        return Encoding.ASCII.GetBytes(
            $"HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Accept: {accept}\r\n{protocol}\r\n");
    }
}
