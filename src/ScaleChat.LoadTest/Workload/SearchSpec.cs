namespace ScaleChat.LoadTest.Workload;

/// <summary>What a capacity search steps up.</summary>
public enum SearchKind
{
    /// <summary>The number of clients (rooms keep their count, so rooms grow).</summary>
    Clients,

    /// <summary>The total message rate.</summary>
    Rate,
}

/// <summary>
/// A capacity search: start at the workload's value and multiply it by <see cref="Factor"/> at
/// each step, at most <see cref="MaxSteps"/> steps, until the SLO breaks.
/// </summary>
public sealed record SearchSpec(SearchKind Kind, double Factor = 2, int MaxSteps = 8)
{
    /// <summary>Parses <c>clients</c>, <c>rate</c>, or either with <c>:FACTOR</c> and <c>:FACTOR:STEPS</c>.</summary>
    public static SearchSpec? TryParse(string text, out string? error)
    {
        error = null;
        var parts = text.Trim().ToLowerInvariant().Split(':');
        SearchKind? kind = parts[0] switch { "clients" => SearchKind.Clients, "rate" => SearchKind.Rate, _ => null };
        double factor = 2;
        var steps = 8;
        if (kind is null
            || parts.Length > 3
            || (parts.Length > 1 && (!double.TryParse(parts[1], System.Globalization.CultureInfo.InvariantCulture, out factor) || factor <= 1))
            || (parts.Length > 2 && (!int.TryParse(parts[2], out steps) || steps is < 1 or > 50)))
        {
            error = $"--search must be 'clients' or 'rate', optionally ':FACTOR' (> 1) and ':STEPS' (1-50), not '{text}'";
            return null;
        }

        return new SearchSpec(kind.Value, factor, steps);
    }

    /// <summary>The workload of step <paramref name="step"/> (0 is the workload as given).</summary>
    public LoadSettings Apply(LoadSettings start, int step)
    {
        ArgumentNullException.ThrowIfNull(start);
        var scale = Math.Pow(Factor, step);
        return Kind switch
        {
            SearchKind.Clients => start with
            {
                Clients = (int)Math.Round(start.Clients * scale),
                Publishers = (int)Math.Round(start.Publishers * scale),
                Rate = start.Rate * scale,
            },
            _ => start with { Rate = start.Rate * scale },
        };
    }

    /// <summary>The stepped value of a workload, for the step table.</summary>
    public double ValueOf(LoadSettings settings) => Kind == SearchKind.Clients ? settings.Clients : settings.Rate;
}
