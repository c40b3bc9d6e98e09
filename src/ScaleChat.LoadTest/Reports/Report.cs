using System.Globalization;
using ScaleChat.LoadTest.Measurement;
using ScaleChat.LoadTest.Running;
using ScaleChat.LoadTest.Workload;
using ScaleChat.Protocol;

namespace ScaleChat.LoadTest.Reports;

/// <summary>What report.json holds: the workload, what was sent and delivered, latency, connections, errors, the generator's health, the SLO's verdict.</summary>
public sealed record Report
{
    public string Tool { get; init; } = "scalechat load";
    public string Url { get; init; } = "";
    public DateTimeOffset StartedAt { get; init; }
    public WorkloadReport Workload { get; init; } = new();
    public ProtocolLimits? ServerLimits { get; init; }
    public long Sent { get; init; }
    public long SentTotal { get; init; }
    public long NotSent { get; init; }
    public long Expected { get; init; }
    public long Delivered { get; init; }
    public long Lost { get; init; }
    public double LossRatio { get; init; }
    public long Duplicates { get; init; }
    public long OutOfOrder { get; init; }
    public long Unexpected { get; init; }
    public long Late { get; init; }
    public long Acks { get; init; }
    public double SentPerSecond { get; init; }
    public double DeliveriesPerSecond { get; init; }
    public LatencySummary LatencyMs { get; init; } = LatencySummary.Of(HistogramData.NewHistogram());
    public long Connected { get; init; }
    public long ConnectAttempts { get; init; }
    public long ConnectFailures { get; init; }
    public Dictionary<string, long> ConnectFailuresByKind { get; init; } = [];
    public LatencySummary ConnectTimeMs { get; init; } = LatencySummary.Of(HistogramData.NewHistogram());
    public long Disconnects { get; init; }
    public Dictionary<string, long> ErrorsByCode { get; init; } = [];
    public Dictionary<string, long> ClosesByCode { get; init; } = [];
    public GeneratorReport Generator { get; init; } = new();
    public List<string> Warnings { get; init; } = [];
    public SloReport? Slo { get; init; }
    public SearchReport? Search { get; init; }

    /// <summary>Builds the report of a run (or of the held step of a search).</summary>
    public static Report From(LoadSettings settings, RunResult result, DateTimeOffset startedAt)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(result);
        var seconds = Math.Max(result.MeasuredSeconds, 1e-9);
        var d = result.Deliveries;
        var lateness = result.SchedulerLateness.Summarize();
        var saturated = lateness.P99 > 5 || result.CpuPercentMean > 85;
        var warnings = new List<string>(result.Warnings);
        if (saturated)
        {
            warnings.Add(string.Create(CultureInfo.InvariantCulture, $"the generator could not keep its schedule (late by {lateness.P99:0.#} ms at p99, CPU {result.CpuPercentMean:0}% of the machine): it is saturated or the machine is busy, and latencies include its own delays; use --workers, fewer clients or a quieter machine"));
        }

        var report = new Report
        {
            Url = settings.Url.ToString(),
            StartedAt = startedAt,
            Workload = WorkloadReport.From(settings),
            ServerLimits = result.ServerLimits,
            Sent = d.Sent,
            SentTotal = result.SentTotal,
            NotSent = result.NotSent,
            Expected = d.Expected,
            Delivered = d.Delivered,
            Lost = d.Lost,
            LossRatio = d.Expected == 0 ? 0 : Math.Round(d.Lost / (double)d.Expected, 6),
            Duplicates = d.Duplicates,
            OutOfOrder = d.OutOfOrder,
            Unexpected = d.Unexpected,
            Late = d.Late,
            Acks = result.Acks,
            SentPerSecond = Math.Round(d.Sent / seconds, 1),
            DeliveriesPerSecond = Math.Round(d.Delivered / seconds, 1),
            LatencyMs = result.Latency.Summarize(),
            Connected = result.Connected,
            ConnectAttempts = result.ConnectAttempts,
            ConnectFailures = result.ConnectFailures.Values.Sum(),
            ConnectFailuresByKind = result.ConnectFailures,
            ConnectTimeMs = result.ConnectTime.Summarize(),
            Disconnects = result.Closes.Values.Sum(),
            ErrorsByCode = result.Errors,
            ClosesByCode = result.Closes,
            Generator = new GeneratorReport(Environment.ProcessorCount, result.CpuPercentMean, result.CpuPercentMax, lateness, saturated) { WorkerCores = result.WorkerCores, TieredCompilation = GeneratorProcess.TieredCompilation },
            Warnings = warnings,
        };
        return settings.Slo is { } text && ScaleChat.LoadTest.Workload.Slo.TryParse(text, out _) is { } slo ? report with { Slo = SloReport.Evaluate(slo, report) } : report;
    }

    /// <summary>The value of an SLO metric in this report.</summary>
    public double Metric(string metric) => metric switch
    {
        "p50" => LatencyMs.P50,
        "p90" => LatencyMs.P90,
        "p99" => LatencyMs.P99,
        "p999" => LatencyMs.P999,
        "max" => LatencyMs.Max,
        "loss" => Lost,
        "loss%" => LossRatio * 100,
        "duplicates" => Duplicates,
        "outoforder" => OutOfOrder,
        "errors" => ErrorsByCode.Values.Sum(),
        "connectfailures" => ConnectFailures,
        "disconnects" => Disconnects,
        "deliveries" => DeliveriesPerSecond,
        _ => double.NaN,
    };
}

/// <summary>The workload as run.</summary>
public sealed record WorkloadReport
{
    public int Clients { get; init; }
    public int Rooms { get; init; }
    public int ClientsPerRoom { get; init; }
    public int Publishers { get; init; }
    public double Rate { get; init; }
    public double RatePerPublisher { get; init; }
    public int SizeMin { get; init; }
    public int SizeMax { get; init; }
    public double Private { get; init; }
    public double Ramp { get; init; }
    public double WarmupSeconds { get; init; }
    public double DurationSeconds { get; init; }
    public double DrainSeconds { get; init; }
    public bool Legacy { get; init; }
    public int Workers { get; init; }
    public int SourceAddresses { get; init; }
    public bool Tokens { get; init; }

    /// <summary>How the clients read: <c>lean</c>, or <c>full</c> (asked for, or for wss://).</summary>
    public string Receive { get; init; } = "lean";

    public static WorkloadReport From(LoadSettings s) => new()
    {
        Clients = s.Clients,
        Rooms = s.Rooms,
        ClientsPerRoom = s.ClientsPerRoom,
        Publishers = s.Publishers,
        Rate = s.Rate,
        RatePerPublisher = Math.Round(s.RatePerPublisher, 3),
        SizeMin = s.SizeMin,
        SizeMax = s.SizeMax,
        Private = s.PrivateShare,
        Ramp = s.Ramp,
        WarmupSeconds = s.Warmup.TotalSeconds,
        DurationSeconds = s.Duration.TotalSeconds,
        DrainSeconds = s.Drain.TotalSeconds,
        Legacy = s.Legacy,
        Workers = s.Workers,
        SourceAddresses = s.SourceAddresses,
        Tokens = s.TokenSecret is not null,
        Receive = s.UsesLeanPath ? "lean" : "full",
    };
}

/// <summary>The generator's own health: a saturated generator is reported, not blamed on the server.</summary>
public sealed record GeneratorReport(int Cores = 0, double CpuPercentMean = 0, double CpuPercentMax = 0, LatencySummary? SchedulerLateMs = null, bool Saturated = false)
{
    /// <summary>With <c>--workers</c>: the core each worker was pinned to (<c>any</c> when there were too few cores).</summary>
    public List<string> WorkerCores { get; init; } = [];

    /// <summary>Whether the generator ran with tiered compilation, whose recompiling pauses it (<see cref="GeneratorProcess"/>).</summary>
    public bool TieredCompilation { get; init; }

    /// <summary>Which core each worker used, in words: <c>worker 0 on core 2, worker 1 not pinned</c>.</summary>
    public string WorkerPlacement() => string.Join(", ", WorkerCores.Select((core, i) =>
        core == "any" ? string.Create(CultureInfo.InvariantCulture, $"worker {i} not pinned (any core)") : string.Create(CultureInfo.InvariantCulture, $"worker {i} on core {core}")));
}

/// <summary>One SLO term and how the run did against it.</summary>
public sealed record SloCheck(string Term, string Metric, double Actual, bool Passed);

/// <summary>The SLO's verdict.</summary>
public sealed record SloReport(string Text, bool Passed, List<SloCheck> Checks)
{
    public static SloReport Evaluate(Slo slo, Report report)
    {
        ArgumentNullException.ThrowIfNull(slo);
        ArgumentNullException.ThrowIfNull(report);
        var checks = slo.Terms.Select(t => new SloCheck(t.Text, t.Metric, Math.Round(report.Metric(t.Metric), 3), t.Holds(report.Metric(t.Metric)))).ToList();
        return new SloReport(slo.Text, checks.All(c => c.Passed), checks);
    }
}

/// <summary>A capacity search: every step and the largest that held.</summary>
public sealed record SearchReport(string Kind, double Factor, List<SearchStep> Steps, double? LargestHeld);

/// <summary>One step of a capacity search.</summary>
public sealed record SearchStep(int Step, double Value, int Clients, double Rate, bool Passed, double P99Ms, double MaxMs, long Lost, double DeliveriesPerSecond, long Errors, long Disconnects, string Broken);
