using System.Net.WebSockets;
using System.Text;
using Microsoft.Extensions.Time.Testing;
using ScaleChat.Server.Connections;
using ScaleChat.Server.Hosting;
using ScaleChat.Server.Tests.Infrastructure;

namespace ScaleChat.Server.Tests.Hosting;

/// <summary>
/// The lean path's own WebSocket reads client frames straight from the transport: what a standard
/// client sends arrives whole, control frames are answered between fragments, and every broken rule
/// ends the read with the close code the connection then sends.
/// </summary>
public sealed class TransportWebSocketTests
{
    [Fact(Timeout = 20_000)]
    public async Task TextFromAStandardClientArrivesWholeHoweverItIsFragmented()
    {
        await using var link = new WebSocketLink();
        var text = Encoding.UTF8.GetBytes("{\"type\":\"send\",\"text\":\"héllo wörld 😀\"}");
        var random = new Random(3);
        for (var round = 0; round < 50; round++)
        {
            // Pieces of 1 to 7 bytes split characters between frames; the last is empty and final.
            for (var at = 0; at < text.Length;)
            {
                var size = Math.Min(random.Next(1, 8), text.Length - at);
                await link.Client.SendAsync(text.AsMemory(at, size), WebSocketMessageType.Text, endOfMessage: false, CancellationToken.None);
                at += size;
            }

            await link.Client.SendAsync(ReadOnlyMemory<byte>.Empty, WebSocketMessageType.Text, endOfMessage: true, CancellationToken.None);

            Assert.Equal(text, await ReceiveMessageAsync(link.Server));
        }
    }

    [Fact(Timeout = 20_000)]
    public async Task APingBetweenFragmentsIsAnsweredWithItsPayloadAndTheMessageGoesOn()
    {
        await using var link = new WebSocketLink();
        await link.SendRawAsync(WsFrame.Text("{\"a\":", fin: false).Encode());
        await link.SendRawAsync(new WsFrame(WsOpcode.Ping, [1, 2, 3]).Encode());
        await link.SendRawAsync(new WsFrame(WsOpcode.Pong, [9]).Encode()); // unasked: ignored
        await link.SendRawAsync(new WsFrame(WsOpcode.Continuation, "1}"u8.ToArray()).Encode());

        Assert.Equal("{\"a\":1}"u8.ToArray(), await ReceiveMessageAsync(link.Server));
        var pong = await link.ReceiveRawFrameAsync();
        Assert.Equal(WsOpcode.Pong, pong?.Opcode);
        Assert.Equal([1, 2, 3], pong?.Payload);
    }

    [Fact(Timeout = 20_000)]
    public async Task NothingFollowsTheServersCloseFrameNotEvenAPong()
    {
        await using var link = new WebSocketLink();
        await link.Server.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "", CancellationToken.None);
        Assert.Equal(WebSocketState.CloseSent, link.Server.State);
        await link.SendRawAsync(new WsFrame(WsOpcode.Ping, [7]).Encode());
        await link.SendRawAsync(WsFrame.CloseWith(1000).Encode());

        var first = await link.Server.ReceiveAsync(Memory<byte>.Empty, CancellationToken.None);
        link.Server.Dispose(); // ends the server's output after what it wrote

        Assert.Equal(WebSocketMessageType.Close, first.MessageType);
        Assert.Equal(WebSocketState.Closed, link.Server.State);
        Assert.Equal(WsOpcode.Close, (await link.ReceiveRawFrameAsync())?.Opcode);
        Assert.Null(await link.ReceiveRawFrameAsync());
    }

    [Fact(Timeout = 20_000)]
    public async Task AnIdleWaitTakesPongsItselfAndLeavesEverythingElseToTheReceive()
    {
        await using var link = new WebSocketLink();
        await link.SendRawAsync([.. new WsFrame(WsOpcode.Pong, [1]).Encode(), .. new WsFrame(WsOpcode.Pong, []).Encode()]);
        Assert.False(link.Server.EndWait(await link.Server.WaitForInputAsync())); // only pongs: wait again

        // A pong that breaks the rules is left for the receive, which refuses it.
        await link.SendRawAsync(new WsFrame(WsOpcode.Pong, [2], Fin: false).Encode());
        Assert.True(link.Server.EndWait(await link.Server.WaitForInputAsync()));
        var refused = await Assert.ThrowsAsync<WebSocketException>(() => ReceiveMessageAsync(link.Server));
        Assert.Equal(1002, ProtocolViolation.CloseCodeOf(refused));
    }

    [Fact(Timeout = 20_000)]
    public async Task AnIdleWaitLeavesAMessageAfterAPongWhole()
    {
        await using var link = new WebSocketLink();
        await link.SendRawAsync([.. new WsFrame(WsOpcode.Pong, [1]).Encode(), .. WsFrame.Text("{}").Encode()]);

        Assert.True(link.Server.EndWait(await link.Server.WaitForInputAsync()));

        Assert.Equal("{}"u8.ToArray(), await ReceiveMessageAsync(link.Server));
    }

    [Fact(Timeout = 20_000)]
    public async Task TheCloseHandshakeCompletesWithAStandardClient()
    {
        await using var link = new WebSocketLink();
        var clientClose = link.Client.CloseAsync(WebSocketCloseStatus.NormalClosure, "bye", CancellationToken.None);

        var first = await link.Server.ReceiveAsync(Memory<byte>.Empty, CancellationToken.None);

        Assert.Equal(WebSocketMessageType.Close, first.MessageType);
        Assert.Equal(WebSocketCloseStatus.NormalClosure, link.Server.CloseStatus);
        Assert.Equal("bye", link.Server.CloseStatusDescription);
        Assert.Equal(WebSocketState.CloseReceived, link.Server.State);
        await link.Server.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "", CancellationToken.None);
        await clientClose;
        Assert.Equal(WebSocketState.Closed, link.Server.State);
        Assert.Equal(WebSocketState.Closed, link.Client.State);
    }

    public static TheoryData<string, byte[], int> BrokenFrames => new()
    {
        { "a one-byte close", new WsFrame(WsOpcode.Close, [3]).Encode(), 1002 },
        { "close code 1005", WsFrame.CloseWith(1005).Encode(), 1002 },
        { "close code 999", WsFrame.CloseWith(999).Encode(), 1002 },
        { "close code 5000", WsFrame.CloseWith(5000).Encode(), 1002 },
        { "a close reason that is not UTF-8", new WsFrame(WsOpcode.Close, [0x03, 0xE8, 0xFF]).Encode(), 1007 },
        { "a text that ends inside a character", new WsFrame(WsOpcode.Text, [0x61, 0xE2, 0x82]).Encode(), 1007 },
        { "a new message inside another", [.. WsFrame.Text("a", fin: false).Encode(), .. WsFrame.Text("b").Encode()], 1002 },
        { "a length with its top bit set", [0x81, 0xFF, 0x80, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0], 1002 },
    };

    [Theory(Timeout = 20_000)]
    [MemberData(nameof(BrokenFrames))]
    public async Task ABrokenFrameEndsTheReadWithItsCloseCode(string what, byte[] frame, int closeCode)
    {
        await using var link = new WebSocketLink();
        await link.SendRawAsync(frame);

        var refused = await Assert.ThrowsAsync<WebSocketException>(() => ReceiveMessageAsync(link.Server));

        Assert.Equal(WebSocketError.Faulted, refused.WebSocketErrorCode);
        Assert.True(closeCode == ProtocolViolation.CloseCodeOf(refused), what);
        await Assert.ThrowsAsync<WebSocketException>(() => link.Server.ReceiveAsync(new byte[16].AsMemory(), CancellationToken.None).AsTask());
    }

    [Fact(Timeout = 20_000)]
    public async Task APeerThatLeavesMidFrameEndsTheReadAsAConnectionLost()
    {
        await using var link = new WebSocketLink();
        var frame = WsFrame.Text("{\"type\":\"ping\"}").Encode();
        await link.SendRawAsync(frame[..5]);
        link.EndRaw();

        var lost = await Assert.ThrowsAsync<WebSocketException>(() => ReceiveMessageAsync(link.Server));

        Assert.Equal(WebSocketError.ConnectionClosedPrematurely, lost.WebSocketErrorCode);
    }

    [Fact(Timeout = 20_000)]
    public async Task AnAbortEndsAWaitingReceive()
    {
        await using var link = new WebSocketLink();
        var waiting = link.Server.ReceiveAsync(Memory<byte>.Empty, CancellationToken.None).AsTask();
        await Task.Delay(50);
        Assert.False(waiting.IsCompleted);

        link.Server.Abort();

        await Assert.ThrowsAsync<OperationCanceledException>(() => waiting);
        Assert.Equal(WebSocketState.Aborted, link.Server.State);
    }

    [Fact(Timeout = 20_000)]
    public async Task TheKeepAlivePingsAQuietPeerAndDropsOneThatStaysQuiet()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        using var keepAlive = new KeepAlive(clock, TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(30));
        await using var answering = new WebSocketLink(keepAlive);
        await using var silent = new WebSocketLink(keepAlive);
        var answeringRead = answering.Server.ReceiveAsync(Memory<byte>.Empty, CancellationToken.None).AsTask();
        var silentRead = silent.Server.ReceiveAsync(Memory<byte>.Empty, CancellationToken.None).AsTask();
        // The runtime's client answers a ping while it receives.
        var clientRead = answering.Client.ReceiveAsync(new byte[16].AsMemory(), CancellationToken.None).AsTask();
        Assert.Equal(2, keepAlive.Count);

        for (var second = 0; second < 29; second += 5)
        {
            clock.Advance(TimeSpan.FromSeconds(5));
        }

        var ping = await silent.ReceiveRawFrameAsync(); // 30 s quiet
        Assert.Equal(WsOpcode.Ping, ping?.Opcode);
        for (var second = 30; second < 60 && !silentRead.IsCompleted; second += 5)
        {
            clock.Advance(TimeSpan.FromSeconds(5));
            await Task.Delay(20); // the pong travels on real threads
        }

        await Assert.ThrowsAsync<OperationCanceledException>(() => silentRead.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.False(answeringRead.IsCompleted); // it answered; its read waits on as before
        Assert.False(clientRead.IsCompleted);
        Assert.Equal(WebSocketState.Open, answering.Server.State);

        silent.Server.Dispose();
        Assert.Equal(1, keepAlive.Count);
    }

    /// <summary>Reads one message as the connection does: a zero-byte receive, then into a buffer until its end.</summary>
    private static async Task<byte[]> ReceiveMessageAsync(WebSocket socket)
    {
        var first = await socket.ReceiveAsync(Memory<byte>.Empty, CancellationToken.None);
        var message = new List<byte>();
        var buffer = new byte[5];
        var result = first;
        while (!result.EndOfMessage)
        {
            result = await socket.ReceiveAsync(buffer.AsMemory(), CancellationToken.None);
            message.AddRange(buffer.AsSpan(0, result.Count));
        }

        Assert.Equal(WebSocketMessageType.Text, first.MessageType);
        return [.. message];
    }
}
