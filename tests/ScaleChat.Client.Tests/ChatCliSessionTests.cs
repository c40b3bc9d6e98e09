using ScaleChat.Client.Tests.Infrastructure;

namespace ScaleChat.Client.Tests;

/// <summary>What the terminal chat tells its user beyond the messages: who comes and goes, outages, help.</summary>
public sealed class ChatCliSessionTests
{
    [Fact]
    public async Task JoinsAndLeavesAreShownWithoutAskingForThem()
    {
        await using var server = await TestServer.StartAsync().Bounded();
        Assert.True(new Cli.Chat.ChatArguments(server.WsUrl, "alice").Presence, "presence is the default");
        await using var alice = await LineModeChat.StartAsync(server.WsUrl, "alice", "dev", presence: true);
        var bob = await LineModeChat.StartAsync(server.WsUrl, "bob", "dev");

        Assert.Equal("* bob joined #dev", await alice.ExpectAsync(l => l.Contains("joined", StringComparison.Ordinal)));
        Assert.Equal(0, await bob.QuitAsync());
        await bob.DisposeAsync();
        Assert.Equal("* bob left #dev", await alice.ExpectAsync(l => l.Contains("left", StringComparison.Ordinal)));
        Assert.DoesNotContain(alice.Lines, l => l.Contains("#global", StringComparison.Ordinal));
    }

    [Fact]
    public async Task HelpListsEachCommandWithItsTextInOneColumn()
    {
        await using var server = await TestServer.StartAsync().Bounded();
        await using var alice = await LineModeChat.StartAsync(server.WsUrl, "alice");
        await alice.WriteLineAsync("/help");
        Assert.Equal("* commands:", await alice.ReadLineAsync());
        var lines = new List<string>();
        for (var i = 0; i < 9; i++)
        {
            lines.Add(await alice.ReadLineAsync());
        }

        // "*   /history [ROOM] [N]  the last ...": the text starts after two spaces, at one column.
        var columns = lines.Select(l => System.Text.RegularExpressions.Regex.Match(l, @"^\*   \S+(?: \S+)*  +").Length).ToList();
        Assert.All(columns, c => Assert.Equal(columns[0], c));
        Assert.True(columns[0] > 10);
        Assert.Contains(lines, l => l.StartsWith("*   /quit", StringComparison.Ordinal));
    }

    [Fact]
    public async Task AfterARestartALineTypedMeanwhileIsSaidToWaitAndOnlyChosenRoomsWarnOfLostHistory()
    {
        var first = await TestServer.StartAsync().Bounded();
        var port = first.HttpUrl.Port;
        await using var alice = await LineModeChat.StartAsync(first.WsUrl, "alice", "dev");
        await first.DisposeAsync();
        await alice.ExpectAsync(l => l.StartsWith("* connection lost", StringComparison.Ordinal));

        await alice.WriteLineAsync("typed while away");
        Assert.Equal("* not connected: \"typed while away\" is queued and will be sent when the connection is back",
            await alice.ExpectAsync(l => l.StartsWith("* not connected", StringComparison.Ordinal)));

        await using var second = await TestServer.StartOnPortAsync(port).Bounded();
        await alice.ExpectAsync(l => l.EndsWith("#dev alice: typed while away", StringComparison.Ordinal));
        await alice.WriteLineAsync("/rooms");
        await alice.ExpectAsync(l => l.StartsWith("* rooms", StringComparison.Ordinal));

        // The new server has a new epoch: #dev (joined with --room) says what may be missing;
        // #global, joined by the handshake alone, says nothing.
        Assert.Contains(alice.Lines, l => l.StartsWith("* #dev: messages sent while you were away may be missing", StringComparison.Ordinal));
        Assert.DoesNotContain(alice.Lines, l => l.Contains("#global:", StringComparison.Ordinal));
        Assert.Contains(alice.Lines, l => l.StartsWith("* reconnected", StringComparison.Ordinal));
    }
}
