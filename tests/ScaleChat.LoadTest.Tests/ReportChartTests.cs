using ScaleChat.LoadTest.Measurement;
using ScaleChat.LoadTest.Reports;
using ScaleChat.LoadTest.Running;

namespace ScaleChat.LoadTest.Tests;

public sealed class ReportChartTests
{
    [Fact]
    public void TheLastSampleOfARunIsFoldedIntoItsSecondInsteadOfDrawnTwice()
    {
        var samples = new List<Sample>
        {
            new() { Second = 1, Phase = "measure", Connected = 10, Sent = 100, Delivered = 900, Latency = new HistogramData([1000], [900]), Errors = 0 },
            new() { Second = 2, Phase = "measure", Connected = 10, Sent = 100, Delivered = 1000, Latency = new HistogramData([2000], [1000]), Errors = 1 },
            new() { Second = 2, Phase = "measure", Connected = 9, Sent = 5, Delivered = 50, Latency = new HistogramData([4000], [50]), Errors = 2 },
        };

        var points = HtmlReport.OnePerSecond(samples);

        Assert.Equal([1, 2], points.Select(p => p.Second));
        Assert.Equal((105L, 1050L, 1050L), (points[1].Sent, points[1].Delivered, points[1].Latency.TotalCount));
        Assert.Equal((9L, 2L), (points[1].Connected, points[1].Errors));
    }
}
