using System.Globalization;
using System.Text.RegularExpressions;

namespace ScaleChat.LoadTest.Workload;

/// <summary>One threshold: a metric of the result, a comparison and a limit.</summary>
public sealed record SloTerm(string Metric, string Operator, double Limit, string Text)
{
    /// <summary>True when <paramref name="actual"/> is within the threshold.</summary>
    public bool Holds(double actual) => Operator switch
    {
        "<" => actual < Limit,
        "<=" => actual <= Limit,
        ">" => actual > Limit,
        ">=" => actual >= Limit,
        _ => Math.Abs(actual - Limit) < 1e-9,
    };
}

/// <summary>
/// Service-level objectives such as <c>p99&lt;50ms,loss=0</c>: latency percentiles (<c>p50</c>,
/// <c>p90</c>, <c>p99</c>, <c>p999</c>, <c>max</c>; in ms, s or us), <c>loss</c> (deliveries lost; a
/// trailing % makes it a share), <c>duplicates</c>, <c>outOfOrder</c>, <c>errors</c>,
/// <c>connectFailures</c>, <c>disconnects</c> and <c>deliveries</c> (per second).
/// </summary>
public sealed partial class Slo
{
    /// <summary>The metrics a term may name, in lower case.</summary>
    public static readonly IReadOnlySet<string> Metrics = new HashSet<string>
    {
        "p50", "p90", "p99", "p999", "max", "loss", "loss%", "duplicates", "outoforder", "errors",
        "connectfailures", "disconnects", "deliveries",
    };

    private Slo(IReadOnlyList<SloTerm> terms, string text) => (Terms, Text) = (terms, text);

    /// <summary>The thresholds, in the order given.</summary>
    public IReadOnlyList<SloTerm> Terms { get; }

    /// <summary>The text it was parsed from.</summary>
    public string Text { get; }

    /// <summary>The SLO a capacity search uses when none is given.</summary>
    public const string DefaultForSearch = "p99<100ms,loss=0";

    /// <summary>Parses a comma-separated list of terms; null with <paramref name="error"/> set when malformed.</summary>
    public static Slo? TryParse(string text, out string? error)
    {
        error = null;
        var terms = new List<SloTerm>();
        foreach (var raw in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var match = TermPattern().Match(raw);
            var metric = match.Success ? match.Groups["metric"].Value.ToLowerInvariant() : "";
            var percent = match.Success && match.Groups["unit"].Value == "%";
            if (percent && metric == "loss")
            {
                metric = "loss%";
            }

            if (!match.Success || !Metrics.Contains(metric) || !TryScale(metric, match.Groups["unit"].Value, out var scale))
            {
                error = $"--slo term '{raw}' is not understood: use e.g. p99<50ms, max<1s, loss=0, loss<0.1%, errors=0, deliveries>10000";
                return null;
            }

            var value = double.Parse(match.Groups["value"].Value, CultureInfo.InvariantCulture) * scale;
            terms.Add(new SloTerm(metric, match.Groups["op"].Value, value, raw));
        }

        if (terms.Count == 0)
        {
            error = "--slo needs at least one term, e.g. p99<50ms,loss=0";
            return null;
        }

        return new Slo(terms, text);
    }

    // Latency limits are held in milliseconds; a share in percent stays in percent.
    private static bool TryScale(string metric, string unit, out double scale)
    {
        var latency = metric is "p50" or "p90" or "p99" or "p999" or "max";
        scale = (latency, unit) switch
        {
            (true, "ms" or "") => 1,
            (true, "s") => 1000,
            (true, "us") => 0.001,
            (false, "" or "%") => 1,
            _ => double.NaN,
        };
        return !double.IsNaN(scale);
    }

    [GeneratedRegex(@"^(?<metric>[A-Za-z%0-9]+?)\s*(?<op><=|>=|<|>|==|=)\s*(?<value>[0-9]+(\.[0-9]+)?)\s*(?<unit>ms|us|s|%)?$")]
    private static partial Regex TermPattern();
}
