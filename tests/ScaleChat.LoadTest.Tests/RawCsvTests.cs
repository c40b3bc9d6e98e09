using ScaleChat.LoadTest.Tests.Infrastructure;
using ScaleChat.Server.Tests.Infrastructure;

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

/// <summary><c>scalechat load compare</c>: two reports side by side.</summary>
public sealed class CompareTests
{
    [Fact]
    public async Task CompareShowsBothRunsFiguresWithTheChange()
    {
        var directory = Path.Combine(Path.GetTempPath(), $"scalechat-compare-{Guid.NewGuid():N}");
        Directory.CreateDirectory(directory);
        var a = Path.Combine(directory, "a.json");
        var b = Path.Combine(directory, "b.json");
        await File.WriteAllTextAsync(a, """{"deliveriesPerSecond":1000,"lost":0,"latencyMs":{"p50":2.0,"p99":10.0},"generator":{"saturated":false}}""");
        await File.WriteAllTextAsync(b, """{"deliveriesPerSecond":1000,"lost":5,"latencyMs":{"p50":3.0,"p99":5.0},"generator":{"saturated":true}}""");

        var output = new StringWriter();
        var root = new System.CommandLine.RootCommand { ScaleChat.Cli.Load.LoadCommand.Create(_ => null, output, new StringWriter()) };
        var exit = await root.Parse(["load", "compare", a, b]).InvokeAsync().WaitAsync(TimeSpan.FromSeconds(10));
        Directory.Delete(directory, recursive: true);

        Assert.Equal(0, exit);
        var lines = output.ToString().Split('\n');
        Assert.Matches(@"^deliveries/s\s+1,000\s+1,000\s+=$", lines.Single(l => l.StartsWith("deliveries/s", StringComparison.Ordinal)));
        Assert.Matches(@"^p50 ms\s+2\s+3\s+\+50\.0%$", lines.Single(l => l.StartsWith("p50 ms", StringComparison.Ordinal)));
        Assert.Matches(@"^p99 ms\s+10\s+5\s+-50\.0%$", lines.Single(l => l.StartsWith("p99 ms", StringComparison.Ordinal)));
        Assert.Matches(@"^lost\s+0\s+5\s+\+5$", lines.Single(l => l.StartsWith("lost", StringComparison.Ordinal)));
        Assert.Contains("B: " + b + "  (generator SATURATED", output.ToString());
    }
}
