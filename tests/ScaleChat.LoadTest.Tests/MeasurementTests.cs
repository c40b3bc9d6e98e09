using HdrHistogram;
using ScaleChat.LoadTest.Clients;
using ScaleChat.LoadTest.Measurement;
using ScaleChat.LoadTest.Running;
using ScaleChat.LoadTest.Workload;

namespace ScaleChat.LoadTest.Tests;

/// <summary>The pieces of measurement on their own: histograms, SLO terms, durations, the plan, the text prefix.</summary>
public sealed class MeasurementTests
{
    [Fact]
    public void HistogramsOfTwoWorkersMergeIntoTheHistogramOfAllTheirValues()
    {
        var a = HistogramData.NewHistogram();
        var b = HistogramData.NewHistogram();
        var all = HistogramData.NewHistogram();
        for (var i = 1; i <= 1000; i++)
        {
            (i % 3 == 0 ? a : b).RecordValue(i * 100);
            all.RecordValue(i * 100);
        }

        var merged = HistogramData.Merge([HistogramData.From(a), HistogramData.From(b)]).Summarize();

        Assert.Equal(LatencySummary.Of(all), merged);
        Assert.Equal(1000, merged.Count);
        Assert.Equal(99.0, merged.P99, 0);
    }

    [Fact]
    public void EachSummaryHoldsOnlyItsOwnValues()
    {
        var low = HistogramData.NewHistogram();
        var high = HistogramData.NewHistogram();
        low.RecordValueWithCount(1_000, 10);
        high.RecordValueWithCount(9_000, 5);

        // One after the other on the same thread: the second must not see the first's values.
        var first = HistogramData.From(low).Summarize();
        var second = HistogramData.From(high).Summarize();

        Assert.Equal((10L, 1.0), (first.Count, first.P50));
        Assert.Equal(5L, second.Count);
        Assert.Equal(9.0, second.P50, 1);
        Assert.Equal(9.0, second.Mean, 1);
    }

    [Theory]
    [InlineData("p99<50ms", "p99", "<", 50)]
    [InlineData("max<=1s", "max", "<=", 1000)]
    [InlineData("p999<500us", "p999", "<", 0.5)]
    [InlineData("loss=0", "loss", "=", 0)]
    [InlineData("loss<0.1%", "loss%", "<", 0.1)]
    [InlineData("deliveries>=10000", "deliveries", ">=", 10000)]
    public void SloTermsParseIntoMetricOperatorAndLimit(string text, string metric, string op, double limit)
    {
        var term = Assert.Single(Slo.TryParse(text, out _)!.Terms);

        Assert.Equal((metric, op), (term.Metric, term.Operator));
        Assert.Equal(limit, term.Limit, 6);
    }

    [Theory]
    [InlineData("30s", 30)]
    [InlineData("2m", 120)]
    [InlineData("500ms", 0.5)]
    [InlineData("10", 10)]
    public void DurationsReadSecondsMinutesAndMilliseconds(string text, double seconds)
    {
        Assert.True(ValueParsers.TryParseDuration(text, out var value));
        Assert.Equal(seconds, value.TotalSeconds, 6);
    }

    [Fact]
    public void WorkersSliceTheRoomsSoEveryClientIsDrivenExactlyOnce()
    {
        var settings = new LoadSettings { Clients = 103, Rooms = 10, Publishers = 20, Rate = 100, Workers = 3 };
        var slices = Enumerable.Range(0, 3).Select(i => new Plan(settings with { SliceIndex = i, SliceCount = 3 })).ToList();

        Assert.Equal(Enumerable.Range(0, 103), slices.SelectMany(p => p.ClientIndexes).Order());
        Assert.Equal(20, slices.Sum(p => p.PublisherLocals.Length));
        Assert.Equal(100, slices.Sum(p => p.Rate), 6);
        Assert.All(slices, p => Assert.All(p.ClientIndexes, c => Assert.True(p.InSlice(c))));
    }

    [Fact]
    public void AMessageCarriesItsNumberAndItsSizeInItsText()
    {
        var sender = new LoadClient(0, 0, 3, 0, "ldx-0");
        var buffer = new byte[512];

        var length = LoadRunner.Encode(buffer, 12345, 100, sender, null, legacy: false);
        var json = System.Text.Json.JsonDocument.Parse(buffer.AsMemory(0, length)).RootElement;
        var text = json.GetProperty("text").GetString()!;

        Assert.Equal(100, text.Length);
        Assert.Equal(12345, LoadObjectReader.ParseIndex(System.Text.Encoding.UTF8.GetBytes(text)));
        Assert.Equal("load-3", json.GetProperty("room").GetString());
        Assert.Equal(-1, LoadObjectReader.ParseIndex("hello"u8));
    }

    [Theory]
    [InlineData("""{"type":"message","room":"load-0","from":"a","text":"#42#xxxx","seq":7,"id":"m1","ts":1}""", false)]
    [InlineData("""{"room":"load-0","type":"message","seq":7,"text":"#42#xxxx"}""", false)]
    [InlineData("""{"message_id":42,"text":"#42#xx","sender":"a","room":"load-0","clientId":"a","message":"#42#xx"}""", true)]
    public void TheReaderFindsTheMessageNumberWhateverTheFieldOrder(string json, bool legacy)
    {
        Assert.True(LoadObjectReader.TryRead(System.Text.Encoding.UTF8.GetBytes(json), legacy, out var o));

        Assert.Equal(ServerObjectKind.Message, o.Kind);
        Assert.Equal(42, o.MessageIndex);
    }

    [Fact]
    public void TheReaderTellsAcksAndErrorsWithTheirCode()
    {
        Assert.True(LoadObjectReader.TryRead("""{"type":"ack","ref":3,"id":"m1","seq":1}"""u8, false, out var ack));
        Assert.True(LoadObjectReader.TryRead("""{"type":"error","code":"rate_limited","message":"slow down","ref":4}"""u8, false, out var error));

        Assert.Equal(ServerObjectKind.Ack, ack.Kind);
        Assert.Equal(ServerObjectKind.Error, error.Kind);
        Assert.Equal("rate_limited", System.Text.Encoding.UTF8.GetString(error.Code));
    }
}
