using ScaleChat.Client.Tests.Infrastructure;

namespace ScaleChat.Client.Tests;

public sealed class ChatCliTests : IAsyncLifetime
{
    private TestServer _server = null!;

    public async Task InitializeAsync() => _server = await TestServer.StartAsync().Bounded();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task TwoLineModeClientsChatWithEachOtherThroughPipes()
    {
        await using var alice = await LineModeChat.StartAsync(_server.WsUrl, "alice", "dev");
        await using var bob = await LineModeChat.StartAsync(_server.WsUrl, "bob", "dev");

        await alice.WriteLineAsync("hello bob");
        var heard = await bob.ExpectAsync(l => l.Contains("#dev", StringComparison.Ordinal));
        await bob.WriteLineAsync("/msg alice psst, just you");
        var whispered = await alice.ExpectAsync(l => l.Contains("->", StringComparison.Ordinal));

        Assert.Matches(@"^\d\d:\d\d:\d\d #dev alice: hello bob$", heard);
        Assert.Matches(@"^\d\d:\d\d:\d\d bob -> alice: psst, just you$", whispered);
        Assert.Equal(0, await alice.QuitAsync());
        Assert.Equal(0, await bob.QuitAsync());
    }

    [Fact]
    public async Task CommandsAnswerWithOneLineEach()
    {
        await using var alice = await LineModeChat.StartAsync(_server.WsUrl, "alice", "dev");
        await using var bob = await LineModeChat.StartAsync(_server.WsUrl, "bob", "dev");
        await alice.WriteLineAsync("first line\nof two");
        await alice.ExpectAsync(l => l.EndsWith("alice: of two", StringComparison.Ordinal));

        await bob.WriteLineAsync("/who");
        Assert.Equal("* in #dev: alice, bob", await bob.ExpectAsync(l => l.StartsWith("* in", StringComparison.Ordinal)));
        await bob.WriteLineAsync("/rooms");
        Assert.Equal("* rooms: #dev (current), #global", await bob.ExpectAsync(l => l.StartsWith("* rooms", StringComparison.Ordinal)));
        await bob.WriteLineAsync("/history 1");
        Assert.Equal("* history of #dev: 1 message", await bob.ExpectAsync(l => l.StartsWith("* history", StringComparison.Ordinal)));
        Assert.EndsWith("#dev alice: of two", await bob.ReadLineAsync(), StringComparison.Ordinal);
        await bob.WriteLineAsync("/leave");
        Assert.Equal("* left #dev", await bob.ExpectAsync(l => l.StartsWith("* left", StringComparison.Ordinal)));
        Assert.Equal("* you are talking in #global", await bob.ReadLineAsync());
    }

    [Fact]
    public async Task BadInputIsAnsweredLocallyWithoutDisturbingTheConnection()
    {
        await using var alice = await LineModeChat.StartAsync(_server.WsUrl, "alice", "dev");
        await using var bob = await LineModeChat.StartAsync(_server.WsUrl, "bob", "dev");

        // Each answer is the next line printed: the empty lines before them printed nothing.
        await alice.WriteLineAsync("");
        await alice.WriteLineAsync("   ");
        await alice.WriteLineAsync("/frobnicate now");
        Assert.Equal("! unknown command /frobnicate; /help lists the commands", await alice.ReadLineAsync());
        await alice.WriteLineAsync(new string('x', 5000));
        Assert.Equal("! not sent: the text is 5000 bytes and the server accepts at most 4096", await alice.ReadLineAsync());
        await alice.WriteLineAsync("/join bad!name");
        Assert.StartsWith("! 'bad!name' is not a room name", await alice.ReadLineAsync(), StringComparison.Ordinal);
        await alice.WriteLineAsync("/msg bob");
        Assert.Equal("! usage: /msg USER TEXT", await alice.ReadLineAsync());

        await alice.WriteLineAsync("still connected");
        Assert.EndsWith("#dev alice: still connected", await alice.ReadLineAsync(), StringComparison.Ordinal);
        Assert.EndsWith("#dev alice: still connected", await bob.ReadLineAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AServerErrorIsShownPlainlyAndTheChatGoesOn()
    {
        await using var alice = await LineModeChat.StartAsync(_server.WsUrl, "alice");
        await alice.WriteLineAsync("/msg nobody hello?");
        Assert.StartsWith("! no_such_user: ", await alice.ReadLineAsync(), StringComparison.Ordinal);
        await alice.WriteLineAsync("/who");
        Assert.Equal("* in #global: alice", await alice.ReadLineAsync());
    }

    [Fact]
    public async Task AnUnreachableServerGivesOneLineAndExitCodeOne()
    {
        var (code, stdout, stderr) = await CliProcess.RunAsync(null, "chat", "--url", "ws://127.0.0.1:1/ws", "--name", "alice");
        Assert.Equal(1, code);
        Assert.Equal("", stdout);
        Assert.Equal(["scalechat chat: cannot connect to ws://127.0.0.1:1/ws: Connection refused"], CliProcess.Lines(stderr));
    }

    [Theory]
    [InlineData("--bogus")]
    [InlineData("--name", "not valid!")]
    [InlineData("--url", "http://example.com", "--name", "alice")]
    [InlineData("--url")]
    [InlineData("--url", "ws://127.0.0.1:1/ws")]
    public async Task BadFlagsGiveOneLineAndANonZeroExitCode(params string[] flags)
    {
        var (code, _, stderr) = await CliProcess.RunAsync(null, ["chat", .. flags]);
        Assert.Equal(2, code);
        Assert.Single(CliProcess.Lines(stderr));
        Assert.DoesNotContain("   at ", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WithATokenFromTheFlagOrTheEnvironmentTheNameMayBeLeftOut()
    {
        var flag = await CliProcess.RunAsync(null, "chat", "--url", "ws://127.0.0.1:1/ws", "--token", "a.b.c");
        var variable = await CliProcess.RunAsync(new Dictionary<string, string> { ["SCALECHAT_TOKEN"] = "a.b.c" }, "chat", "--url", "ws://127.0.0.1:1/ws");

        // Past the flags: both get as far as the (unreachable) server.
        Assert.Equal((1, 1), (flag.Code, variable.Code));
        Assert.StartsWith("scalechat chat: cannot connect", flag.Stderr, StringComparison.Ordinal);
        Assert.StartsWith("scalechat chat: cannot connect", variable.Stderr, StringComparison.Ordinal);
    }
}
