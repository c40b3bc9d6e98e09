using System.Globalization;
using System.Net;
using System.Text;
using HdrHistogram;
using ScaleChat.LoadTest.Measurement;
using ScaleChat.LoadTest.Running;

namespace ScaleChat.LoadTest.Reports;

/// <summary>
/// report.html: one self-contained page (inline CSS and SVG, no script, nothing fetched) that says
/// first whether the server held, then shows throughput, latency and connections over time.
/// </summary>
public static class HtmlReport
{
    private const string Style = """
        body{font:14px/1.45 system-ui,sans-serif;max-width:960px;margin:24px auto;color:#222;padding:0 12px}
        h1{font-size:22px;margin-bottom:4px} h2{font-size:17px;margin-top:28px;border-bottom:1px solid #ddd}
        .verdict{padding:10px 14px;border-radius:6px;font-weight:600;margin:12px 0}
        .ok{background:#e3f6e5;color:#14532d}.bad{background:#fde2e1;color:#7f1d1d}.none{background:#eef2f7}
        .cards{display:flex;flex-wrap:wrap;gap:10px}.card{border:1px solid #ddd;border-radius:6px;padding:8px 12px;min-width:140px}
        .card b{display:block;font-size:20px}.warn{background:#fff7db;padding:6px 10px;border-radius:4px;margin:4px 0}
        table{border-collapse:collapse;margin:8px 0}td,th{border:1px solid #ddd;padding:3px 9px;text-align:right}th{background:#f6f6f6}
        td:first-child,th:first-child{text-align:left} caption{text-align:left;font-weight:600;padding:4px 0} .t{font-size:13px;font-weight:600}.a{font-size:11px;fill:#555}
        """;

    public static string Render(Report report, RunResult result)
    {
        ArgumentNullException.ThrowIfNull(report);
        ArgumentNullException.ThrowIfNull(result);
        var inv = CultureInfo.InvariantCulture;
        var b = new StringBuilder();
        b.Append("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>ScaleChat load report</title><style>").Append(Style).Append("</style></head><body>");
        b.Append(inv, $"<h1>ScaleChat load report</h1><div>{E(report.Url)} &middot; started {report.StartedAt:yyyy-MM-dd HH:mm:ss} UTC &middot; {E(Workload(report.Workload))}</div>");
        AppendVerdict(b, report);
        var l = report.LatencyMs;
        b.Append("<div class=\"cards\">");
        Card(b, "deliveries/s", report.DeliveriesPerSecond.ToString("N0", inv));
        Card(b, "p99 latency", LiveLine.Ms(l.P99));
        Card(b, "max latency", LiveLine.Ms(l.Max));
        Card(b, "lost", string.Create(inv, $"{report.Lost:N0} ({report.LossRatio * 100:0.##}%)"));
        Card(b, "connected", string.Create(inv, $"{report.Connected:N0} / {report.Workload.Clients:N0}"));
        Card(b, "errors", report.ErrorsByCode.Values.Sum().ToString("N0", inv));
        Card(b, "disconnects", report.Disconnects.ToString("N0", inv));
        b.Append("</div>");
        foreach (var w in report.Warnings)
        {
            b.Append(inv, $"<div class=\"warn\">&#9888; {E(w)}</div>");
        }

        AppendCharts(b, report, result);
        AppendTables(b, report);
        b.Append("<h2>How to read this</h2><p>Latency is measured for every delivery from the time the message was <em>scheduled</em> to be sent to the time it was received, in the same process: a server that stalls shows as latency, not as fewer messages (no coordinated omission). The shaded span of each chart is the measured window; warm-up and drain are outside it. Loss is what the server should have delivered (every member of the room, sender included; for a private message, the addressee and the sender) minus what arrived before the drain ended. When the generator itself is saturated (its CPU, or a scheduler running late) the report says so: its latencies are then partly its own.</p>");
        return b.Append("</body></html>").ToString();
    }

    private static void AppendVerdict(StringBuilder b, Report report)
    {
        var held = report.Search is { LargestHeld: { } largest } s ? string.Create(CultureInfo.InvariantCulture, $"Capacity search: the largest {s.Kind} that held the SLO was {largest:N0}. ") : "";
        if (report.Slo is { } slo)
        {
            var broken = string.Join(", ", slo.Checks.Where(c => !c.Passed).Select(c => string.Create(CultureInfo.InvariantCulture, $"{c.Term} (was {c.Actual:0.###})")));
            b.Append(slo.Passed
                ? $"<div class=\"verdict ok\">{E(held)}SLO {E(slo.Text)} met.</div>"
                : $"<div class=\"verdict bad\">{E(held)}SLO {E(slo.Text)} broken: {E(broken)}.</div>");
        }
        else
        {
            b.Append(report.Lost == 0 && report.ConnectFailures == 0
                ? $"<div class=\"verdict none\">{E(held)}No SLO given. Nothing was lost and every client connected.</div>"
                : $"<div class=\"verdict none\">{E(held)}No SLO given. {report.Lost:N0} deliveries lost, {report.ConnectFailures:N0} connections failed.</div>");
        }
    }

    private static void AppendCharts(StringBuilder b, Report report, RunResult result)
    {
        var samples = OnePerSecond(result.Samples);
        var seconds = samples.Select(s => s.Second).ToList();
        var latencies = samples.Select(s => s.Latency.Summarize()).ToList();
        var from = samples.FindIndex(s => s.Phase == "measure");
        var to = samples.FindLastIndex(s => s.Phase == "measure");
        var (shadeFrom, shadeTo) = from >= 1 ? (seconds[from - 1], seconds[to]) : (from == 0 ? 0 : -1, to >= 0 ? seconds[to] : -1);
        b.Append("<h2>Throughput</h2>").Append(SvgChart.Line("Messages sent and delivered", "per second", seconds,
        [
            new("sent", "#2563eb", [.. samples.Select(s => (double)s.Sent)]),
            new("delivered", "#16a34a", [.. samples.Select(s => (double)s.Delivered)]),
        ], shadeFrom, shadeTo));
        b.Append("<h2>Latency</h2>").Append(SvgChart.Line("Delivery latency per second", "ms", seconds,
        [
            new("p50", "#16a34a", [.. latencies.Select(l => l.P50)]),
            new("p90", "#2563eb", [.. latencies.Select(l => l.P90)]),
            new("p99", "#d97706", [.. latencies.Select(l => l.P99)]),
            new("max", "#dc2626", [.. latencies.Select(l => l.Max)]),
        ], shadeFrom, shadeTo));
        AppendDistribution(b, result.Latency);
        b.Append("<h2>Connections</h2>").Append(SvgChart.Line("Clients connected, and failures so far", "clients", seconds,
        [
            new("connected", "#2563eb", [.. samples.Select(s => (double)s.Connected)]),
            new("connect failures", "#d97706", [.. samples.Select(s => (double)s.ConnectFailures)]),
            new("disconnects", "#dc2626", [.. samples.Select(s => (double)s.Disconnects)]),
            new("errors", "#7c3aed", [.. samples.Select(s => (double)s.Errors)]),
        ], shadeFrom, shadeTo));
        b.Append("<h2>The generator's own health</h2>").Append(SvgChart.Line("Generator CPU (share of the machine) and scheduler lateness", "% / ms", seconds,
        [
            new("cpu %", "#2563eb", [.. samples.Select(s => s.CpuPercent)]),
            new("scheduler late ms", "#dc2626", [.. samples.Select(s => s.SchedulerLateMs)]),
        ], shadeFrom, shadeTo));
        if (report.Generator.WorkerCores.Count > 0)
        {
            b.Append(CultureInfo.InvariantCulture, $"<p>{report.Generator.WorkerCores.Count} worker processes: {E(report.Generator.WorkerPlacement())}.</p>");
        }
    }

    /// <summary>
    /// The run's last sample is taken when it ends, often within the second of the one before: one
    /// point per second, so the last second is not drawn twice (counts added, totals the later).
    /// </summary>
    internal static List<Sample> OnePerSecond(List<Sample> samples)
    {
        var points = new List<Sample>(samples.Count);
        foreach (var s in samples)
        {
            if (points.Count > 0 && points[^1].Second == s.Second)
            {
                var p = points[^1];
                points[^1] = new Sample
                {
                    Second = s.Second,
                    Phase = p.Phase,
                    Connected = s.Connected,
                    Sent = p.Sent + s.Sent,
                    Delivered = p.Delivered + s.Delivered,
                    Latency = HistogramData.Merge([p.Latency, s.Latency]),
                    Errors = s.Errors,
                    ConnectFailures = s.ConnectFailures,
                    Disconnects = s.Disconnects,
                    CpuPercent = Math.Max(p.CpuPercent, s.CpuPercent),
                    SchedulerLateMs = Math.Max(p.SchedulerLateMs, s.SchedulerLateMs),
                };
            }
            else
            {
                points.Add(s);
            }
        }

        return points;
    }

    /// <summary>The measured window's latency as an HdrHistogram percentile plot, and the same in a table.</summary>
    private static void AppendDistribution(StringBuilder b, HistogramData latency)
    {
        var inv = CultureInfo.InvariantCulture;
        var histogram = HistogramData.NewHistogram();
        latency.AddTo(histogram);
        var count = histogram.TotalCount;
        var rows = new[] { 50, 75, 90, 95, 99, 99.9, 99.99, 100 }
            .Select(p => new SvgChart.Mark(p == 100 ? "max" : "p" + p.ToString(inv), p, count == 0 ? 0 : (p == 100 ? histogram.GetMaxValue() : histogram.GetValueAtPercentile(p)) / 1000.0))
            .ToList();
        b.Append("<h2>Latency distribution</h2>");
        if (count == 0)
        {
            b.Append("<p>No delivery was measured, so there is no distribution to plot.</p>");
        }
        else
        {
            b.Append(inv, $"<p>Every one of the {count:N0} measured deliveries, by percentile: read across to see how rare a latency is. The further right, the rarer: at 99% one delivery in a hundred was slower.</p>");
            b.Append(SvgChart.Percentiles("Latency by percentile", latency.PercentileCurve(), [.. rows.Where(r => r.Name is "p50" or "p90" or "p99" or "p99.9" or "p99.99" or "max")], count, "latency-percentiles"));
        }

        b.Append(inv, $"<table id=\"latency-percentiles\"><caption>Latency at key percentiles of {count:N0} measured deliveries</caption><tr><th>percentile</th><th>latency</th><th>slower than this</th></tr>");
        foreach (var row in rows)
        {
            var slower = row.Percentile == 100 ? "none" : string.Create(inv, $"1 in {100 / (100 - row.Percentile):N0}");
            b.Append(inv, $"<tr><td>{row.Name}</td><td>{LiveLine.Ms(row.Ms)}</td><td>{slower}</td></tr>");
        }

        b.Append("</table>");
    }

    private static void AppendTables(StringBuilder b, Report report)
    {
        var inv = CultureInfo.InvariantCulture;
        b.Append("<h2>Counts</h2><table><tr><th>what</th><th>count</th></tr>");
        foreach (var (name, value) in new (string, long)[]
        {
            ("messages sent (measured)", report.Sent), ("deliveries expected", report.Expected), ("delivered", report.Delivered),
            ("lost", report.Lost), ("duplicates", report.Duplicates), ("out of order", report.OutOfOrder), ("unexpected", report.Unexpected),
            ("acks (whole run)", report.Acks), ("not sent (publisher down)", report.NotSent), ("connect attempts", report.ConnectAttempts),
        })
        {
            b.Append(inv, $"<tr><td>{name}</td><td>{value:N0}</td></tr>");
        }

        b.Append("</table>");
        Dictionary(b, "Errors by code", report.ErrorsByCode);
        Dictionary(b, "Disconnects by close code", report.ClosesByCode);
        Dictionary(b, "Connect failures by kind", report.ConnectFailuresByKind);
        if (report.Search is { } search)
        {
            b.Append("<h2>Capacity search</h2><table><tr><th>step</th><th>").Append(E(search.Kind)).Append("</th><th>clients</th><th>rate</th><th>held</th><th>p99</th><th>max</th><th>lost</th><th>deliveries/s</th><th>disconnects</th><th>broke</th></tr>");
            foreach (var s in search.Steps)
            {
                b.Append(inv, $"<tr><td>{s.Step}</td><td>{s.Value:N0}</td><td>{s.Clients:N0}</td><td>{s.Rate:N0}</td><td>{(s.Passed ? "yes" : "no")}</td><td>{LiveLine.Ms(s.P99Ms)}</td><td>{LiveLine.Ms(s.MaxMs)}</td><td>{s.Lost:N0}</td><td>{s.DeliveriesPerSecond:N0}</td><td>{s.Disconnects:N0}</td><td>{E(s.Broken)}</td></tr>");
            }

            b.Append("</table>");
        }
    }

    private static void Dictionary(StringBuilder b, string title, Dictionary<string, long> counts)
    {
        if (counts.Count == 0)
        {
            return;
        }

        b.Append("<h2>").Append(E(title)).Append("</h2><table><tr><th>code</th><th>count</th></tr>");
        foreach (var (key, value) in counts.OrderByDescending(p => p.Value))
        {
            b.Append(CultureInfo.InvariantCulture, $"<tr><td>{E(key)}</td><td>{value:N0}</td></tr>");
        }

        b.Append("</table>");
    }

    private static void Card(StringBuilder b, string name, string value) =>
        b.Append("<div class=\"card\">").Append(E(name)).Append("<b>").Append(E(value)).Append("</b></div>");

    private static string Workload(WorkloadReport w) => string.Create(CultureInfo.InvariantCulture,
        $"{w.Clients:N0} clients, {w.Rooms:N0} rooms, {w.Publishers:N0} publishers, {w.Rate:N0} msg/s, {w.SizeMin}-{w.SizeMax} bytes, {w.Private * 100:0.#}% private, {w.DurationSeconds:0.#}s measured after {w.WarmupSeconds:0.#}s warm-up{(w.Legacy ? ", legacy format" : "")}");

    private static string E(string text) => WebUtility.HtmlEncode(text);
}
