namespace ScaleChat.Server.Tests.Infrastructure;

/// <summary>
/// Frames that break the WebSocket protocol itself (RFC 6455), each with the close code the server
/// must answer: 1002 for a protocol error, 1007 for text (or a close reason) that is not UTF-8.
/// </summary>
public static class Violations
{
    private static readonly byte[] Ping = "{\"type\":\"ping\"}"u8.ToArray();

    /// <summary>Every kind, by name (the names the theories use).</summary>
    public static readonly IReadOnlyList<string> Kinds =
    [
        "rsv-bit", "unmasked-frame", "reserved-opcode", "control-frame-over-125-bytes",
        "fragmented-control-frame", "stray-continuation", "invalid-utf8", "close-code-not-for-peers", "close-reason-not-utf8",
    ];

    /// <summary>The close code the server must send for <paramref name="kind"/>.</summary>
    public static int CloseCode(string kind) => kind is "invalid-utf8" or "close-reason-not-utf8" ? 1007 : 1002;

    /// <summary>The frame of <paramref name="kind"/>; <paramref name="random"/> varies the details (which bit, which opcode).</summary>
    public static WsFrame Frame(string kind, Random? random = null)
    {
        random ??= new Random(0);
        return kind switch
        {
            // No extension was negotiated, so every RSV bit must be 0.
            "rsv-bit" => new WsFrame(WsOpcode.Text, Ping, Rsv: 1 << random.Next(3)),
            // Every frame from a client must be masked.
            "unmasked-frame" => new WsFrame(WsOpcode.Text, Ping, Masked: false),
            "reserved-opcode" => new WsFrame(random.Next(2) == 0 ? random.Next(0x3, 0x8) : random.Next(0xB, 0x10), Ping),
            "control-frame-over-125-bytes" => new WsFrame(random.Next(2) == 0 ? WsOpcode.Ping : WsOpcode.Pong, new byte[126 + random.Next(200)]),
            "fragmented-control-frame" => new WsFrame(WsOpcode.Ping, "x"u8.ToArray(), Fin: false),
            "stray-continuation" => new WsFrame(WsOpcode.Continuation, Ping),
            // 0xFF never appears in UTF-8; 0xC3 0x28 is a broken two-byte sequence.
            "invalid-utf8" => new WsFrame(WsOpcode.Text, random.Next(2) == 0 ? [0x7B, 0xFF, 0x7D] : [0x7B, 0x22, 0xC3, 0x28, 0x22, 0x7D]),
            // 1005 and 1006 only report what happened; 1004 and 1015 are reserved; 5000 and up do not exist.
            "close-code-not-for-peers" => WsFrame.CloseWith(new[] { 1004, 1005, 1006, 1015, 999, 5000 }[random.Next(6)]),
            "close-reason-not-utf8" => new WsFrame(WsOpcode.Close, [0x03, 0xE8, 0x6F, 0xFF]),
            _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "unknown violation"),
        };
    }
}
