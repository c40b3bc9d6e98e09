using System.Text.Json;
using ScaleChat.Server.Tests.Infrastructure;

namespace ScaleChat.Server.Tests;

/// <summary>Clients of the original scale-chat server keep working, side by side with version 1.</summary>
[Collection(ObservabilityCollection.Name)] // counts rejections exactly: a test host's servers share their counters
public sealed class LegacyTests
{
    private static async Task<JsonElement> ReceiveOneObjectFrameAsync(WsClient legacy)
    {
        var frame = await legacy.ReceiveFrameAsync(WsClient.Timeout) ?? throw new InvalidOperationException("closed");
        Assert.DoesNotContain('\n', frame); // legacy clients read one object per frame
        return JsonDocument.Parse(frame).RootElement.Clone();
    }

    [Fact]
    public async Task LegacyClientsOfBothShapesAndVersion1ClientsChatInOneRoom()
    {
        await using var server = await TestServer.StartAsync();
        await using var original = await WsClient.ConnectAsync(server.RoomUrl("r1"), subprotocol: null);
        await using var later = await WsClient.ConnectAsync(server.RoomUrl("r1"), subprotocol: null);
        var (modern, _) = await WsClient.HelloAsync(server.RoomUrl("r1"), "alice");
        await using var m = modern;
        Assert.Null(original.Socket.SubProtocol);

        // The original design's frame, keys in any case.
        await original.SendTextAsync("{\"ClientId\":\"old-timer\",\"Message\":\"hello from 2019\"}");
        var atModern = await modern.ExpectAsync("message");
        Assert.Equal(("r1", "old-timer", "hello from 2019"), (atModern.Str("room"), atModern.Str("from"), atModern.Str("text")));
        Assert.True(atModern.GetProperty("legacy").GetBoolean(), "an unverified name is marked legacy");
        foreach (var client in new[] { original, later })
        {
            var o = await ReceiveOneObjectFrameAsync(client);
            Assert.Equal(atModern.Long("seq"), o.Long("message_id"));
            Assert.Equal(("old-timer", "hello from 2019", "old-timer", "hello from 2019", "r1"),
                (o.Str("sender"), o.Str("text"), o.Str("clientId"), o.Str("message"), o.Str("room")));
            Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$", o.Str("sent_at"));
        }

        // The later frame: message_id, sender and sent_at come back exactly as given; the URL decides the room.
        await later.SendTextAsync("{\"message_id\":7,\"text\":\"hi\",\"sender\":\"bob\",\"sent_at\":\"2022-02-08T10:00:00Z\",\"room\":\"elsewhere\"}");
        foreach (var client in new[] { original, later })
        {
            var o = await ReceiveOneObjectFrameAsync(client);
            Assert.Equal(7, o.Long("message_id"));
            Assert.Equal(("bob", "2022-02-08T10:00:00Z", "r1", "bob", "hi"), (o.Str("sender"), o.Str("sent_at"), o.Str("room"), o.Str("clientId"), o.Str("message")));
        }

        var fromLater = await modern.ExpectAsync("message");
        Assert.Equal(("bob", "hi", "r1"), (fromLater.Str("from"), fromLater.Str("text"), fromLater.Str("room")));

        // A version-1 send reaches legacy clients with the room's seq as message_id.
        await modern.SendAsync(new { type = "send", room = "r1", text = "welcome back" });
        var ack = await modern.ExpectAsync("ack");
        var seen = await ReceiveOneObjectFrameAsync(original);
        Assert.Equal((ack.Long("seq"), "alice", "welcome back", "alice"), (seen.Long("message_id"), seen.Str("sender"), seen.Str("text"), seen.Str("clientId")));
    }

    [Fact]
    public async Task LegacyClientsGetOneObjectPerFrameEvenUnderABurst()
    {
        await using var server = await TestServer.StartAsync();
        await using var legacy = await WsClient.ConnectAsync(server.WsUrl, subprotocol: null);
        var (modern, _) = await WsClient.HelloAsync(server.WsUrl, "alice");
        await using var m = modern;
        await modern.SendTextAsync(string.Join('\n', Enumerable.Range(1, 30).Select(i => $"{{\"type\":\"send\",\"room\":\"global\",\"text\":\"n{i}\"}}")));
        for (var i = 1; i <= 30; i++)
        {
            Assert.Equal($"n{i}", (await ReceiveOneObjectFrameAsync(legacy)).Str("text"));
        }
    }

    [Fact]
    public async Task FramesOfNeitherShapeAreDroppedSilentlyAndTheConnectionStays()
    {
        await using var server = await TestServer.StartAsync();
        await using var legacy = await WsClient.ConnectAsync(server.WsUrl, subprotocol: null);
        await legacy.SendTextAsync("not json");
        await legacy.SendTextAsync("{\"type\":\"send\",\"room\":\"global\",\"text\":\"v1 shape\"}");
        await legacy.SendTextAsync("{\"clientId\":\"x\"}");
        await legacy.SendTextAsync("{\"clientId\":\"x\",\"message\":\"valid\"}");
        var o = await ReceiveOneObjectFrameAsync(legacy);
        Assert.Equal("valid", o.Str("message")); // no error frames before it
    }

    [Theory]
    [InlineData("{\"clientId\":\"\\u202eevil\",\"message\":\"right-to-left override\"}")]
    [InlineData("{\"clientId\":\"nul\\u0000\",\"message\":\"NUL in the name\"}")]
    [InlineData("{\"sender\":\"zero\\u200bwidth\",\"text\":\"zero-width space\"}")]
    [InlineData("{\"sender\":\"has space\",\"text\":\"space\"}")]
    [InlineData("{\"clientId\":\"..\",\"message\":\"only dots\"}")]
    [InlineData("{\"sender\":\"ok\",\"text\":\"long id\",\"message_id\":\"MMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMM\"}")]
    [InlineData("{\"sender\":\"ok\",\"text\":\"control id\",\"message_id\":\"a\\nb\"}")]
    [InlineData("{\"sender\":\"ok\",\"text\":\"fraction id\",\"message_id\":1.5}")]
    [InlineData("{\"sender\":\"ok\",\"text\":\"huge id\",\"message_id\":123456789012345678901234567890}")]
    [InlineData("{\"sender\":\"ok\",\"text\":\"object time\",\"sent_at\":true}")]
    [InlineData("{\"sender\":\"ok\",\"text\":\"lone surrogate\",\"sent_at\":\"\\ud800\"}")]
    public async Task LegacyFramesObeyTheSameRulesAsVersion1(string frame)
    {
        await using var server = await TestServer.StartAsync();
        await using var legacy = await WsClient.ConnectAsync(server.WsUrl, subprotocol: null);
        await legacy.SendTextAsync(frame);
        await legacy.SendTextAsync("{\"sender\":\"ok\",\"text\":\"valid\",\"message_id\":\"m-1\",\"sent_at\":1700000000}");
        var o = await ReceiveOneObjectFrameAsync(legacy);
        Assert.Equal(("valid", "m-1", 1700000000), (o.Str("text"), o.Str("message_id"), o.Long("sent_at"))); // the bad frame was dropped
        var text = await Observability.GetTextAsync(server, "/metrics");
        Assert.Equal(1, Observability.Sum(text, "scalechat_frames_rejected_total", "code=\"bad_request\""));
    }

    [Theory]
    [InlineData("{{\"clientId\":\"big\",\"message\":\"{0}\"}}", 4097)]
    [InlineData("{{\"sender\":\"big\",\"text\":\"{0}\",\"message_id\":\"m-1\"}}", 4097)]
    [InlineData("{{\"sender\":\"big\",\"text\":\"{0}\"}}", 10_000)]
    public async Task ALegacyTextOverTheLimitClosesWith1009(string shape, int length)
    {
        // The original scale-chat load tests sent such texts: they must not vanish without a word.
        await using var server = await TestServer.StartAsync();
        await using var legacy = await WsClient.ConnectAsync(server.WsUrl, subprotocol: null);
        await legacy.SendTextAsync(string.Format(System.Globalization.CultureInfo.InvariantCulture, shape, new string('x', length)));
        var (code, before) = await legacy.ExpectCloseAsync();
        Assert.Equal(1009, code);
        Assert.Empty(before);
    }

    [Fact]
    public async Task LegacyMessagesAreKeptInHistory()
    {
        await using var server = await TestServer.StartAsync();
        await using var legacy = await WsClient.ConnectAsync(server.RoomUrl("old"), subprotocol: null);
        await legacy.SendTextAsync("{\"clientId\":\"x\",\"message\":\"remember me\"}");
        await ReceiveOneObjectFrameAsync(legacy);
        var (modern, _) = await WsClient.HelloAsync(server.RoomUrl("old"), "alice");
        await using var m = modern;
        await modern.SendAsync(new { type = "history", room = "old" });
        var history = await modern.ExpectAsync("history");
        var message = Assert.Single(history.GetProperty("messages").EnumerateArray());
        Assert.Equal(("remember me", "x", true), (message.Str("text"), message.Str("from"), message.GetProperty("legacy").GetBoolean()));
    }

    [Fact]
    public async Task LegacyCanBeTurnedOff()
    {
        await using var server = await TestServer.StartAsync("ScaleChat:LegacyEnabled=false");
        var error = await Assert.ThrowsAsync<System.Net.WebSockets.WebSocketException>(() => WsClient.ConnectAsync(server.WsUrl, subprotocol: null));
        Assert.Contains("400", error.Message);
    }
}
