using System.Globalization;
using ScaleChat.LoadTest.Clients;
using ScaleChat.LoadTest.Workload;

namespace ScaleChat.Cli.Load;

/// <summary>
/// Turns the flags of <c>scalechat load</c> and their <c>SCALECHAT_LOAD_*</c> variables into
/// <see cref="LoadSettings"/>: a flag wins over its variable, and a value that is missing from
/// both takes a default that scales with the number of clients.
/// </summary>
internal static class LoadArguments
{
    public const string VariablePrefix = "SCALECHAT_LOAD_";

    /// <summary>The flags, without their dashes; each is also read from <c>SCALECHAT_LOAD_&lt;NAME&gt;</c>.</summary>
    public static readonly string[] Names =
    [
        "url", "clients", "rooms", "publishers", "rate", "size", "private", "ramp", "warmup", "duration", "drain",
        "legacy", "slo", "search", "workers", "report", "sources", "token-secret", "token-issuer", "token-audience", "receive", "raw",
    ];

    /// <summary>The variable of a flag: <c>token-secret</c> is read from <c>SCALECHAT_LOAD_TOKEN_SECRET</c>.</summary>
    public static string VariableOf(string name) => VariablePrefix + name.ToUpperInvariant().Replace('-', '_');

    /// <summary>Resolves every value; returns null and a one-line <paramref name="error"/> when one is bad.</summary>
    public static LoadSettings? Resolve(Func<string, string?> flag, Func<string, string?> environment, out string? error)
    {
        ArgumentNullException.ThrowIfNull(flag);
        ArgumentNullException.ThrowIfNull(environment);
        var problems = new List<string>();
        var defaults = new LoadSettings();

        // Where a value came from, for the message when it is bad.
        (string? Text, string Source) Raw(string name) => flag(name) is { } f ? (f, "--" + name)
            : environment(VariableOf(name)) is { Length: > 0 } v ? (v, VariableOf(name)) : (null, "--" + name);

        T Get<T>(string name, T fallback, TryParse<T> parse, string expected)
        {
            var (text, source) = Raw(name);
            if (text is null)
            {
                return fallback;
            }

            if (parse(text, out var value))
            {
                return value;
            }

            problems.Add($"{source} must be {expected}, not '{text}'");
            return fallback;
        }

        var url = Get("url", defaults.Url, TryParseUrl, "a ws:// or wss:// URL");
        var clients = Get("clients", defaults.Clients, TryParseCount, "a whole number of at least 1");
        var rooms = Get("rooms", Math.Clamp(clients / 50, 1, 20), TryParseCount, "a whole number of at least 1");
        var publishers = Get("publishers", Math.Max(1, clients / 10), TryParseNonNegative, "a whole number");
        var rate = Get("rate", publishers * 2.0, ValueParsers.TryParseNumber, "messages per second in total, e.g. 500");
        var size = Get("size", (defaults.SizeMin, defaults.SizeMax), TryParseSize, "a size in bytes, or MIN-MAX");
        var share = Get("private", defaults.PrivateShare, ValueParsers.TryParseNumber, "a share between 0 and 1");
        var ramp = Get("ramp", defaults.Ramp, ValueParsers.TryParseNumber, "connections per second, e.g. 1000");
        var warmup = Get("warmup", defaults.Warmup, ValueParsers.TryParseDuration, "a duration such as 5s or 1m");
        var duration = Get("duration", defaults.Duration, ValueParsers.TryParseDuration, "a duration such as 30s or 2m");
        var drain = Get("drain", defaults.Drain, ValueParsers.TryParseDuration, "a duration such as 5s");
        var legacy = Get("legacy", false, ValueParsers.TryParseBool, "true or false");
        var workers = Get("workers", 1, TryParseCount, "a whole number of at least 1");
        var sources = Get("sources", defaults.SourceAddresses, TryParseCount, "a whole number between 1 and 254");
        var receive = Get("receive", defaults.Receive, TryParseReceive, "lean or full");
        var slo = Raw("slo").Text;
        if (slo is not null && Slo.TryParse(slo, out var sloError) is null)
        {
            problems.Add(sloError!);
        }

        SearchSpec? search = null;
        if (Raw("search").Text is { } searchText && (search = SearchSpec.TryParse(searchText, out var searchError)) is null)
        {
            problems.Add(searchError!);
        }

        var settings = new LoadSettings
        {
            Receive = receive,
            Url = url,
            Clients = clients,
            Rooms = rooms,
            Publishers = publishers,
            Rate = rate,
            SizeMin = size.Item1,
            SizeMax = size.Item2,
            PrivateShare = share,
            Ramp = ramp,
            Warmup = warmup,
            Duration = duration,
            Drain = drain,
            Legacy = legacy,
            Slo = slo,
            Search = search,
            Workers = workers,
            ReportDir = Raw("report").Text,
            SourceAddresses = sources,
            RawFile = Raw("raw").Text,
            TokenSecret = Raw("token-secret").Text,
            TokenIssuer = Raw("token-issuer").Text,
            TokenAudience = Raw("token-audience").Text,
        };
        error = problems.Count > 0 ? problems[0] : settings.Validate();
        return error is null ? settings : null;
    }

    private delegate bool TryParse<T>(string text, out T value);

    private static bool TryParseUrl(string text, out Uri value) =>
        Uri.TryCreate(text, UriKind.Absolute, out value!) && value.Scheme is "ws" or "wss";

    private static bool TryParseReceive(string text, out ReceivePath value) =>
        Enum.TryParse(text, ignoreCase: true, out value) && Enum.IsDefined(value) && !int.TryParse(text, out _);

    private static bool TryParseCount(string text, out int value) =>
        int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out value) && value >= 1;

    private static bool TryParseNonNegative(string text, out int value) =>
        int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out value) && value >= 0;

    private static bool TryParseSize(string text, out (int, int) value)
    {
        var ok = ValueParsers.TryParseSize(text, out var min, out var max);
        value = (min, max);
        return ok;
    }
}
