using System.Globalization;

namespace ScaleChat.LoadTest.Workload;

/// <summary>Parsers for the values of the load flags: durations, sizes, shares, counts.</summary>
public static class ValueParsers
{
    /// <summary>Parses <c>30s</c>, <c>2m</c>, <c>500ms</c>, <c>1h</c>, <c>2d</c> or a plain number of seconds, up to 7 days.</summary>
    public static bool TryParseDuration(string text, out TimeSpan value)
    {
        value = default;
        text = text.Trim().ToLowerInvariant();
        var (number, scale) = text.EndsWith("ms", StringComparison.Ordinal) ? (text[..^2], 0.001)
            : text.EndsWith('s') ? (text[..^1], 1.0)
            : text.EndsWith('m') ? (text[..^1], 60.0)
            : text.EndsWith('h') ? (text[..^1], 3600.0)
            : text.EndsWith('d') ? (text[..^1], 86_400.0)
            : (text, 1.0);
        if (!double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) || seconds < 0 || seconds > 86_400 * 7 / scale)
        {
            return false;
        }

        value = TimeSpan.FromSeconds(seconds * scale);
        return true;
    }

    /// <summary>Parses a size in bytes, <c>N</c> or <c>MIN-MAX</c>.</summary>
    public static bool TryParseSize(string text, out int min, out int max)
    {
        var parts = text.Trim().Split('-');
        min = max = 0;
        return parts.Length switch
        {
            1 => int.TryParse(parts[0], out min) && (max = min) > 0,
            2 => int.TryParse(parts[0], out min) && int.TryParse(parts[1], out max) && min > 0 && max >= min,
            _ => false,
        };
    }

    /// <summary>Parses a number written with a dot for decimals.</summary>
    public static bool TryParseNumber(string text, out double value) =>
        double.TryParse(text.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out value) && double.IsFinite(value);

    /// <summary>Parses a boolean flag value: true/false, 1/0, yes/no, on/off.</summary>
    public static bool TryParseBool(string text, out bool value)
    {
        (var ok, value) = text.Trim().ToLowerInvariant() switch
        {
            "true" or "1" or "yes" or "on" or "" => (true, true),
            "false" or "0" or "no" or "off" => (true, false),
            _ => (false, false),
        };
        return ok;
    }
}
