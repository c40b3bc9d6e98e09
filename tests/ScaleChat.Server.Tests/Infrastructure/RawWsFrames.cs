using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace ScaleChat.Server.Tests.Infrastructure;

/// <summary>A hand-written upgrade request: every part can be changed, or the whole head replaced.</summary>
public sealed record RawUpgrade
{
    public string Method { get; init; } = "GET";

    public string Path { get; init; } = "/ws";

    public string HttpVersion { get; init; } = "HTTP/1.1";

    /// <summary><c>scalechat.v1</c>, another value, or null for no Sec-WebSocket-Protocol (legacy).</summary>
    public string? Subprotocol { get; init; } = "scalechat.v1";

    /// <summary>Lines added after the usual headers, e.g. "X-Padding: ...".</summary>
    public IReadOnlyList<string> ExtraHeaders { get; init; } = [];

    /// <summary>When set, sent instead of everything above.</summary>
    public byte[]? RawHead { get; init; }

    public byte[] ToBytes(string host)
    {
        if (RawHead is not null)
        {
            return RawHead;
        }

        var head = new StringBuilder()
            .Append($"{Method} {Path} {HttpVersion}\r\n")
            .Append($"Host: {host}\r\n")
            .Append("Upgrade: websocket\r\n")
            .Append("Connection: Upgrade\r\n")
            .Append("Sec-WebSocket-Version: 13\r\n")
            .Append($"Sec-WebSocket-Key: {Convert.ToBase64String(RandomNumberGenerator.GetBytes(16))}\r\n");
        if (Subprotocol is not null)
        {
            head.Append($"Sec-WebSocket-Protocol: {Subprotocol}\r\n");
        }

        foreach (var line in ExtraHeaders)
        {
            head.Append(line).Append("\r\n");
        }

        return Encoding.Latin1.GetBytes(head.Append("\r\n").ToString());
    }
}

/// <summary>The head of an HTTP answer.</summary>
public sealed record HttpHead(int Status, string StatusLine, IReadOnlyDictionary<string, string> Headers)
{
    public static HttpHead Parse(string head)
    {
        var lines = head.Split("\r\n");
        var parts = lines[0].Split(' ', 3);
        var status = parts.Length >= 2 && int.TryParse(parts[1], System.Globalization.CultureInfo.InvariantCulture, out var code) ? code : 0;
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var line in lines.Skip(1))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon > 0)
            {
                headers[line[..colon].Trim()] = line[(colon + 1)..].Trim();
            }
        }

        return new HttpHead(status, lines[0], headers);
    }
}

/// <summary>WebSocket opcodes (RFC 6455 section 5.2); 0x3-0x7 and 0xB-0xF are reserved.</summary>
public static class WsOpcode
{
    public const int Continuation = 0x0, Text = 0x1, Binary = 0x2, Close = 0x8, Ping = 0x9, Pong = 0xA;
}

/// <summary>
/// One WebSocket frame, written exactly as described: any opcode (reserved ones too), FIN, RSV bits,
/// masked or not, any payload length (control frames over 125 bytes included).
/// </summary>
public sealed record WsFrame(int Opcode, byte[] Payload, bool Fin = true, int Rsv = 0, bool Masked = true)
{
    public static WsFrame Text(string text, bool fin = true) => new(WsOpcode.Text, Encoding.UTF8.GetBytes(text), fin);

    /// <summary>A close frame with <paramref name="code"/>.</summary>
    public static WsFrame CloseWith(int code)
    {
        var payload = new byte[2];
        BinaryPrimitives.WriteUInt16BigEndian(payload, (ushort)code);
        return new WsFrame(WsOpcode.Close, payload);
    }

    public byte[] Encode()
    {
        var header = new List<byte>(14) { (byte)((Fin ? 0x80 : 0) | ((Rsv & 0x07) << 4) | (Opcode & 0x0F)) };
        var mask = Masked ? 0x80 : 0;
        if (Payload.Length < 126)
        {
            header.Add((byte)(mask | Payload.Length));
        }
        else if (Payload.Length <= ushort.MaxValue)
        {
            header.Add((byte)(mask | 126));
            header.Add((byte)(Payload.Length >> 8));
            header.Add((byte)Payload.Length);
        }
        else
        {
            header.Add((byte)(mask | 127));
            var length = new byte[8];
            BinaryPrimitives.WriteUInt64BigEndian(length, (ulong)Payload.Length);
            header.AddRange(length);
        }

        var key = Masked ? RandomNumberGenerator.GetBytes(4) : [];
        header.AddRange(key);
        var bytes = new byte[header.Count + Payload.Length];
        header.CopyTo(bytes);
        for (var i = 0; i < Payload.Length; i++)
        {
            bytes[header.Count + i] = Masked ? (byte)(Payload[i] ^ key[i % 4]) : Payload[i];
        }

        return bytes;
    }
}
