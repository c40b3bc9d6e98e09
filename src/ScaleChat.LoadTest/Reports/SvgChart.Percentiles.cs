using System.Globalization;
using System.Net;
using System.Text;
using ScaleChat.LoadTest.Measurement;

namespace ScaleChat.LoadTest.Reports;

/// <summary>The percentile plot, drawn the way HdrHistogram's plotter draws it.</summary>
internal static partial class SvgChart
{
    private const int PlotHeight = 300, PlotBottom = 50;

    /// <summary>A labelled point of the plot: a percentile (100 for the maximum) and its latency.</summary>
    public sealed record Mark(string Name, double Percentile, double Ms);

    /// <summary>
    /// Latency (ms, linear) against percentile on a log scale: x is log10(1/(1-p)), so 90%, 99%,
    /// 99.9% ... are evenly spaced and the tail gets as much room as the middle. The axis runs to
    /// 99.999%, further when there are more than 100,000 values; the maximum (100%) sits at its right edge.
    /// <paramref name="marks"/> are drawn as labelled dots, except those rarer than one value in the
    /// run (they say nothing the maximum does not); <paramref name="describedBy"/> is the id of the
    /// table that says the same in text.
    /// </summary>
    public static string Percentiles(string title, IReadOnlyList<PercentilePoint> points, IReadOnlyList<Mark> marks, long count, string describedBy)
    {
        var inv = CultureInfo.InvariantCulture;
        var decades = Math.Clamp((int)Math.Ceiling(Math.Log10(Math.Max(count, 1))), 5, 7);
        var yMax = NiceCeiling(points.Select(p => p.Ms).DefaultIfEmpty(0).Max());
        double X(double percentile) => Left + (Decades(percentile, decades) / decades * (Width - Left - Right));
        double Y(double ms) => PlotHeight - PlotBottom - (ms / yMax * (PlotHeight - Top - PlotBottom));
        var b = new StringBuilder();
        b.Append(inv, $"<svg viewBox=\"0 0 {Width} {PlotHeight}\" width=\"100%\" role=\"img\" aria-labelledby=\"{describedBy}-title\" aria-describedby=\"{describedBy}\">");
        b.Append(inv, $"<title id=\"{describedBy}-title\">{WebUtility.HtmlEncode(title)}</title>");
        b.Append(inv, $"<text x=\"{Left}\" y=\"18\" class=\"t\">{WebUtility.HtmlEncode(title)} (ms)</text>");
        for (var i = 0; i <= 4; i++)
        {
            var v = yMax * i / 4;
            b.Append(inv, $"<line x1=\"{Left}\" x2=\"{Width - Right}\" y1=\"{Y(v):0.#}\" y2=\"{Y(v):0.#}\" stroke=\"#ddd\"/>");
            b.Append(inv, $"<text x=\"{Left - 6}\" y=\"{Y(v) + 4:0.#}\" text-anchor=\"end\" class=\"a\">{Label(v)}</text>");
        }

        for (var d = 0; d <= decades; d++)
        {
            var x = Left + ((double)d / decades * (Width - Left - Right));
            b.Append(inv, $"<line x1=\"{x:0.#}\" x2=\"{x:0.#}\" y1=\"{Top}\" y2=\"{PlotHeight - PlotBottom}\" stroke=\"#ddd\"/>");
            b.Append(inv, $"<text x=\"{x:0.#}\" y=\"{PlotHeight - PlotBottom + 16}\" text-anchor=\"{(d == decades ? "end" : "middle")}\" class=\"a\">{TickLabel(d)}</text>");
        }

        b.Append(inv, $"<text x=\"{(Left + Width - Right) / 2}\" y=\"{PlotHeight - 8}\" text-anchor=\"middle\" class=\"a\">percentile (log scale: each step to the right is ten times rarer)</text>");
        b.Append(inv, $"<text transform=\"translate(16 {(Top + PlotHeight - PlotBottom) / 2}) rotate(-90)\" text-anchor=\"middle\" class=\"a\">latency (ms)</text>");
        var line = string.Join(' ', points.Select(p => string.Create(inv, $"{X(p.Percentile):0.#},{Y(p.Ms):0.#}")));
        b.Append(inv, $"<polyline fill=\"none\" stroke=\"#2563eb\" stroke-width=\"1.8\" points=\"{line}\"/>");
        foreach (var (name, percentile, ms) in marks)
        {
            if (count == 0 || (percentile < 100 && Decades(percentile, decades) > Math.Log10(count)))
            {
                continue;
            }

            b.Append(inv, $"<circle cx=\"{X(percentile):0.#}\" cy=\"{Y(ms):0.#}\" r=\"3\" fill=\"#dc2626\"><title>{name}: {ms:0.###} ms</title></circle>");
            b.Append(inv, $"<text x=\"{X(percentile) - 4:0.#}\" y=\"{Y(ms) - 6:0.#}\" text-anchor=\"end\" class=\"a\">{name}</text>");
        }

        return b.Append("</svg>").ToString();
    }

    /// <summary>Where <paramref name="percentile"/> lies on the axis: log10(1/(1-p)), 100% at the right edge.</summary>
    private static double Decades(double percentile, int decades) =>
        percentile >= 100 ? decades : Math.Min(decades, Math.Log10(100 / (100 - percentile)));

    /// <summary>0%, 90%, 99%, 99.9%, ...: one more nine per decade.</summary>
    private static string TickLabel(int decade) => decade == 0 ? "0%" : (100 - Math.Pow(10, 2 - decade)).ToString("0.#######", CultureInfo.InvariantCulture) + "%";
}
