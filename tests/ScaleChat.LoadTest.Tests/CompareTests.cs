using ScaleChat.LoadTest.Reports;

namespace ScaleChat.LoadTest.Tests;

/// <summary><c>scalechat load compare</c>: two reports side by side.</summary>
public sealed class CompareTests
{
    [Fact]
    public async Task CompareShowsBothRunsFiguresWithTheChange()
    {
        var (exit, output, _, b) = await CompareAsync(
            """{"deliveriesPerSecond":1000,"lost":0,"latencyMs":{"p50":2.0,"p99":10.0},"generator":{"saturated":false}}""",
            """{"deliveriesPerSecond":1000,"lost":5,"latencyMs":{"p50":3.0,"p99":5.0},"generator":{"saturated":true}}""");

        Assert.Equal(0, exit);
        Assert.Matches(@"^deliveries/s\s+1,000\s+1,000\s+=$", Row(output, "deliveries/s"));
        Assert.Matches(@"^p50 ms\s+2\s+3\s+\+50\.0%$", Row(output, "p50 ms"));
        Assert.Matches(@"^p99 ms\s+10\s+5\s+-50\.0%$", Row(output, "p99 ms"));
        Assert.Matches(@"^lost\s+0\s+5\s+\+5$", Row(output, "lost"));
        Assert.Contains("B: " + b + "  (generator SATURATED", output);
    }

    [Fact]
    public async Task CompareShowsTheLatencyPercentilesOfTwoReportsSideBySide()
    {
        var (exit, output, _, _) = await CompareAsync(
            ReportFiles.ToJson(new() { LatencyMs = new(1000, 1, 2, 4, 8, 16, 1.5) }),
            ReportFiles.ToJson(new() { LatencyMs = new(1000, 1.5, 2, 3, 16, 64, 1.5) }));

        Assert.Equal(0, exit);
        Assert.Matches(@"^p50 ms\s+1\s+1\.500\s+\+50\.0%$", Row(output, "p50 ms"));
        Assert.Matches(@"^p90 ms\s+2\s+2\s+=$", Row(output, "p90 ms"));
        Assert.Matches(@"^p99 ms\s+4\s+3\s+-25\.0%$", Row(output, "p99 ms"));
        Assert.Matches(@"^p99\.9 ms\s+8\s+16\s+\+100\.0%$", Row(output, "p99.9 ms"));
        Assert.Matches(@"^max ms\s+16\s+64\s+\+300\.0%$", Row(output, "max ms"));
    }

    /// <summary>Writes the two reports to files and runs <c>scalechat load compare</c> on them.</summary>
    private static async Task<(int Exit, string Output, string A, string B)> CompareAsync(string reportA, string reportB)
    {
        var directory = Path.Combine(Path.GetTempPath(), $"scalechat-compare-{Guid.NewGuid():N}");
        Directory.CreateDirectory(directory);
        var a = Path.Combine(directory, "a.json");
        var b = Path.Combine(directory, "b.json");
        await File.WriteAllTextAsync(a, reportA);
        await File.WriteAllTextAsync(b, reportB);
        var output = new StringWriter();
        var root = new System.CommandLine.RootCommand { ScaleChat.Cli.Load.LoadCommand.Create(_ => null, output, new StringWriter()) };
        try
        {
            var exit = await root.Parse(["load", "compare", a, b]).InvokeAsync().WaitAsync(TimeSpan.FromSeconds(10));
            return (exit, output.ToString(), a, b);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    /// <summary>The one line of the table that starts with <paramref name="label"/>.</summary>
    private static string Row(string output, string label) =>
        output.Split('\n').Single(l => l.StartsWith(label + " ", StringComparison.Ordinal));
}
