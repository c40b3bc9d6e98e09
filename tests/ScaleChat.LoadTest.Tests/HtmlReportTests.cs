using System.Globalization;
using System.Text.RegularExpressions;
using ScaleChat.LoadTest.Measurement;
using ScaleChat.LoadTest.Reports;
using ScaleChat.LoadTest.Tests.Infrastructure;

namespace ScaleChat.LoadTest.Tests;

/// <summary>report.html: the latency distribution as a percentile plot, readable without the picture too.</summary>
public sealed partial class HtmlReportTests
{
    [Fact]
    public async Task TheHtmlReportOfARealRunPlotsLatencyByPercentileWithItsAxesAndATextAlternative()
    {
        await using var server = await TestServer.StartAsync();
        var run = await LoadCli.RunAsync(LoadCli.Short(server.WsUrl, "--clients", "20", "--rooms", "2", "--publishers", "4", "--rate", "40"));

        Assert.True(run.ExitCode == 0, run.Output + run.Error);
        var html = run.Html;
        var plot = Plot().Match(html);
        Assert.True(plot.Success, "no percentile plot in report.html");
        var svg = plot.Value;
        foreach (var tick in new[] { ">0%<", ">90%<", ">99%<", ">99.9%<", ">99.99%<", ">99.999%<" })
        {
            Assert.Contains(tick, svg);
        }

        Assert.Contains("percentile (log scale", svg);
        Assert.Contains("latency (ms)", svg);

        // A percentile plot never falls: later points are further right and no lower.
        var points = Points(svg);
        Assert.True(points.Count >= 5, svg);
        Assert.All(points.Zip(points.Skip(1)), p => Assert.True(p.Second.X >= p.First.X && p.Second.Y <= p.First.Y, svg));

        // The text alternative: the plot names the table, which has the key percentiles of report.json.
        Assert.Contains("aria-describedby=\"latency-percentiles\"", svg);
        var table = Regex.Match(html, "<table id=\"latency-percentiles\">.*?</table>", RegexOptions.Singleline).Value;
        Assert.Contains(string.Create(CultureInfo.InvariantCulture, $"<caption>Latency at key percentiles of {run.Long("delivered"):N0} measured deliveries</caption>"), table);
        foreach (var name in new[] { "p50", "p90", "p99", "p99.9", "max" })
        {
            Assert.Contains($"<tr><td>{name}</td>", table);
        }

        Assert.Contains($"<tr><td>p99</td><td>{LiveLine.Ms(run.LatencyMs("p99"))}</td><td>1 in 100</td></tr>", table);
        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("src=", html, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void EachStepToTheRightOfThePercentilePlotIsTenTimesRarer()
    {
        var svg = PlotOf(Enumerable.Range(1, 100_000), // 1 µs to 100 ms, evenly
            new("p99", 99, 99), new("p99.99", 99.99, 99.99), new("max", 100, 100));

        // The axis runs from x=70 (0%) to x=900 (99.999%): 166 pixels a decade.
        Assert.Contains("<text x=\"70\" y=\"266\" text-anchor=\"middle\" class=\"a\">0%</text>", svg);
        Assert.Contains("<text x=\"402\" y=\"266\" text-anchor=\"middle\" class=\"a\">99%</text>", svg);
        Assert.Contains("<text x=\"900\" y=\"266\" text-anchor=\"end\" class=\"a\">99.999%</text>", svg);
        Assert.Contains("<circle cx=\"402\" cy=", svg);
        Assert.Contains("<title>p99: 99 ms</title>", svg);
        Assert.Contains("<circle cx=\"734\" cy=", svg);
        Assert.Contains("<circle cx=\"900\" cy=", svg);

        // The curve starts at 0% and ends with the maximum at the right edge.
        var points = Points(svg);
        Assert.Equal(900, points[^1].X);
        Assert.Equal(70, points[0].X);
    }

    [Fact]
    public void APercentileRarerThanOneValueOfTheRunIsNotMarked()
    {
        var svg = PlotOf(Enumerable.Range(1, 200).Select(i => i * 100),
            new("p99", 99, 19.8), new("p99.9", 99.9, 20), new("max", 100, 20));

        Assert.Contains("<title>p99: 19.8 ms</title>", svg);
        Assert.DoesNotContain("p99.9:", svg);
        Assert.Contains("<title>max: 20 ms</title>", svg);
    }

    /// <summary>The percentile plot of these latencies (µs) with these marks.</summary>
    private static string PlotOf(IEnumerable<int> micros, params SvgChart.Mark[] marks)
    {
        var histogram = HistogramData.NewHistogram();
        foreach (var value in micros)
        {
            histogram.RecordValue(value);
        }

        var data = HistogramData.From(histogram);
        return SvgChart.Percentiles("Latency by percentile", data.PercentileCurve(), marks, data.TotalCount, "plot");
    }

    private static List<(double X, double Y)> Points(string svg) =>
        [.. Regex.Match(svg, "<polyline [^>]*points=\"([^\"]*)\"").Groups[1].Value.Split(' ')
            .Select(p => p.Split(','))
            .Select(p => (double.Parse(p[0], CultureInfo.InvariantCulture), double.Parse(p[1], CultureInfo.InvariantCulture)))];

    [GeneratedRegex("<svg [^>]*aria-labelledby=\"latency-percentiles-title\".*?</svg>", RegexOptions.Singleline)]
    private static partial Regex Plot();
}
