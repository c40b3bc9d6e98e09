using ScaleChat.Client;

namespace ScaleChat.LoadTest.Workload;

/// <summary>
/// Everything a load run does: the workload (clients, rooms, publishers, rate, sizes), its timing,
/// what counts as success, and, for a worker process, which slice of the clients it drives.
/// </summary>
public sealed record LoadSettings
{
    /// <summary>The server's WebSocket endpoint; rooms are reached at <c>{Url}/{room}</c>.</summary>
    public Uri Url { get; init; } = new("ws://localhost:8080/ws");

    /// <summary>Simulated clients, each with one connection.</summary>
    public int Clients { get; init; } = 1000;

    /// <summary>Rooms; client <c>i</c> is in room <c>i % Rooms</c>.</summary>
    public int Rooms { get; init; } = 20;

    /// <summary>Clients that send; client <c>i</c> publishes when <c>i &lt; Publishers</c>.</summary>
    public int Publishers { get; init; } = 100;

    /// <summary>Messages per second in total, spread evenly over the publishers (open model).</summary>
    public double Rate { get; init; } = 200;

    /// <summary>Smallest message text, in bytes.</summary>
    public int SizeMin { get; init; } = 64;

    /// <summary>Largest message text, in bytes (equal to <see cref="SizeMin"/> for a fixed size).</summary>
    public int SizeMax { get; init; } = 64;

    /// <summary>Share of messages sent privately (<c>to</c> a user) rather than to the room, 0 to 1.</summary>
    public double PrivateShare { get; init; }

    /// <summary>New connections per second while connecting.</summary>
    public double Ramp { get; init; } = 500;

    /// <summary>Time spent sending before measuring starts.</summary>
    public TimeSpan Warmup { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Time measured.</summary>
    public TimeSpan Duration { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Longest wait, after the last message is sent, for deliveries still on their way.</summary>
    public TimeSpan Drain { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Speak the legacy scale-chat format (no subprotocol) instead of version 1.</summary>
    public bool Legacy { get; init; }

    /// <summary>How the simulated clients read: lean (the default) or the full WebSocket client, for checks and wss://.</summary>
    public ReceivePath Receive { get; init; }

    /// <summary>Whether the lean path runs: asked for, ws://, and Linux (its event loop is built on epoll).</summary>
    internal bool UsesLeanPath => Receive == ReceivePath.Lean && Url.Scheme == "ws" && OperatingSystem.IsLinux();

    /// <summary>Thresholds that decide the exit code, e.g. <c>p99&lt;50ms,loss=0</c>.</summary>
    public string? Slo { get; init; }

    /// <summary>Capacity search: what to step up, or null for a single run.</summary>
    public SearchSpec? Search { get; init; }

    /// <summary>Worker processes that share the clients (1: this process does everything).</summary>
    public int Workers { get; init; } = 1;

    /// <summary>Where report.json, report.html and timeseries.csv go, or null for none.</summary>
    public string? ReportDir { get; init; }

    /// <summary>Where to write one CSV row per measured event (the original load tester's format), or null.</summary>
    public string? RawFile { get; init; }

    /// <summary>Loopback source addresses (127.0.0.1, .2, ...) to spread connections over.</summary>
    public int SourceAddresses { get; init; } = 8;

    /// <summary>The slice this process drives: rooms <c>r</c> with <c>r % SliceCount == SliceIndex</c>.</summary>
    public int SliceIndex { get; init; }

    /// <summary>How many slices the rooms are cut into (the number of workers).</summary>
    public int SliceCount { get; init; } = 1;

    /// <summary>
    /// The shared secret of a server in token mode: each simulated user then presents its own token,
    /// minted here with its name as <c>sub</c>. Null for a server in open mode.
    /// </summary>
    public string? TokenSecret { get; init; }

    /// <summary>The <c>iss</c> claim of the minted tokens, when the server checks one.</summary>
    public string? TokenIssuer { get; init; }

    /// <summary>The <c>aud</c> claim of the minted tokens, when the server checks one.</summary>
    public string? TokenAudience { get; init; }

    /// <summary>
    /// How long a minted token lasts: the run's planned length (ramp, warm-up, duration, drain) and
    /// as much again, at least ten minutes more, so that no token expires while the run still counts.
    /// </summary>
    public TimeSpan TokenLifetime
    {
        get
        {
            var planned = TimeSpan.FromSeconds(Clients / Ramp) + Warmup + Duration + Drain;
            return planned + TimeSpan.FromTicks(Math.Max(planned.Ticks, TimeSpan.FromMinutes(10).Ticks));
        }
    }

    /// <summary>A short tag in every user name, so that runs and workers never share a name.</summary>
    public string RunTag { get; init; } = Guid.NewGuid().ToString("N")[..6];

    /// <summary>Clients in the smallest room (rooms differ by at most one).</summary>
    public int ClientsPerRoom => Clients / Rooms;

    /// <summary>Messages per second each publisher sends.</summary>
    public double RatePerPublisher => Publishers == 0 ? 0 : Rate / Publishers;

    /// <summary>Checks that the values make sense together; returns what is wrong, or null.</summary>
    public string? Validate()
    {
        if (Clients < 1) return "--clients must be at least 1";
        if (Rooms < 1 || Rooms > Clients) return $"--rooms must be between 1 and the number of clients ({Clients})";
        if (Publishers < 0 || Publishers > Clients) return $"--publishers must be between 0 and the number of clients ({Clients})";
        if (Rate < 0 || (Rate > 0 && Publishers == 0)) return "--rate must be 0 or more, and needs at least one publisher";
        if (SizeMin < 1 || SizeMax < SizeMin) return "--size must be a positive number of bytes, or MIN-MAX with MIN <= MAX";
        if (PrivateShare is < 0 or > 1) return "--private must be a share between 0 and 1";
        if (PrivateShare > 0 && Legacy) return "--private needs version 1: the legacy format has no private messages";
        if (PrivateShare > 0 && Clients < 2) return "--private needs at least two clients";
        if (Ramp <= 0) return "--ramp must be more than 0 connections per second";
        if (Duration <= TimeSpan.Zero) return "--duration must be more than 0";
        if (Warmup < TimeSpan.Zero || Drain < TimeSpan.Zero) return "--warmup and --drain must not be negative";
        if (Workers < 1 || Workers > Rooms) return $"--workers must be between 1 and the number of rooms ({Rooms}): a room is never split between workers";
        if (SourceAddresses is < 1 or > 254) return "--sources must be between 1 and 254";
        if (TokenSecret is null && (TokenIssuer ?? TokenAudience) is not null) return "--token-issuer and --token-audience need --token-secret";
        if (TokenSecret is not null && System.Text.Encoding.UTF8.GetByteCount(TokenSecret) < ChatTokens.MinSecretBytes) return $"--token-secret must be at least {ChatTokens.MinSecretBytes} bytes";
        if (TokenSecret is not null && Legacy) return "--token-secret needs version 1: a server in token mode refuses the legacy format";
        return Url.Scheme is "ws" or "wss" ? null : "--url must be a ws:// or wss:// URL";
    }
}
