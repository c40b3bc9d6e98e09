using System.Globalization;
using System.Net;
using System.Text;

namespace ScaleChat.LoadTest.Reports;

/// <summary>A line chart as inline SVG: nothing to download, it opens anywhere.</summary>
internal static partial class SvgChart
{
    private const int Width = 920, Height = 260, Left = 70, Right = 20, Top = 30, Bottom = 34;

    public sealed record Series(string Name, string Color, IReadOnlyList<double> Values);

    /// <summary>
    /// Draws <paramref name="series"/> against <paramref name="seconds"/>; the span from
    /// <paramref name="shadeFrom"/> to <paramref name="shadeTo"/> (the measured window) is shaded.
    /// </summary>
    public static string Line(string title, string unit, IReadOnlyList<int> seconds, IReadOnlyList<Series> series, int shadeFrom = -1, int shadeTo = -1)
    {
        var b = new StringBuilder();
        var inv = CultureInfo.InvariantCulture;
        var xMax = Math.Max(1, seconds.Count == 0 ? 1 : seconds[^1]);
        var yMax = NiceCeiling(series.SelectMany(s => s.Values).DefaultIfEmpty(0).Max());
        double X(double s) => Left + (s / xMax * (Width - Left - Right));
        double Y(double v) => Height - Bottom - (v / yMax * (Height - Top - Bottom));
        b.Append(inv, $"<svg viewBox=\"0 0 {Width} {Height}\" width=\"100%\" role=\"img\" aria-label=\"{WebUtility.HtmlEncode(title)}\">");
        b.Append(inv, $"<text x=\"{Left}\" y=\"18\" class=\"t\">{WebUtility.HtmlEncode(title)} ({WebUtility.HtmlEncode(unit)})</text>");
        if (shadeFrom >= 0 && shadeTo > shadeFrom)
        {
            b.Append(inv, $"<rect x=\"{X(shadeFrom):0.#}\" y=\"{Top}\" width=\"{X(shadeTo) - X(shadeFrom):0.#}\" height=\"{Height - Top - Bottom}\" fill=\"#eef5ff\"/>");
        }

        for (var i = 0; i <= 4; i++)
        {
            var v = yMax * i / 4;
            b.Append(inv, $"<line x1=\"{Left}\" x2=\"{Width - Right}\" y1=\"{Y(v):0.#}\" y2=\"{Y(v):0.#}\" stroke=\"#ddd\"/>");
            b.Append(inv, $"<text x=\"{Left - 6}\" y=\"{Y(v) + 4:0.#}\" text-anchor=\"end\" class=\"a\">{Label(v)}</text>");
        }

        var step = Math.Max(1, xMax / 10);
        for (var s = 0; s <= xMax; s += step)
        {
            b.Append(inv, $"<text x=\"{X(s):0.#}\" y=\"{Height - 14}\" text-anchor=\"middle\" class=\"a\">{s}s</text>");
        }

        var legendX = Width - Right - (series.Count * 120);
        foreach (var (s, i) in series.Select((s, i) => (s, i)))
        {
            var points = string.Join(' ', s.Values.Select((v, j) => string.Create(inv, $"{X(seconds[j]):0.#},{Y(v):0.#}")));
            b.Append(inv, $"<polyline fill=\"none\" stroke=\"{s.Color}\" stroke-width=\"1.8\" points=\"{points}\"/>");
            b.Append(inv, $"<rect x=\"{legendX + (i * 120)}\" y=\"10\" width=\"12\" height=\"3\" fill=\"{s.Color}\"/><text x=\"{legendX + (i * 120) + 16}\" y=\"16\" class=\"a\">{WebUtility.HtmlEncode(s.Name)}</text>");
        }

        return b.Append("</svg>").ToString();
    }

    private static double NiceCeiling(double value)
    {
        if (value <= 0)
        {
            return 1;
        }

        var magnitude = Math.Pow(10, Math.Floor(Math.Log10(value)));
        foreach (var f in new[] { 1, 2, 2.5, 5, 10 })
        {
            if (f * magnitude >= value)
            {
                return f * magnitude;
            }
        }

        return 10 * magnitude;
    }

    private static string Label(double v) => v switch
    {
        >= 1_000_000 => (v / 1_000_000).ToString("0.##", CultureInfo.InvariantCulture) + "M",
        >= 10_000 => (v / 1000).ToString("0.##", CultureInfo.InvariantCulture) + "k",
        _ => v.ToString("0.##", CultureInfo.InvariantCulture),
    };
}
