using ScaleChat.Client.Tests.Infrastructure;
using ScaleChat.Protocol;

namespace ScaleChat.Client.Tests;

/// <summary>The identity contract end to end: the client library and the chat command against the real server, open and token mode.</summary>
public sealed class IdentityEndToEndTests
{
    private const string Secret = "end-to-end-secret-of-at-least-32-bytes";

    private static Task<TestServer> StartTokenServerAsync() =>
        TestServer.StartAsync("ScaleChat:Auth:Mode=token", $"ScaleChat:Auth:Secret={Secret}").Bounded();

    private static string TokenFor(string user, TimeSpan? lifetime = null, string secret = Secret) =>
        ChatTokens.Issue(secret, user, lifetime ?? TimeSpan.FromMinutes(10));

    [Fact]
    public async Task AReconnectKeepsTheNameByPresentingItsNameKey()
    {
        await using var server = await TestServer.StartAsync().Bounded();
        await using var proxy = new TcpProxy(server.WsUrl);
        var (alice, events) = await Clients.ConnectAsync(proxy.Url(server.WsUrl), "alice");
        await using var a = alice;
        var key = alice.NameKey;
        Assert.False(string.IsNullOrEmpty(key));

        proxy.DropAll();
        await events.NextAsync<ConnectionStateChanged>(s => s.State == ConnectionState.Reconnecting);
        await events.NextAsync<ConnectionStateChanged>(s => s.State == ConnectionState.Connected);
        await alice.SendAsync("global", "still me").Bounded();

        var copy = await events.NextAsync<ReceivedMessage>(m => m.Text == "still me");
        Assert.Equal(("alice", "alice", key), (copy.From, alice.User, alice.NameKey));
    }

    [Fact]
    public async Task ASecondClientWithoutTheKeyGetsNameTakenAndOneWithItSharesTheName()
    {
        await using var server = await TestServer.StartAsync().Bounded();
        var (alice, aliceEvents) = await Clients.ConnectAsync(server, "alice");
        await using var a = alice;

        await using var impostor = new ChatClient(new ChatClientOptions { Url = server.WsUrl, Name = "alice" });
        var refused = await Assert.ThrowsAsync<ChatServerException>(() => impostor.ConnectAsync()).Bounded();
        var (secondTab, tabEvents) = await Clients.ConnectAsync(server, "alice", o => new ChatClientOptions { Url = o.Url, Name = o.Name, NameKey = alice.NameKey });
        await using var t = secondTab;
        var (bob, _) = await Clients.ConnectAsync(server, "bob");
        await using var b = bob;
        await bob.SendToUserAsync("alice", "both tabs").Bounded();

        Assert.Equal(ErrorCodes.NameTaken, refused.Code);
        Assert.Equal("alice", secondTab.User);
        Assert.Equal("both tabs", (await aliceEvents.NextAsync<ReceivedMessage>(m => m.IsPrivate)).Text);
        Assert.Equal("both tabs", (await tabEvents.NextAsync<ReceivedMessage>(m => m.IsPrivate)).Text);
    }

    [Fact]
    public async Task InTokenModeTheUserIsTheTokensSubjectWhateverTheNameSays()
    {
        await using var server = await StartTokenServerAsync();
        var (carol, events) = await Clients.ConnectAsync(server, "not-carol", o => new ChatClientOptions { Url = o.Url, Name = o.Name, Token = TokenFor("carol") });
        await using var c = carol;
        await carol.SendAsync("global", "signed").Bounded();

        Assert.Equal("carol", carol.User);
        Assert.Equal("carol", (await events.NextAsync<ReceivedMessage>(m => m.Text == "signed")).From);
    }

    [Fact]
    public async Task AuthenticateRefreshesTheTokenAndRefusesAnotherUsersToken()
    {
        await using var server = await StartTokenServerAsync();
        await using var dave = new ChatClient(new ChatClientOptions { Url = server.WsUrl, Token = TokenFor("dave", TimeSpan.FromMinutes(1)) });
        await dave.ConnectAsync().Bounded();

        var expires = await dave.AuthenticateAsync(TokenFor("dave", TimeSpan.FromHours(2))).Bounded();
        var refused = await Assert.ThrowsAsync<ChatServerException>(() => dave.AuthenticateAsync(TokenFor("eve"))).Bounded();

        Assert.InRange(expires - DateTimeOffset.UtcNow, TimeSpan.FromMinutes(119), TimeSpan.FromMinutes(121));
        Assert.Equal(ErrorCodes.Unauthorized, refused.Code);
        Assert.True(await dave.PingAsync().Bounded() < Wait.Timeout);
    }

    [Fact]
    public async Task ATokenWithTheWrongSignatureFailsConnectWithUnauthorized()
    {
        await using var server = await StartTokenServerAsync();
        await using var client = new ChatClient(new ChatClientOptions { Url = server.WsUrl, Token = TokenFor("frank", secret: "some-other-secret-of-at-least-32-bytes") });

        var refused = await Assert.ThrowsAsync<ChatServerException>(() => client.ConnectAsync()).Bounded();

        Assert.Equal(ErrorCodes.Unauthorized, refused.Code);
    }

    [Fact]
    public async Task TheChatCommandTakesItsTokenFromTheFlagOrTheEnvironment()
    {
        await using var server = await StartTokenServerAsync();

        var flag = await CliProcess.RunAsync(null, "chat", "--url", server.WsUrl.ToString(), "--token", TokenFor("gina"));
        var variable = await CliProcess.RunAsync(new Dictionary<string, string> { ["SCALECHAT_TOKEN"] = TokenFor("hugo") }, "chat", "--url", server.WsUrl.ToString());

        Assert.True(flag.Code == 0, flag.Stderr);
        Assert.True(variable.Code == 0, variable.Stderr);
        Assert.Contains($"connected to {server.WsUrl} as gina", flag.Stdout, StringComparison.Ordinal);
        Assert.Contains($"connected to {server.WsUrl} as hugo", variable.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ATakenNameOrARefusedTokenEndsTheChatCommandWithOnePlainLine()
    {
        await using var open = await TestServer.StartAsync().Bounded();
        await using var tokens = await StartTokenServerAsync();
        var (holder, _) = await Clients.ConnectAsync(open, "ivan");
        await using var h = holder;

        var taken = await CliProcess.RunAsync(null, "chat", "--url", open.WsUrl.ToString(), "--name", "ivan");
        var refused = await CliProcess.RunAsync(null, "chat", "--url", tokens.WsUrl.ToString(), "--token", TokenFor("ivan", secret: "some-other-secret-of-at-least-32-bytes"));

        Assert.Equal((1, 1), (taken.Code, refused.Code));
        Assert.Equal(["scalechat chat: the name 'ivan' is held by another connection; choose another --name (name_taken)"], CliProcess.Lines(taken.Stderr));
        Assert.StartsWith("scalechat chat: the server refused the token: ", Assert.Single(CliProcess.Lines(refused.Stderr)), StringComparison.Ordinal);
    }
}
