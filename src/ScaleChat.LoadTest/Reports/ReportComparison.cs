using System.Globalization;
using System.Text;
using System.Text.Json;

namespace ScaleChat.LoadTest.Reports;

/// <summary>
/// <c>scalechat load compare A/report.json B/report.json</c>: the headline figures of two runs side
/// by side with the change from A to B. Reads report.json as JSON, so a report of an older build
/// compares too (a figure it lacks shows as <c>-</c>).
/// </summary>
public static class ReportComparison
{
    private static readonly (string Label, string Path)[] Figures =
    [
        ("deliveries/s", "deliveriesPerSecond"), ("sent", "sent"), ("expected", "expected"), ("delivered", "delivered"),
        ("lost", "lost"), ("duplicates", "duplicates"), ("out of order", "outOfOrder"),
        ("p50 ms", "latencyMs.p50"), ("p90 ms", "latencyMs.p90"), ("p99 ms", "latencyMs.p99"), ("p99.9 ms", "latencyMs.p999"), ("max ms", "latencyMs.max"),
        ("connected", "connected"), ("connect failures", "connectFailures"), ("disconnects", "disconnects"),
        ("generator cpu %", "generator.cpuPercentMean"), ("scheduler late p99 ms", "generator.schedulerLateMs.p99"),
    ];

    /// <summary>The table, one line per figure; throws <see cref="IOException"/> or <see cref="JsonException"/> for an unreadable file.</summary>
    public static string Compare(string a, string b)
    {
        using var left = JsonDocument.Parse(File.ReadAllText(a));
        using var right = JsonDocument.Parse(File.ReadAllText(b));
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"A: {a}{Saturation(left.RootElement)}\nB: {b}{Saturation(right.RootElement)}\n\n");
        text.Append(CultureInfo.InvariantCulture, $"{"figure",-22} {"A",14} {"B",14} {"change",9}\n");
        foreach (var (label, path) in Figures)
        {
            var x = Find(left.RootElement, path);
            var y = Find(right.RootElement, path);
            text.Append(CultureInfo.InvariantCulture, $"{label,-22} {Show(x),14} {Show(y),14} {Change(x, y),9}\n");
        }

        return text.ToString();
    }

    private static string Saturation(JsonElement report) =>
        Find(report, "generator.saturated") is null ? ""
        : report.GetProperty("generator").GetProperty("saturated").GetBoolean() ? "  (generator SATURATED: its latencies include its own delays)" : "";

    private static double? Find(JsonElement element, string path)
    {
        foreach (var name in path.Split('.'))
        {
            if (element.ValueKind != JsonValueKind.Object || !element.TryGetProperty(name, out element))
            {
                return null;
            }
        }

        return element.ValueKind switch
        {
            JsonValueKind.Number => element.GetDouble(),
            JsonValueKind.True => 1,
            JsonValueKind.False => 0,
            _ => null,
        };
    }

    private static string Show(double? value) => value is { } v ? v.ToString(v == Math.Floor(v) ? "N0" : "N3", CultureInfo.InvariantCulture) : "-";

    private static string Change(double? a, double? b) => (a, b) switch
    {
        ({ } x, { } y) when x == y => "=",
        ({ } x, { } y) when x != 0 => ((y - x) / Math.Abs(x)).ToString("+0.0%;-0.0%", CultureInfo.InvariantCulture),
        ({ }, { } y) => y.ToString("+0.###;-0.###", CultureInfo.InvariantCulture),
        _ => "-",
    };
}
