using System.Net.WebSockets;
using System.Text;
using ScaleChat.Server.Tests.Infrastructure;

namespace ScaleChat.Server.Tests;

/// <summary>
/// Every kind of bad input gets its documented error or close code, and nothing else: the server
/// and every other client carry on.
/// </summary>
public sealed class BadInputTests : IAsyncLifetime
{
    private TestServer _server = null!;
    private WsClient _bystander = null!;

    public async Task InitializeAsync()
    {
        _server = await TestServer.StartAsync("ScaleChat:HandshakeTimeout=00:00:01", "ScaleChat:Limits:MaxRooms=3");
        (_bystander, _) = await WsClient.HelloAsync(_server.WsUrl, "bystander");
    }

    public async Task DisposeAsync()
    {
        // Whatever a test did, a bystander still chats normally.
        await _bystander.SendAsync(new { type = "send", room = "global", text = "still here", @ref = "check" });
        Assert.Equal("check", (await _bystander.ExpectAsync("ack")).Str("ref"));
        await _bystander.DisposeAsync();
        await _server.DisposeAsync();
    }

    private async Task<WsClient> HelloAsync(string name = "alice") => (await WsClient.HelloAsync(_server.WsUrl, name)).Client;

    private static async Task AssertErrorAsync(WsClient client, string code, object? expectedRef = null)
    {
        var error = await client.ExpectAsync("error");
        Assert.Equal(code, error.Str("code"));
        Assert.False(string.IsNullOrEmpty(error.Str("message")));
        if (expectedRef is null)
        {
            Assert.False(error.TryGetProperty("ref", out _), "this error must carry no ref");
        }
        else
        {
            Assert.Equal(expectedRef.ToString(), error.GetProperty("ref").ToString());
        }

        // The connection stays open and usable.
        await client.SendAsync(new { type = "ping", @ref = "alive" });
        Assert.Equal("alive", (await client.ExpectAsync("pong")).Str("ref"));
    }

    [Theory]
    [InlineData("{\"type\":\"send\",", "bad_request")]
    [InlineData("[1,2,3]", "bad_request")]
    [InlineData("\"just a string\"", "bad_request")]
    [InlineData("42", "bad_request")]
    [InlineData("{\"type\":\"dance\",\"ref\":\"x1\"}", "unknown_type")]
    [InlineData("{\"room\":\"global\",\"text\":\"no type\"}", "bad_request")]
    [InlineData("{\"type\":7}", "bad_request")]
    [InlineData("{\"type\":\"send\",\"room\":\"global\"}", "bad_request")]
    [InlineData("{\"type\":\"send\",\"text\":\"where to?\"}", "bad_request")]
    [InlineData("{\"type\":\"send\",\"room\":\"global\",\"to\":\"bob\",\"text\":\"both\"}", "bad_request")]
    [InlineData("{\"type\":\"send\",\"room\":5,\"text\":\"wrong type\"}", "bad_request")]
    [InlineData("{\"type\":\"send\",\"room\":\"global\",\"text\":[\"wrong\"]}", "bad_request")]
    [InlineData("{\"type\":\"join\",\"room\":\"has space\"}", "bad_request")]
    [InlineData("{\"type\":\"join\",\"room\":\"\"}", "bad_request")]
    [InlineData("{\"type\":\"join\",\"room\":\"r\",\"after\":{\"seq\":-1,\"epoch\":\"e\"}}", "bad_request")]
    [InlineData("{\"type\":\"join\",\"room\":\"r\",\"presence\":\"yes\"}", "bad_request")]
    [InlineData("{\"type\":\"history\",\"room\":\"global\",\"limit\":0}", "bad_request")]
    [InlineData("{\"type\":\"history\",\"room\":\"global\",\"before\":\"x\"}", "bad_request")]
    [InlineData("{\"type\":\"send\",\"to\":\"not a name!\",\"text\":\"hi\"}", "bad_request")]
    [InlineData("{\"type\":\"hello\",\"name\":\"again\"}", "bad_request")]
    [InlineData("{\"type\":\"join\",\"room\":\".\"}", "bad_request")]
    [InlineData("{\"type\":\"join\",\"room\":\"..\"}", "bad_request")]
    [InlineData("{\"type\":\"send\",\"room\":\"global\",\"text\":\"\\ud800\"}", "bad_request")]
    [InlineData("{\"type\":\"send\",\"ref\":\"x1\",\"room\":\"global\",\"text\":\"a\\udfffb\"}", "bad_request")]
    [InlineData("{\"type\":\"ping\",\"\\ud83d\":1}", "bad_request")]
    [InlineData("{\"type\":\"join\",\"room\":\"r\",\"after\":{\"seq\":1,\"epoch\":\"\\ud800\"}}", "bad_request")]
    [InlineData("{\"type\":\"\\ud800\"}", "bad_request")]
    public async Task MalformedObjectsGetAnErrorAndTheConnectionStays(string json, string code)
    {
        await using var client = await HelloAsync();
        await client.SendTextAsync(json);
        await AssertErrorAsync(client, code, json.Contains("\"ref\"") ? "x1" : null);
    }

    [Theory]
    [InlineData("{\"type\":\"hello\",\"name\":\"\\udc00\"}")]
    [InlineData("{\"\\ud800\":1,\"type\":\"hello\",\"name\":\"ann\"}")]
    public async Task ALoneSurrogateBeforeHelloIsABadRequestNotAServerError(string json)
    {
        await using var client = await WsClient.ConnectAsync(_server.WsUrl);
        await client.SendTextAsync(json);
        var (code, before) = await client.ExpectCloseAsync();
        Assert.Equal(1008, code);
        Assert.Equal("bad_request", Assert.Single(before).Str("code"));
    }

    [Fact]
    public async Task AnErrorEchoesTheRefOfTheBadObject()
    {
        await using var client = await HelloAsync();
        await client.SendTextAsync("{\"type\":\"send\",\"room\":\"nowhere\",\"text\":\"hi\",\"ref\":99}");
        await AssertErrorAsync(client, "not_joined", 99);
    }

    [Fact]
    public async Task AnInvalidRefIsBadRequestWithNoRef()
    {
        await using var client = await HelloAsync();
        await client.SendTextAsync($"{{\"type\":\"ping\",\"ref\":\"{new string('r', 65)}\"}}");
        await AssertErrorAsync(client, "bad_request");
        await client.SendTextAsync("{\"type\":\"ping\",\"ref\":1.5}");
        await AssertErrorAsync(client, "bad_request");
    }

    [Fact]
    public async Task TextOverTheLimitIsTooLarge()
    {
        await using var client = await HelloAsync();
        await client.SendAsync(new { type = "send", room = "global", text = new string('é', 2049), @ref = "big" }); // 4098 bytes
        await AssertErrorAsync(client, "too_large", "big");
        await client.SendAsync(new { type = "send", room = "global", text = new string('e', 4096), @ref = "ok" });
        Assert.Equal("ok", (await client.ExpectAsync("ack")).Str("ref"));
    }

    [Fact]
    public async Task ShapeErrorsComeBeforeStateErrors()
    {
        await using var client = await HelloAsync();
        await client.SendAsync(new { type = "send", room = "nowhere", text = new string('x', 5000) });
        await AssertErrorAsync(client, "too_large");
    }

    [Fact]
    public async Task SendToARoomNotJoinedIsNotJoined()
    {
        await using var client = await HelloAsync();
        foreach (var type in new[] { "send", "leave", "history", "who" })
        {
            await client.SendAsync(new { type, room = "elsewhere", text = "x" });
            await AssertErrorAsync(client, "not_joined");
        }
    }

    [Fact]
    public async Task PrivateMessageToAUserNotOnlineIsNoSuchUser()
    {
        await using var client = await HelloAsync();
        await client.SendAsync(new { type = "send", to = "nobody", text = "hello?", @ref = "p" });
        await AssertErrorAsync(client, "no_such_user", "p");
    }

    [Fact]
    public async Task JoiningMoreRoomsThanAllowedIsTooManyRooms()
    {
        await using var client = await HelloAsync(); // in global: 1 of 3
        await client.SendAsync(new { type = "join", room = "r1" });
        await client.ExpectAsync("joined");
        await client.SendAsync(new { type = "join", room = "r2" });
        await client.ExpectAsync("joined");
        await client.SendAsync(new { type = "join", room = "r3", @ref = "over" });
        await AssertErrorAsync(client, "too_many_rooms", "over");
    }

    [Fact]
    public async Task FromSenderAndClientIdCannotSpeakForSomeoneElse()
    {
        await using var alice = await HelloAsync("alice");
        await alice.SendTextAsync("{\"type\":\"send\",\"room\":\"global\",\"text\":\"i am bob\",\"from\":\"bob\",\"sender\":\"bob\",\"clientId\":\"bob\"}");
        var seen = await _bystander.ExpectAsync("message");
        Assert.Equal("alice", seen.Str("from"));
        Assert.False(seen.TryGetProperty("legacy", out _));
    }

    [Fact]
    public async Task HelloWithABadNameMayBeRetried()
    {
        await using var client = await WsClient.ConnectAsync(_server.WsUrl);
        await client.SendAsync(new { type = "hello", name = "bad name!" });
        Assert.Equal("bad_request", (await client.ExpectAsync("error")).Str("code"));
        await client.SendAsync(new { type = "hello", name = "good" });
        Assert.Equal("good", (await client.ExpectAsync("welcome")).Str("user"));
    }

    [Theory]
    [InlineData("{\"type\":\"ping\"}")]
    [InlineData("not json at all")]
    [InlineData("{\"type\":\"send\",\"room\":\"global\",\"text\":\"too early\"}")]
    public async Task AnythingBeforeHelloGetsAnErrorAndClose1008(string first)
    {
        await using var client = await WsClient.ConnectAsync(_server.WsUrl);
        await client.SendTextAsync(first);
        var (code, before) = await client.ExpectCloseAsync();
        Assert.Equal(1008, code);
        Assert.Equal("bad_request", Assert.Single(before).Str("code"));
    }

    [Fact]
    public async Task NoHelloInTimeClosesWith1008()
    {
        await using var client = await WsClient.ConnectAsync(_server.WsUrl);
        var (code, before) = await client.ExpectCloseAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(1008, code);
        Assert.Equal("bad_request", Assert.Single(before).Str("code"));
    }

    [Fact]
    public async Task InvalidUtf8ClosesWith1007()
    {
        await using var client = await HelloAsync();
        await client.SendBytesAsync([(byte)'{', 0xC3, 0x28, (byte)'}'], WebSocketMessageType.Text);
        Assert.Equal(1007, (await client.ExpectCloseAsync()).Code);
    }

    [Fact]
    public async Task ABinaryFrameClosesWith1003()
    {
        await using var client = await HelloAsync();
        await client.SendBytesAsync(Encoding.UTF8.GetBytes("{\"type\":\"ping\"}"), WebSocketMessageType.Binary);
        Assert.Equal(1003, (await client.ExpectCloseAsync()).Code);
    }

    [Fact]
    public async Task AFrameOverTheFrameLimitClosesWith1009()
    {
        await using var client = await HelloAsync();
        var huge = $"{{\"type\":\"ping\",\"pad\":\"{new string('p', 70_000)}\"}}";
        await client.SendTextAsync(huge);
        Assert.Equal(1009, (await client.ExpectCloseAsync()).Code);
    }

    [Fact]
    public async Task ABadRoomInTheUrlIsRefusedBeforeTheUpgrade()
    {
        var error = await Assert.ThrowsAsync<WebSocketException>(() => WsClient.ConnectAsync(_server.RoomUrl("bad%20room")));
        Assert.Contains("400", error.Message);
    }

    [Fact]
    public async Task AFloodGetsRateLimitedErrorsThenClose4029()
    {
        await using var client = await HelloAsync();
        // 300 objects at once: the burst of 100 passes, then rejections follow in a run.
        var batch = string.Join('\n', Enumerable.Range(0, 300).Select(i => $"{{\"type\":\"ping\",\"ref\":{i}}}"));
        await client.SendTextAsync(batch);
        var (code, before) = await client.ExpectCloseAsync();
        Assert.Equal(4029, code);
        var errors = before.Where(e => e.Type() == "error").ToList();
        Assert.True(errors.Count >= 100, $"expected 100 rate_limited errors, got {errors.Count}");
        Assert.All(errors, e => Assert.Equal("rate_limited", e.Str("code")));
        Assert.True(before.Count(e => e.Type() == "pong") >= 99, "the burst (less the hello's token) must pass");
    }

    [Fact]
    public async Task AShortBurstOverTheLimitGetsErrorsButStaysOpen()
    {
        await using var client = await HelloAsync();
        var batch = string.Join('\n', Enumerable.Range(0, 110).Select(i => $"{{\"type\":\"ping\",\"ref\":{i}}}"));
        await client.SendTextAsync(batch);
        var rateLimited = 0;
        for (var i = 0; i < 110; i++)
        {
            var e = await client.ReceiveAsync();
            rateLimited += e.Type() == "error" && e.Str("code") == "rate_limited" ? 1 : 0;
        }

        Assert.InRange(rateLimited, 5, 11); // hello took a token too
        await Task.Delay(1100);
        await client.SendAsync(new { type = "ping", @ref = "later" });
        Assert.Equal("later", (await client.ExpectAsync("pong")).Str("ref"));
    }
}
