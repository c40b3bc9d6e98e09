using System.Globalization;
using HdrHistogram;
using ScaleChat.LoadTest.Measurement;
using ScaleChat.LoadTest.Running;

namespace ScaleChat.LoadTest.Reports;

/// <summary>The line printed every second: clients connected, sent/s, delivered/s, p99 now and so far, errors.</summary>
public sealed class LiveLine(int clients)
{
    private readonly LongHistogram _soFar = HistogramData.NewHistogram();

    public string Format(Sample sample)
    {
        ArgumentNullException.ThrowIfNull(sample);
        sample.Latency.AddTo(_soFar);
        var now = sample.Latency.Summarize();
        var total = LatencySummary.Of(_soFar);
        return string.Create(CultureInfo.InvariantCulture,
            $"[{sample.Second,4}s {sample.Phase,-7}] clients {sample.Connected:N0}/{clients:N0}  sent/s {sample.Sent:N0}  delivered/s {sample.Delivered:N0}  " +
            $"p99 {Ms(now.P99)} (so far {Ms(total.P99)}, max {Ms(total.Max)})  errors {sample.Errors:N0}  connect failures {sample.ConnectFailures:N0}  " +
            $"disconnects {sample.Disconnects:N0}  cpu {sample.CpuPercent:0}%");
    }

    internal static string Ms(double ms) => ms switch
    {
        0 => "-",
        < 10 => ms.ToString("0.00", CultureInfo.InvariantCulture) + "ms",
        < 1000 => ms.ToString("0.0", CultureInfo.InvariantCulture) + "ms",
        _ => (ms / 1000).ToString("0.00", CultureInfo.InvariantCulture) + "s",
    };
}
