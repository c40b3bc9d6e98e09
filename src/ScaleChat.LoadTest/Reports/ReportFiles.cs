using System.Globalization;
using System.Text;
using System.Text.Json;
using ScaleChat.LoadTest.Measurement;
using ScaleChat.LoadTest.Running;

namespace ScaleChat.LoadTest.Reports;

/// <summary>Writes <c>report.json</c>, <c>report.html</c> and <c>timeseries.csv</c> into the report directory.</summary>
public static class ReportFiles
{
    public const string CsvHeader = "second,phase,connected,sentPerSecond,deliveredPerSecond,p50Ms,p90Ms,p99Ms,maxMs,errors,connectFailures,disconnects,cpuPercent,schedulerLateMs";

    public static void Write(string directory, Report report, RunResult result)
    {
        ArgumentNullException.ThrowIfNull(report);
        ArgumentNullException.ThrowIfNull(result);
        Directory.CreateDirectory(directory);
        File.WriteAllText(Path.Combine(directory, "report.json"), ToJson(report));
        File.WriteAllText(Path.Combine(directory, "timeseries.csv"), ToCsv(result.Samples));
        File.WriteAllText(Path.Combine(directory, "report.html"), HtmlReport.Render(report, result));
    }

    public static string ToJson(Report report) => JsonSerializer.Serialize(report, IndentedReportJsonContext.Default.Report);

    public static string ToCsv(IEnumerable<Sample> samples)
    {
        var b = new StringBuilder(CsvHeader).Append('\n');
        foreach (var s in samples)
        {
            var l = s.Latency.Summarize();
            b.Append(CultureInfo.InvariantCulture,
                $"{s.Second},{s.Phase},{s.Connected},{s.Sent},{s.Delivered},{l.P50},{l.P90},{l.P99},{l.Max},{s.Errors},{s.ConnectFailures},{s.Disconnects},{s.CpuPercent},{s.SchedulerLateMs}\n");
        }

        return b.ToString();
    }
}
