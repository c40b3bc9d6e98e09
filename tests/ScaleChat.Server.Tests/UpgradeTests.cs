using System.Net.WebSockets;
using ScaleChat.Server.Tests.Infrastructure;

namespace ScaleChat.Server.Tests;

/// <summary>
/// Upgrades to /ws are served either straight from the connection (the lean path, the default) or
/// through the HTTP pipeline; clients cannot tell them apart except by what the 101 carries.
/// </summary>
public sealed class UpgradeTests
{
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task BothWaysOfAcceptingServeVersion1AndLegacyClientsAlike(bool lean)
    {
        await using var server = await TestServer.StartAsync($"ScaleChat:LeanUpgrade={lean}");
        using var socket = new ClientWebSocket();
        socket.Options.AddSubProtocol("scalechat.v1");
        socket.Options.CollectHttpResponseDetails = true;
        await socket.ConnectAsync(server.RoomUrl("dev"), new CancellationTokenSource(WsClient.Timeout).Token);
        Assert.Equal("scalechat.v1", socket.SubProtocol);
        Assert.Equal(lean, socket.HttpResponseHeaders is null || !socket.HttpResponseHeaders.ContainsKey("Server"));
        socket.Abort();

        var (alice, welcome) = await WsClient.HelloAsync(server.RoomUrl("dev"), "alice");
        await using var a = alice;
        Assert.Equal(["global", "dev"], welcome.GetProperty("rooms").EnumerateArray().Select(r => r.Str("room")));
        await using var legacy = await WsClient.ConnectAsync(server.RoomUrl("dev"), subprotocol: null);
        Assert.Null(legacy.Socket.SubProtocol);
        await legacy.SendTextAsync("{\"clientId\":\"old\",\"message\":\"hi\"}");
        var seen = await alice.ExpectAsync("message");
        Assert.Equal(("old", "dev"), (seen.Str("from"), seen.Str("room")));
    }

    [Theory]
    [InlineData("/ws/bad%20room", "400")]
    [InlineData("/nowhere", "404")]
    public async Task WhatTheLeanPathDoesNotServeIsAnsweredByTheHttpPipeline(string path, string status)
    {
        await using var server = await TestServer.StartAsync();
        var error = await Assert.ThrowsAsync<WebSocketException>(() => WsClient.ConnectAsync(new Uri($"ws://{server.HttpUrl.Authority}{path}")));
        Assert.Contains(status, error.Message);

        using var http = new HttpClient { Timeout = WsClient.Timeout };
        var plain = await http.GetAsync(new Uri(server.HttpUrl, "/ws"));
        Assert.Equal(400, (int)plain.StatusCode); // a plain GET is not an upgrade
    }
}
