using System.Globalization;
using System.Text;

namespace ScaleChat.LoadTest.Reports;

/// <summary>The summary printed at the end of a run.</summary>
public static class SummaryTable
{
    public static string Format(Report report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var w = report.Workload;
        var b = new StringBuilder();
        void Row(string name, string value) => b.Append(CultureInfo.InvariantCulture, $"  {name,-22} {value}\n");
        b.Append(CultureInfo.InvariantCulture, $"\nscalechat load: {report.Url}\n");
        Row("workload", string.Create(CultureInfo.InvariantCulture, $"{w.Clients:N0} clients in {w.Rooms:N0} rooms ({w.ClientsPerRoom:N0} per room), {w.Publishers:N0} publishers, {w.Rate:N0} msg/s ({w.RatePerPublisher:0.##} each), {Size(w)} bytes, {w.Private * 100:0.#}% private{(w.Legacy ? ", legacy format" : "")}"));
        Row("time", string.Create(CultureInfo.InvariantCulture, $"warm-up {w.WarmupSeconds:0.#}s, measured {w.DurationSeconds:0.#}s, {w.Workers} process(es)"));
        Row("connections", string.Create(CultureInfo.InvariantCulture, $"{report.Connected:N0} connected of {report.ConnectAttempts:N0} attempts, {report.ConnectFailures:N0} failed{Codes(report.ConnectFailuresByKind)}; connect p50 {LiveLine.Ms(report.ConnectTimeMs.P50)}, p99 {LiveLine.Ms(report.ConnectTimeMs.P99)}"));
        Row("messages sent", string.Create(CultureInfo.InvariantCulture, $"{report.Sent:N0} measured ({report.SentPerSecond:N0}/s), {report.Acks:N0} acks (whole run), {report.NotSent:N0} not sent (publisher down)"));
        Row("deliveries", string.Create(CultureInfo.InvariantCulture, $"{report.Delivered:N0} of {report.Expected:N0} expected ({report.DeliveriesPerSecond:N0}/s)"));
        Row("lost", string.Create(CultureInfo.InvariantCulture, $"{report.Lost:N0} ({report.LossRatio * 100:0.###}%)   duplicates {report.Duplicates:N0}   out of order {report.OutOfOrder:N0}   unexpected {report.Unexpected:N0}"));
        var l = report.LatencyMs;
        Row("latency", $"p50 {LiveLine.Ms(l.P50)}   p90 {LiveLine.Ms(l.P90)}   p99 {LiveLine.Ms(l.P99)}   p99.9 {LiveLine.Ms(l.P999)}   max {LiveLine.Ms(l.Max)}   (from scheduled send to receipt)");
        Row("errors", report.ErrorsByCode.Count == 0 ? "none" : Codes(report.ErrorsByCode).Trim());
        Row("disconnects", report.ClosesByCode.Count == 0 ? "none" : string.Create(CultureInfo.InvariantCulture, $"{report.Disconnects:N0} by close code{Codes(report.ClosesByCode)}"));
        var g = report.Generator;
        Row("generator", string.Create(CultureInfo.InvariantCulture, $"CPU {g.CpuPercentMean:0}% mean, {g.CpuPercentMax:0}% max of {g.Cores} cores; scheduler late p99 {LiveLine.Ms(g.SchedulerLateMs?.P99 ?? 0)}, max {LiveLine.Ms(g.SchedulerLateMs?.Max ?? 0)}{(g.TieredCompilation ? "; tiered compilation on" : "")}{(g.Saturated ? "  SATURATED" : "")}"));
        if (g.WorkerCores.Count > 0)
        {
            Row("workers", g.WorkerPlacement());
        }

        foreach (var warning in report.Warnings)
        {
            Row("warning", warning);
        }

        if (report.Search is { } search)
        {
            b.Append(CultureInfo.InvariantCulture, $"\n  capacity search ({search.Kind}, x{search.Factor:0.##} per step)\n");
            b.Append("  step      value   clients       rate   held      p99      max        lost   deliveries/s  disconnects  broke\n");
            foreach (var s in search.Steps)
            {
                b.Append(CultureInfo.InvariantCulture, $"  {s.Step,4} {s.Value,10:N0} {s.Clients,9:N0} {s.Rate,10:N0}   {(s.Passed ? "yes" : "NO"),-4} {LiveLine.Ms(s.P99Ms),8} {LiveLine.Ms(s.MaxMs),8} {s.Lost,11:N0} {s.DeliveriesPerSecond,14:N0} {s.Disconnects,12:N0}  {s.Broken}\n");
            }

            b.Append(search.LargestHeld is { } held
                ? string.Create(CultureInfo.InvariantCulture, $"  largest {search.Kind} that held: {held:N0}\n")
                : "  no step held the SLO\n");
        }

        if (report.Slo is { } slo)
        {
            b.Append(CultureInfo.InvariantCulture, $"\n  SLO {slo.Text}: {(slo.Passed ? "met" : "BROKEN")}\n");
            foreach (var c in slo.Checks)
            {
                b.Append(CultureInfo.InvariantCulture, $"    {(c.Passed ? "ok  " : "FAIL")} {c.Term,-20} actual {c.Actual:0.###}\n");
            }
        }

        return b.ToString();
    }

    private static string Size(WorkloadReport w) => w.SizeMin == w.SizeMax ? w.SizeMin.ToString(CultureInfo.InvariantCulture) : $"{w.SizeMin}-{w.SizeMax}";

    internal static string Codes(Dictionary<string, long> byCode) =>
        byCode.Count == 0 ? "" : " (" + string.Join(", ", byCode.OrderByDescending(p => p.Value).Select(p => string.Create(CultureInfo.InvariantCulture, $"{p.Key}: {p.Value:N0}"))) + ")";
}
