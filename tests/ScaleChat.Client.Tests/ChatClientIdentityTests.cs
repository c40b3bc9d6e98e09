using System.Text.Json;
using ScaleChat.Client.Tests.Infrastructure;
using ScaleChat.Protocol;

namespace ScaleChat.Client.Tests;

/// <summary>What the client presents and how it takes refusals, against a server scripted to the identity contract.</summary>
public sealed class ChatClientIdentityTests : IAsyncLifetime
{
    private const string Secret = "a-test-secret-of-at-least-32-bytes!!";
    private ScriptedServer _server = null!;

    public async Task InitializeAsync() => _server = await ScriptedServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private ChatClient NewClient(string? name = "alice", string? token = null, string? nameKey = null) => new(new ChatClientOptions
    {
        Url = _server.WsUrl,
        Name = name,
        Token = token,
        NameKey = nameKey,
        ReconnectMinDelay = TimeSpan.FromMilliseconds(100),
        ReconnectMaxDelay = TimeSpan.FromMilliseconds(300),
    });

    /// <summary>A connected client and its events; the caller disposes the client.</summary>
    private async Task<(ChatClient Client, ChatEventStream Events)> ConnectAsync(string? name = "alice", string? token = null)
    {
        var client = NewClient(name, token);
        var events = client.Subscribe();
        await client.ConnectAsync().Bounded();
        return (client, events);
    }

    private static string? Field(JsonElement o, string name) => o.TryGetProperty(name, out var v) ? v.GetString() : null;

    /// <summary>Drops the connection and waits until the client is welcomed again.</summary>
    private async Task ReconnectAsync(ChatEventStream events)
    {
        _server.DropAll();
        await events.NextAsync<ConnectionStateChanged>(s => s.State == ConnectionState.Reconnecting);
        await events.NextAsync<ConnectionStateChanged>(s => s.State == ConnectionState.Connected);
    }

    [Fact]
    public async Task EveryReconnectPresentsTheNameKeyOfTheFirstWelcome()
    {
        var (client, events) = await ConnectAsync();
        await using var _ = client;
        Assert.Equal(("alice", "key-of-alice"), (client.User, client.NameKey));

        await ReconnectAsync(events);

        var (first, second) = (await _server.HelloAsync(0), await _server.HelloAsync(1));
        Assert.Equal(("alice", null), (Field(first, "name"), Field(first, "nameKey")));
        Assert.Equal(("alice", "key-of-alice"), (Field(second, "name"), Field(second, "nameKey")));
    }

    [Fact]
    public async Task ANameKeyGivenInTheOptionsIsPresentedInTheFirstHello()
    {
        await using var client = NewClient(nameKey: "shared-key");
        await client.ConnectAsync().Bounded();

        Assert.Equal("shared-key", Field(await _server.HelloAsync(0), "nameKey"));
    }

    [Theory]
    [InlineData(ErrorCodes.NameTaken)]
    [InlineData(ErrorCodes.Unauthorized)]
    public async Task ARefusedHelloFailsConnectWithItsCodeAndIsNotTriedAgain(string code)
    {
        _server.RefuseHelloWith = code;
        await using var client = NewClient();

        var refused = await Assert.ThrowsAsync<ChatServerException>(() => client.ConnectAsync()).Bounded();
        await Task.Delay(500);

        Assert.Equal(code, refused.Code);
        Assert.Single(_server.Hellos);
        Assert.Equal(ConnectionState.Disconnected, client.State);
    }

    [Fact]
    public async Task AHelloRefusedWhileReconnectingClosesTheClientInsteadOfRetrying()
    {
        var (client, events) = await ConnectAsync();
        await using var _ = client;

        _server.RefuseHelloWith = ErrorCodes.NameTaken;
        _server.DropAll();
        var closed = await events.NextAsync<ConnectionStateChanged>(s => s.State == ConnectionState.Closed);
        await Task.Delay(500);

        Assert.Equal(ErrorCodes.NameTaken, Assert.IsType<ChatServerException>(closed.Error).Code);
        Assert.Equal(2, _server.Hellos.Count);
        await Assert.ThrowsAsync<ChatConnectionException>(() => client.PingAsync()).Bounded();
    }

    [Fact]
    public async Task WithATokenAndNoNameTheHelloCarriesTheTokensSubjectAndUserIsTheServersAnswer()
    {
        var token = ChatTokens.Issue(Secret, "carol", TimeSpan.FromHours(1));
        await using var client = NewClient(name: null, token: token);
        await client.ConnectAsync().Bounded();

        var hello = await _server.HelloAsync(0);
        Assert.Equal(("carol", token), (Field(hello, "name"), Field(hello, "token")));
        Assert.Equal("carol", client.User);
    }

    [Fact]
    public async Task AnOpaqueTokenWithoutANameSendsNoName()
    {
        await using var client = NewClient(name: null, token: "opaque");
        await client.ConnectAsync().Bounded();

        var hello = await _server.HelloAsync(0);
        Assert.Equal(((string?)null, "opaque"), (Field(hello, "name"), Field(hello, "token")));
        Assert.Equal("token-user", client.User);
    }

    [Fact]
    public async Task AuthenticateReturnsTheNewExpiryAndLaterReconnectsPresentTheNewToken()
    {
        var (client, events) = await ConnectAsync(token: "first");
        await using var _ = client;

        var expires = await client.AuthenticateAsync("second").Bounded();
        await ReconnectAsync(events);

        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(ScriptedServer.AuthedExp), expires);
        Assert.Equal("second", Field(await _server.HelloAsync(1), "token"));
    }

    [Fact]
    public async Task ARefusedRefreshFailsWithUnauthorizedAndKeepsTheConnectionAndTheOldToken()
    {
        var (client, events) = await ConnectAsync(token: "first");
        await using var _ = client;

        var refused = await Assert.ThrowsAsync<ChatServerException>(() => client.AuthenticateAsync("bad")).Bounded();
        Assert.Equal(ErrorCodes.Unauthorized, refused.Code);
        Assert.Equal(ConnectionState.Connected, client.State);
        await ReconnectAsync(events);

        Assert.Equal("first", Field(await _server.HelloAsync(1), "token"));
    }

    [Fact]
    public async Task ARefreshMadeWhileReconnectingGoesOutOnTheNewConnection()
    {
        var (client, events) = await ConnectAsync(token: "first");
        await using var _ = client;

        _server.DropAll();
        await events.NextAsync<ConnectionStateChanged>(s => s.State == ConnectionState.Reconnecting);
        var expires = await client.AuthenticateAsync("second").Bounded();

        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(ScriptedServer.AuthedExp), expires);
    }
}
