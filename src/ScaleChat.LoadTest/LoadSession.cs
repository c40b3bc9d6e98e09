using System.Globalization;
using ScaleChat.LoadTest.Measurement;
using ScaleChat.LoadTest.Reports;
using ScaleChat.LoadTest.Running;
using ScaleChat.LoadTest.Workers;
using ScaleChat.LoadTest.Workload;
using ScaleChat.Protocol;

namespace ScaleChat.LoadTest;

/// <summary>The outcome of <c>scalechat load</c>: the report, the raw result behind it, the exit code.</summary>
public sealed record LoadOutcome(Report Report, RunResult Result, int ExitCode);

/// <summary>
/// One <c>scalechat load</c>: probe the server, check the plan, run (in this process or in
/// workers; once or step by step for a capacity search), print the summary, write the report.
/// </summary>
public static class LoadSession
{
    /// <summary>Exit codes: the run met its SLO (or had none), broke it, or could not run.</summary>
    public const int Ok = 0, SloBroken = 1, CouldNotRun = 2;

    /// <summary>Runs; throws <see cref="LoadException"/> (one line) when the server cannot be reached.</summary>
    public static async Task<LoadOutcome> RunAsync(LoadSettings settings, WorkerLauncher? launcher, TextWriter output, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(output);
        var startedAt = DateTimeOffset.UtcNow;
        var limits = await ServerProbe.ProbeAsync(settings, cancellationToken).ConfigureAwait(false);
        var warnings = PlanCheck.Warnings(settings, limits, PlanCheck.OpenFileLimit());
        await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"scalechat load: {settings.Clients:N0} clients in {settings.Rooms:N0} rooms, {settings.Publishers:N0} publishers, {settings.Rate:N0} msg/s -> about {PlanCheck.ExpectedDeliveriesPerSecond(settings):N0} deliveries/s expected; server limits: {Describe(limits)}")).ConfigureAwait(false);
        foreach (var warning in warnings)
        {
            await output.WriteLineAsync($"warning: {warning}").ConfigureAwait(false);
        }

        Report report;
        RunResult result;
        if (settings.Search is { } search)
        {
            (report, result) = await SearchAsync(settings, search, limits, warnings, launcher, output, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            result = await RunOnceAsync(settings, limits, warnings, launcher, output, cancellationToken).ConfigureAwait(false);
            report = Report.From(settings, result, startedAt);
        }

        await output.WriteLineAsync(SummaryTable.Format(report)).ConfigureAwait(false);
        if (settings.ReportDir is { } directory)
        {
            ReportFiles.Write(directory, report, result);
            await output.WriteLineAsync($"report: {Path.Combine(directory, "report.html")} (and report.json, timeseries.csv)").ConfigureAwait(false);
        }

        var failed = report.Search is { } s ? s.LargestHeld is null : report.Slo is { Passed: false };
        return new LoadOutcome(report, result, failed ? SloBroken : Ok);
    }

    private static Task<RunResult> RunOnceAsync(LoadSettings settings, ProtocolLimits? limits, List<string> warnings, WorkerLauncher? launcher, TextWriter output, CancellationToken cancellationToken)
    {
        var live = new LiveLine(settings.Clients);
        void OnSample(Sample sample) => output.WriteLine(live.Format(sample));
        if (settings.Workers > 1)
        {
            var pool = new WorkerPool(launcher ?? WorkerLauncher.Locate(), output);
            return pool.RunAsync(settings, limits, warnings, OnSample, cancellationToken);
        }

        var runner = new LoadRunner(settings, OnSample) { ServerLimits = limits, Warnings = warnings };
        return runner.RunAsync(cancellationToken);
    }

    // Steps the workload up until the SLO breaks; the report is the largest step that held.
    private static async Task<(Report, RunResult)> SearchAsync(LoadSettings settings, SearchSpec search, ProtocolLimits? limits, List<string> warnings,
        WorkerLauncher? launcher, TextWriter output, CancellationToken cancellationToken)
    {
        var slo = settings.Slo ?? Slo.DefaultForSearch;
        var steps = new List<SearchStep>();
        (Report Report, RunResult Result)? held = null;
        (Report Report, RunResult Result)? first = null;
        for (var step = 0; step < search.MaxSteps && !cancellationToken.IsCancellationRequested; step++)
        {
            var stepSettings = search.Apply(settings, step) with { Slo = slo, Search = null, RunTag = $"{settings.RunTag}s{step}" };
            if (stepSettings.Validate() is { } invalid)
            {
                await output.WriteLineAsync($"search: stopping before step {step}: {invalid}").ConfigureAwait(false);
                break;
            }

            var value = search.ValueOf(stepSettings);
            await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"search step {step}: {search.Kind.ToString().ToLowerInvariant()} = {value:N0}")).ConfigureAwait(false);
            var stepWarnings = PlanCheck.Warnings(stepSettings, limits, PlanCheck.OpenFileLimit()).Union(warnings).ToList();
            var result = await RunOnceAsync(stepSettings, limits, stepWarnings, launcher, output, cancellationToken).ConfigureAwait(false);
            var report = Report.From(stepSettings, result, DateTimeOffset.UtcNow);
            var passed = report.Slo?.Passed ?? true;
            var broken = string.Join(", ", report.Slo?.Checks.Where(c => !c.Passed).Select(c => string.Create(CultureInfo.InvariantCulture, $"{c.Term} (was {c.Actual:0.###})")) ?? []);
            steps.Add(new SearchStep(step, value, stepSettings.Clients, stepSettings.Rate, passed, report.LatencyMs.P99, report.LatencyMs.Max, report.Lost,
                report.DeliveriesPerSecond, report.ErrorsByCode.Values.Sum(), report.Disconnects, broken));
            await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"search step {step}: {(passed ? "held" : "broke: " + broken)}")).ConfigureAwait(false);
            first ??= (report, result);
            if (!passed)
            {
                break;
            }

            held = (report, result);
        }

        var largest = steps.LastOrDefault(s => s.Passed)?.Value;
        var chosen = held ?? first ?? throw new LoadException("the capacity search ran no step");
        var searchReport = new SearchReport(search.Kind.ToString().ToLowerInvariant(), search.Factor, steps, largest);
        return (chosen.Report with { Search = searchReport }, chosen.Result);
    }

    private static string Describe(ProtocolLimits? l) => l is null
        ? "none announced (legacy format)"
        : string.Create(CultureInfo.InvariantCulture, $"{l.MessagesPerSecond} msg/s per connection (burst {l.Burst}), messages up to {l.MaxMessageBytes} bytes");
}
