using ScaleChat.LoadTest.Tests.Infrastructure;

namespace ScaleChat.LoadTest.Tests;

/// <summary><c>--raw</c>: one row per event, in the original load tester's format.</summary>
public sealed class RawCsvTests
{
    [Fact]
    public async Task EverySendAndEveryReceiptIsOneRowInTheOriginalFormat()
    {
        await using var server = await TestServer.StartAsync();
        var raw = Path.Combine(Path.GetTempPath(), $"scalechat-raw-{Guid.NewGuid():N}.csv");
        var before = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1000;
        var run = await LoadCli.RunAsync(LoadCli.Short(server.WsUrl, "--clients", "10", "--rooms", "1", "--publishers", "2", "--rate", "10", "--raw", raw));
        var after = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1000;

        Assert.True(run.ExitCode == 0, run.Output + run.Error);
        var rows = File.ReadAllLines(raw).Select(l => l.Split(',')).ToList();
        File.Delete(raw);
        Assert.All(rows, r => Assert.Equal(5, r.Length));
        Assert.All(rows, r => Assert.True(ulong.TryParse(r[0], out _) && int.TryParse(r[1], out _) && int.TryParse(r[2], out _), string.Join(',', r)));
        Assert.All(rows, r => Assert.InRange(long.Parse(r[4], System.Globalization.CultureInfo.InvariantCulture), before - 1_000_000, after));

        var sent = rows.Where(r => r[3] == "Sent").ToList();
        Assert.Equal(20, sent.Count);
        Assert.All(sent, r => Assert.Equal(r[1], r[2]));
        Assert.Equal(sent.Count, sent.Select(r => (r[0], r[1])).Distinct().Count());

        // Every member of the room, the sender included, receives each message once, after it was due.
        var received = rows.Where(r => r[3] == "Received").ToList();
        Assert.Equal(200, received.Count);
        foreach (var s in sent)
        {
            var copies = received.Where(r => r[0] == s[0] && r[1] == s[1]).ToList();
            Assert.Equal(10, copies.Select(r => r[2]).Distinct().Count());
            Assert.Contains(copies, r => r[2] == s[1]);
            Assert.All(copies, r => Assert.True(long.Parse(r[4], System.Globalization.CultureInfo.InvariantCulture) >= long.Parse(s[4], System.Globalization.CultureInfo.InvariantCulture)));
        }
    }
}
